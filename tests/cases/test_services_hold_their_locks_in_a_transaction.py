"""Every case service that takes a row lock runs in one transaction (`@unit_of_work`, or a `with` block of
its own). SQLite has no row locks, so a service that lost its decorator passes there and fails only on
PostgreSQL ("select_for_update cannot be used outside of a transaction"): this finds it on both. It was
found that way once: a helper added above `supplement_answer` took its decorator."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import onego.cases.services as services_pkg

LOCKS = ("lock_case(", "lock_subcase(", "lock_subcases(", "select_for_update(", "fastsql.locked(")
OWN_TRANSACTION = ("unit_of_work()", "transaction.atomic(")
# Helpers that run inside their caller's unit of work by design (their docstrings say so).
IN_CALLERS_UNIT = {
    "onego.cases.services.common.lock_case",  # the locks themselves
    "onego.cases.services.common.lock_subcase",
    "onego.cases.services.deadlines.recompute_case",  # "recompute a locked case"
    "onego.cases.services.decisions.partner_report",  # "in the caller's unit of work"
}


def _services() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for info in pkgutil.iter_modules(services_pkg.__path__):
        module = importlib.import_module(f"{services_pkg.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            found.append((f"{module.__name__}.{name}", fn))
    return found


def test_every_public_service_that_locks_rows_runs_in_a_transaction() -> None:
    unguarded = []
    for qualname, fn in _services():
        inner = inspect.unwrap(fn)  # type: ignore[arg-type]
        source = inspect.getsource(inner)
        if not any(lock in source for lock in LOCKS):
            continue
        if qualname in IN_CALLERS_UNIT:
            continue
        if inner is fn and not any(own in source for own in OWN_TRANSACTION):
            unguarded.append(qualname)
    assert unguarded == []


def test_the_check_sees_a_locking_service_without_its_decorator() -> None:
    from onego.cases.services import supplements

    assert inspect.unwrap(supplements.supplement_answer) is not supplements.supplement_answer
    assert "lock_case(" in inspect.getsource(inspect.unwrap(supplements.supplement_answer))
