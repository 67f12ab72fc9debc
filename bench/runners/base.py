"""What a runner is: something that performs one workload action on one case and counts its writes."""

from __future__ import annotations

import re
from typing import Protocol

from bench.workload import Action

_WRITE = re.compile(r"^\s*(?:WITH\b.*?\)\s*)?(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)


def is_write(sql: str) -> bool:
    """An INSERT, UPDATE or DELETE statement (also behind a leading CTE)."""
    head = sql.lstrip()[:6].upper()
    if head in ("INSERT", "UPDATE", "DELETE"):
        return True
    return head.startswith("WITH") and _WRITE.match(sql) is not None


class Runner(Protocol):
    def do(self, number: int, action: Action) -> None:
        """Perform `action` on case `number` (submit creates it), committed when this returns."""

    def writes(self) -> int:
        """INSERT/UPDATE/DELETE statements executed so far by this runner."""

    def statements(self) -> int:
        """All SQL statements sent so far (reads, writes, savepoints; not BEGIN/COMMIT)."""

    def close(self) -> None: ...


class WorkflowError(RuntimeError):
    """The engine did not reach the state the workload expects (a bug, never a timing issue)."""
