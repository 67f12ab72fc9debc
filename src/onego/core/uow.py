"""A unit of work: one service call's transaction, with its append-only rows written at the end.

`unit_of_work` is `transaction.atomic` plus a buffer. Inside it:

- `insert(obj)` does not INSERT at once: the new rows of one model (history rows, outbox rows,
  task rows, pending ledger entries) are written together, one INSERT per model, when the unit ends.

At the end, all of it runs as one statement on PostgreSQL (`fastsql.run_together`: data-modifying
`WITH` parts), one by one elsewhere. No lock is taken there: ledger entries are written pending and
sealed later by the ledger's sequencer (docs/adr/0005-ledger-sequencer.md).

Why: a case action changes a few rows but used to write a history row, a task row and a ledger
entry per change, each its own statement; see bench/README.md.

Nothing is lost or moved out of the transaction: the buffer is written inside the same atomic
block, before it commits, and dropped when the block raises. Rows are deferred only while no
savepoint was opened since the unit began (`transaction.atomic()` nested inside a service, whose
rollback must take its rows with it): there, `insert` writes at once. A unit nested in another
unit flushes its own buffer when it ends, for the same reason.

Deferred rows are not visible to queries made inside the unit before it ends; only write rows here
that nothing in the same action reads back (append-only history, outbox, tasks, ledger).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any, TypeVar, overload

from django.db import models, transaction

from onego.core import fastsql

F = TypeVar("F", bound=Callable[..., Any])

_local = threading.local()


class _Frame:
    __slots__ = ("atomic", "depth", "inserts")

    def __init__(self, atomic: Any, depth: int) -> None:
        self.atomic = atomic
        self.depth = depth  # the savepoints open when the unit began: its rows wait only at this depth
        self.inserts: dict[type[models.Model], list[models.Model]] = {}

    def flush(self) -> None:
        inserts, self.inserts = self.inserts, {}
        # One statement on PostgreSQL: the unit's new rows (its ledger entries among them) go together.
        fastsql.run_together([fastsql.insert_statement(model, rows) for model, rows in inserts.items()])


def _stack() -> list[_Frame]:
    stack: list[_Frame] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _savepoints(connection: Any) -> int:
    """Savepoints open on the connection (atomic blocks with savepoint=False add none)."""
    return sum(1 for sid in connection.savepoint_ids if sid is not None)


def _current() -> _Frame | None:
    stack = _stack()
    if not stack:
        return None
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    frame = stack[-1]
    return frame if frame.depth == _savepoints(connection) else None


class _UnitOfWork(ContextDecorator):
    def __enter__(self) -> None:
        atomic = transaction.atomic()
        atomic.__enter__()
        _stack().append(_Frame(atomic, _savepoints(transaction.get_connection())))

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        frame = _stack().pop()
        if exc_type is None:
            try:
                frame.flush()
            except BaseException as error:
                frame.atomic.__exit__(type(error), error, error.__traceback__)
                raise
        return frame.atomic.__exit__(exc_type, exc, tb)  # type: ignore[no-any-return]


@overload
def unit_of_work(func: F) -> F: ...
@overload
def unit_of_work(func: None = None) -> _UnitOfWork: ...
def unit_of_work(func: F | None = None) -> F | _UnitOfWork:
    """Use like `transaction.atomic`: `@unit_of_work` on a service, or `with unit_of_work():`."""
    if func is None:
        return _UnitOfWork()
    return _UnitOfWork()(func)


def insert(obj: models.Model) -> None:
    """Insert a new row now, or with the other new rows of its model when the unit ends."""
    frame = _current()
    if frame is None:
        obj.save(force_insert=True)
        return
    frame.inserts.setdefault(type(obj), []).append(obj)


def flush() -> None:
    """Write what the current unit has buffered now (before a query that must see it)."""
    frame = _current()
    if frame is not None:
        frame.flush()
