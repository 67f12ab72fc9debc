"""`ledger_record`: entries written pending, with a signed promise, in the caller's transaction — no
lock, no read — and numbered later by the sequencer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onego.core import uow
from onego.core.errors import ValidationFailed
from onego.ledger import merkle
from onego.ledger.canonical import promise_message
from onego.ledger.models import LedgerEntry, LedgerState
from onego.ledger.services import ledger_record
from onego.ledger.signing import get_signer
from onego.ledger.verify import verify_ledger

from .factories import AppendFactory, make_log, seal

pytestmark = pytest.mark.django_db


def test_entries_recorded_in_a_unit_are_written_pending_at_its_end_in_one_insert_without_a_lock() -> None:
    make_log(3)
    with CaptureQueriesContext(connection) as queries, uow.unit_of_work():
        for n in range(4):
            ledger_record(**AppendFactory(case_ref=f"C-{n}"))
        assert LedgerEntry.objects.count() == 3  # not yet: written last, just before COMMIT
    entry_inserts = [q for q in queries.captured_queries if 'INSERT INTO "ledger_ledgerentry"' in q["sql"]]
    assert len(entry_inserts) == 1
    # Nothing of the tree is read, locked or written in the caller's transaction.
    assert not [q for q in queries.captured_queries if "ledger_ledgerstate" in q["sql"]]
    assert not [q for q in queries.captured_queries if "ledger_ledgernode" in q["sql"]]
    assert not [q for q in queries.captured_queries if "advisory" in q["sql"]]
    pending = list(LedgerEntry.objects.filter(index__isnull=True).order_by("recorded_at", "id"))
    assert [e.case_ref for e in pending] == ["C-0", "C-1", "C-2", "C-3"]
    assert all(e.leaf_hash == "" and e.sealed_at is None for e in pending)
    assert LedgerState.objects.get().size == 3

    assert seal().sealed == 4
    entries = list(LedgerEntry.objects.order_by("index"))
    assert [e.index for e in entries] == list(range(7))
    assert [e.case_ref for e in entries[3:]] == ["C-0", "C-1", "C-2", "C-3"]  # in the order recorded
    state = LedgerState.objects.get()
    assert state.size == 7
    assert state.root_hash == merkle.root(bytes.fromhex(e.leaf_hash) for e in entries).hex()
    assert verify_ledger().ok


def test_outside_a_unit_an_entry_is_written_pending_at_once_with_a_promise_that_verifies() -> None:
    entry = ledger_record(**AppendFactory())
    stored = LedgerEntry.objects.get()
    assert stored.pk == entry.pk
    assert stored.index is None
    assert stored.entry_hash == stored.computed_entry_hash() == entry.entry_hash
    signer = get_signer()
    assert stored.key_id == signer.key_id
    assert signer.verify(promise_message(stored.entry_hash), bytes.fromhex(stored.signature))
    seal()
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
