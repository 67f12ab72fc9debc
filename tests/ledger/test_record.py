"""`ledger_record`: entries appended in one batch at the end of the caller's unit of work."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onego.core import uow
from onego.core.errors import ValidationFailed
from onego.ledger import merkle
from onego.ledger.models import LedgerEntry, LedgerState
from onego.ledger.services import ledger_record
from onego.ledger.verify import verify_ledger

from .factories import AppendFactory, make_log

pytestmark = pytest.mark.django_db


def _locks(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in queries.captured_queries
        if "ledger_ledgerstate" in q["sql"] and q["sql"].startswith("SELECT")
    )


def test_entries_recorded_in_a_unit_are_appended_at_its_end_in_one_batch() -> None:
    make_log(3)
    with CaptureQueriesContext(connection) as queries, uow.unit_of_work():
        for n in range(4):
            ledger_record(**AppendFactory(case_ref=f"C-{n}"))
        assert LedgerEntry.objects.count() == 3  # not yet: written last, just before COMMIT
    entries = list(LedgerEntry.objects.order_by("index"))
    assert [e.index for e in entries] == list(range(7))
    assert [e.case_ref for e in entries[3:]] == ["C-0", "C-1", "C-2", "C-3"]
    assert _locks(queries) == 1
    # One INSERT of the four entries (on PostgreSQL inside the one statement that also moves the state).
    entry_inserts = [q for q in queries.captured_queries if 'INSERT INTO "ledger_ledgerentry"' in q["sql"]]
    assert len(entry_inserts) == 1
    state = LedgerState.objects.get()
    assert state.size == 7
    assert state.root_hash == merkle.root(bytes.fromhex(e.leaf_hash) for e in entries).hex()
    assert verify_ledger().ok


def test_outside_a_unit_an_entry_is_appended_at_once() -> None:
    ledger_record(**AppendFactory())
    assert LedgerEntry.objects.get().index == 0


def test_bad_input_is_refused_when_recorded_not_at_the_end() -> None:
    with uow.unit_of_work():
        with pytest.raises(ValidationFailed):
            ledger_record(**AppendFactory(kind="x" * 500))
        ledger_record(**AppendFactory())
    assert LedgerEntry.objects.count() == 1


def test_a_unit_that_raises_records_nothing() -> None:
    @uow.unit_of_work
    def fail() -> None:
        ledger_record(**AppendFactory())
        raise RuntimeError("the change it records rolled back")

    with pytest.raises(RuntimeError):
        fail()
    assert not LedgerEntry.objects.exists()
    make_log(1)
    assert LedgerEntry.objects.get().index == 0
