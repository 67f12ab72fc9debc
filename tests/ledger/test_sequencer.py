"""The sequencer: committed pending entries are sealed in batches, each once, in order, with a signed
head per batch; `verify` covers what is still pending; old (format 1) entries stay valid."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult
from pytest_django import Settings

from onego.core import uow
from onego.core.errors import Conflict, NotFound, ValidationFailed
from onego.ledger import merkle
from onego.ledger.canonical import entry_bytes, promise_message
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState, TreeHead
from onego.ledger.selectors import entry_by_id, inclusion_proof_for
from onego.ledger.sequencer import ledger_sequence
from onego.ledger.services import ledger_record
from onego.ledger.signing import get_signer
from onego.ledger.tasks import schedule_sequencer, sequence_ledger
from onego.ledger.verify import verify_ledger

from .factories import AppendFactory, make_log, seal

pytestmark = pytest.mark.django_db


def record(n: int, **overrides: object) -> list[LedgerEntry]:
    return [ledger_record(**AppendFactory(**overrides)) for _ in range(n)]


def test_sealing_numbers_pending_entries_in_the_order_recorded_and_signs_a_head_per_batch() -> None:
    recorded = record(25)
    report = seal(batch_size=10)
    assert (report.sealed, report.batches, report.tree_size) == (25, 3, 25)
    entries = list(LedgerEntry.objects.order_by("index"))
    assert [e.pk for e in entries] == [e.pk for e in recorded]
    assert [e.index for e in entries] == list(range(25))
    assert all(e.sealed_at is not None for e in entries)
    assert sorted(TreeHead.objects.values_list("tree_size", flat=True)) == [10, 20, 25]
    state = LedgerState.objects.get()
    assert state.root_hash == merkle.root(bytes.fromhex(e.leaf_hash) for e in entries).hex()
    assert (
        verify_ledger().summary() == f"ledger ok: 25 entries, root {state.root_hash}, 3 signed heads checked"
    )


def test_sequencing_again_is_a_no_op_and_later_entries_continue_the_numbering() -> None:
    record(3)
    seal()
    assert seal().sealed == 0
    assert TreeHead.objects.count() == 1  # nothing sealed, no new head
    record(2)
    assert seal().sealed == 2
    assert list(LedgerEntry.objects.order_by("index").values_list("index", flat=True)) == list(range(5))
    assert LedgerNode.objects.filter(level=2).count() == 1  # the subtree over 0–3 completed by entry 3


def test_nothing_outside_the_sequencer_writes_indexes_tree_nodes_or_the_state() -> None:
    """Every writer records pending entries: `ledger_record` is the ledger's only write service, and
    the sequencer the only code that numbers them (no request waits for its lock)."""
    import onego.ledger.sequencer as sequencer
    import onego.ledger.services as services

    assert not hasattr(services, "ledger_append")
    assert not hasattr(sequencer, "seal_now")
    entry = ledger_record(**AppendFactory())
    assert entry.index is None
    assert not LedgerNode.objects.exists()
    assert not LedgerState.objects.filter(size__gt=0).exists()


def test_verify_covers_pending_entries_and_names_an_altered_one() -> None:
    make_log(4)
    pending = record(3)
    report = verify_ledger()
    assert report.ok
    assert report.summary().endswith("3 pending entries checked")
    LedgerEntry.objects.filter(pk=pending[1].pk).update(payload={"registry": "hukou", "purpose": "anything"})
    report = verify_ledger()
    assert not report.ok
    assert (
        report.summary()
        == f"pending entry {pending[1].pk} altered: its content no longer matches its signed promise"
    )


def test_verify_names_a_pending_entry_forged_with_a_recomputed_hash_but_no_key() -> None:
    [entry] = record(1)
    LedgerEntry.objects.filter(pk=entry.pk).update(actor="dept:other/user:y")
    forged = LedgerEntry.objects.get(pk=entry.pk)
    LedgerEntry.objects.filter(pk=entry.pk).update(entry_hash=forged.computed_entry_hash())
    assert (
        verify_ledger().summary()
        == f"pending entry {entry.pk} altered: its promise signature does not verify"
    )


def test_the_sequencer_refuses_to_seal_an_altered_pending_entry() -> None:
    entries = record(3)
    LedgerEntry.objects.filter(pk=entries[1].pk).update(case_ref="C-forged")
    with pytest.raises(Conflict, match=str(entries[1].pk)):
        ledger_sequence()
    assert not LedgerEntry.objects.filter(index__isnull=False).exists()  # the whole batch stays pending


def test_verify_counts_pending_entries_older_than_the_maximum_merge_delay(settings: Settings) -> None:
    settings.ONEGO_LEDGER_MAX_MERGE_DELAY = 60
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        record(2)
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, 0, 30, tzinfo=dt.UTC), tick=False):
        report = verify_ledger()
        assert (report.pending, report.overdue) == (2, 0)
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, 1, 1, tzinfo=dt.UTC), tick=False):
        report = verify_ledger()
    assert report.ok  # late is not tampered
    assert (report.pending, report.overdue) == (2, 2)
    assert "2 older than the maximum merge delay of 60 s" in report.summary()


def test_a_promise_is_checked_with_only_the_public_key_and_the_published_formats() -> None:
    [entry] = record(1, payload={"purpose": "新生儿出生一件事"})
    stored = LedgerEntry.objects.get(pk=entry.pk)
    public = get_signer().public_key_bytes()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    message = f"OneGo-SET-v1|{stored.entry_hash}".encode("ascii")
    assert message == promise_message(stored.entry_hash)
    Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(stored.signature), message)


def legacy_log(n: int) -> list[LedgerEntry]:
    """Entries as the ledger wrote them before the sequencer (format 1: numbered at once, the index in
    the hashed content, no promise), with their nodes and state — the data migration 0002 keeps."""
    frontier = merkle.Frontier()
    entries = []
    for i in range(n):
        fields = {**AppendFactory(), "recorded_at": dt.datetime(2025, 1, 1, 8, 0, i, tzinfo=dt.UTC)}
        leaf = merkle.leaf_hash(entry_bytes(index=i, **fields))
        entries.append(LedgerEntry.objects.create(index=i, leaf_hash=leaf.hex(), leaf_format=1, **fields))
        for (level, _), h in frontier.append(leaf):
            LedgerNode.objects.create(last_leaf=i, level=level, hash=h.hex())
    LedgerState.objects.create(
        size=n, frontier=[h.hex() for h in frontier.hashes], root_hash=frontier.root().hex()
    )
    return entries


def test_entries_sealed_before_the_sequencer_stay_valid_and_the_tree_continues_over_them() -> None:
    old = legacy_log(5)
    old_root = LedgerState.objects.get().root_hash
    record(4)
    seal()
    assert verify_ledger().ok
    proof = inclusion_proof_for(old[3].index, 9)
    assert proof.verify()
    from onego.ledger.selectors import consistency_proof_between

    consistency = consistency_proof_between(5, 9)
    assert consistency.old_root.hex() == old_root
    assert consistency.verify()


def test_a_proof_is_served_once_sealed_and_pending_is_said_before() -> None:
    [entry] = record(1)
    out = StringIO()
    call_command("ledger", "entry", str(entry.pk), stdout=out)
    pending = json.loads(out.getvalue())
    assert pending["status"] == "pending"
    assert "index" not in pending
    assert pending["signature"] == entry.signature
    with pytest.raises(NotFound):
        inclusion_proof_for(0)
    seal()
    out = StringIO()
    call_command("ledger", "entry", str(entry.pk), stdout=out)
    sealed = json.loads(out.getvalue())
    assert (sealed["status"], sealed["index"], sealed["tree_size"]) == ("sealed", 0, 1)
    with pytest.raises(ValidationFailed):
        entry_by_id("not-an-id")


def test_the_sequence_command_seals_and_reports() -> None:
    record(3)
    out = StringIO()
    call_command("ledger", "sequence", "--batch-size", "2", stdout=out)
    assert out.getvalue().strip() == "ledger sequenced: 3 entries sealed in 2 batches, tree size 3"
    with pytest.raises(CommandError):
        call_command("ledger", "entry", "00000000-0000-0000-0000-000000000000")


def test_the_periodic_task_seals_and_queues_exactly_one_next_run(settings: Settings) -> None:
    settings.ONEGO_LEDGER_SEQUENCER_INTERVAL = 5
    record(2)
    assert schedule_sequencer() is True
    assert schedule_sequencer() is False  # one waiting run is enough
    queued = DBTaskResult.objects.get(task_path=sequence_ledger.module_path)
    queued.delete()
    result = sequence_ledger.call()
    assert result == "ledger sequenced: 2 entries sealed in 1 batches, tree size 2"
    [next_run] = DBTaskResult.objects.filter(task_path=sequence_ledger.module_path)
    assert next_run.status == "READY"
    assert next_run.run_after is not None


def test_entries_of_one_unit_are_sealed_together_in_the_order_recorded() -> None:
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC), tick=False), uow.unit_of_work():
        ids = [ledger_record(**AppendFactory(case_ref=f"C-{n}")).pk for n in range(5)]
    seal()
    assert list(LedgerEntry.objects.order_by("index").values_list("pk", flat=True)) == ids
