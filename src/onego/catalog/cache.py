"""A per-process memo of catalog reads, valid for exactly one catalog revision.

Each use starts with `generation()`: one query reads the revision token (onego.catalog.revision keeps it
changing with every write to a catalog table, in every process). The same token as last time means the
catalog is unchanged and the memo answers; another token starts an empty memo, so an edit is seen by
the very next read in every process. The token is read before anything it will label, so a memo entry
can only be newer than its label, never older.

Nothing here hands out a shared mutable object: the selectors keep model instances as pickled bytes
and give every caller its own copy, and keep compiler inputs as frozen dataclasses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import connection

from onego.catalog.revision import VENDORS

T = TypeVar("T")

# How many entries of each kind one process keeps; the least recently used goes first.
LIMITS: dict[str, int] = {
    "region": 4096,
    "ancestors": 4096,
    "departments": 1024,
    "department_codes": 1024,
    "package": 256,
    "spec": 512,  # one per package and region actually compiled
    "registry": 16,
    "elements": 1,
    "english": 1,  # onego.catalog.i18n: Chinese → English of every catalog text
}


class Generation:
    """The memo for one revision token; with no token (no revision row, another vendor) it keeps nothing."""

    def __init__(self, token: Any) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._memos: dict[str, OrderedDict[Hashable, Any]] = {kind: OrderedDict() for kind in LIMITS}

    def get(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """The entry for `key`, built (outside the lock; a concurrent build only costs time) when missing.

        A build that raises stores nothing.
        """
        if self.token is None:
            return build()
        memo = self._memos[kind]
        with self._lock:
            if key in memo:
                memo.move_to_end(key)
                value: T = memo[key]
                return value
        value = build()
        with self._lock:
            memo[key] = value
            while len(memo) > LIMITS[kind]:
                memo.popitem(last=False)
        return value

    def size(self, kind: str) -> int:
        return len(self._memos[kind])


_current: Generation | None = None


def current_token() -> Any:
    """The catalog's revision token now, or None when there is no revision row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM catalog_catalogrevision WHERE slot = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def generation() -> Generation:
    """The memo valid for the catalog as it is now: one query."""
    global _current
    if connection.vendor not in VENDORS:
        return Generation(None)
    token = current_token()
    if token is None:
        return Generation(None)
    current = _current
    if current is None or current.token != token:
        current = _current = Generation(token)
    return current
