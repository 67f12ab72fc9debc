"""Every way of tampering with stored rows is found, and the first bad entry is named."""

from __future__ import annotations

import pytest
from django.db.models import F

from onego.ledger import merkle
from onego.ledger.canonical import entry_bytes
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState, TreeHead
from onego.ledger.services import ledger_sign_head
from onego.ledger.verify import KeptHead, load_kept_heads, verify_ledger

from .factories import AppendFactory, append_entry, make_log

pytestmark = pytest.mark.django_db

CONTENT = ["kind", "actor", "subject_ref", "case_ref", "payload", "recorded_at"]


def _problem(**kwargs: object) -> tuple[str, int | None, str]:
    report = verify_ledger(**kwargs)  # type: ignore[arg-type]
    assert not report.ok
    assert report.problem is not None
    return report.problem.kind, report.problem.index, report.summary()


def _forge(index: int, **overrides: object) -> LedgerEntry:
    """A row written straight to the table, with a leaf hash that is correct for its own fields."""
    template = LedgerEntry.objects.get(index=0)
    fields = {**AppendFactory(**overrides), "recorded_at": template.recorded_at}
    data = entry_bytes(index=index, **fields)
    return LedgerEntry.objects.create(index=index, leaf_hash=merkle.leaf_hash(data).hex(), **fields)


def _shift(from_index: int, by: int) -> None:
    # Move rows one at a time, in the order that keeps the unique index satisfied.
    order = "-index" if by > 0 else "index"
    for pk in LedgerEntry.objects.filter(index__gte=from_index).order_by(order).values_list("pk", flat=True):
        LedgerEntry.objects.filter(pk=pk).update(index=F("index") + by)


def test_a_clean_log_verifies() -> None:
    make_log(13)
    ledger_sign_head()
    report = verify_ledger()
    assert report.ok
    assert (
        report.summary()
        == f"ledger ok: 13 entries, root {LedgerState.objects.get().root_hash}, 1 signed head checked"
    )


def test_an_empty_ledger_verifies() -> None:
    assert verify_ledger().summary().startswith("ledger ok: 0 entries, root " + merkle.empty_root().hex())


def test_a_payload_edited_in_place_is_named() -> None:
    make_log(10)
    LedgerEntry.objects.filter(index=6).update(payload={"registry": "hukou", "purpose": "anything"})
    kind, index, message = _problem()
    assert (kind, index) == ("altered", 6)
    assert message.startswith("entry 6 altered")


def test_each_field_is_covered_by_the_leaf_hash() -> None:
    make_log(4)
    entry = LedgerEntry.objects.get(index=2)
    for field, value in [
        ("kind", "licence.issued"),
        ("actor", "dept:other/user:x"),
        ("subject_ref", "bi:other"),
        ("case_ref", "C-other"),
        ("recorded_at", entry.recorded_at.replace(microsecond=1)),
    ]:
        LedgerEntry.objects.filter(index=2).update(**{field: value})
        assert _problem()[:2] == ("altered", 2), field
        LedgerEntry.objects.filter(index=2).update(**{field: getattr(entry, field)})
        assert verify_ledger().ok


def test_a_deleted_row_is_named_as_removed() -> None:
    make_log(10)
    LedgerEntry.objects.filter(index=4).delete()
    assert _problem() == ("removed", 4, "entry 4 removed")


def test_several_deleted_rows_are_named_from_the_first() -> None:
    make_log(10)
    LedgerEntry.objects.filter(index__in=[3, 4, 5]).delete()
    assert _problem()[2] == "entry 3 removed (entries 3–5 are missing)"


def test_a_row_deleted_with_the_rest_renumbered_down_is_named_as_removed() -> None:
    make_log(10)
    LedgerEntry.objects.filter(index=4).delete()
    _shift(5, -1)
    kind, index, message = _problem()
    assert (kind, index) == ("removed", 4)
    assert "shifted down" in message


@pytest.mark.parametrize("with_leaf_hash", [False, True], ids=["content-only", "whole-row"])
def test_two_swapped_rows_are_named_from_the_first(with_leaf_hash: bool) -> None:
    make_log(12)
    fields = [*CONTENT, "leaf_hash"] if with_leaf_hash else CONTENT
    a = LedgerEntry.objects.values(*fields).get(index=3)
    b = LedgerEntry.objects.values(*fields).get(index=9)
    LedgerEntry.objects.filter(index=3).update(**b)
    LedgerEntry.objects.filter(index=9).update(**a)
    assert _problem() == ("reordered", 3, "entry 3 reordered: swapped with entry 9")


def test_adjacent_rows_swapped_with_their_indexes_are_named_from_the_first() -> None:
    make_log(8)
    a, b = (LedgerEntry.objects.get(index=i).pk for i in (5, 6))
    LedgerEntry.objects.filter(pk=a).update(index=-1)
    LedgerEntry.objects.filter(pk=b).update(index=5)
    LedgerEntry.objects.filter(pk=a).update(index=6)
    assert _problem() == ("reordered", 5, "entry 5 reordered: swapped with entry 6")


def test_a_forged_row_appended_past_the_end_is_found() -> None:
    make_log(6)
    _forge(6)
    assert _problem() == ("inserted", 6, "entry inserted at 6: the ledger state records only 6 entries")


@pytest.mark.parametrize("at", [2, 3, 6], ids=["even", "odd", "last"])
def test_a_forged_row_slipped_in_by_shifting_the_rest_up_is_found(at: int) -> None:
    make_log(7)
    _shift(at, +1)
    _forge(at, actor="dept:forger/user:x")
    kind, index, message = _problem()
    assert (kind, index) == ("inserted", at)
    assert message.startswith(f"entry inserted at {at}")


def test_a_forged_row_with_a_wrong_leaf_hash_slipped_in_is_found() -> None:
    make_log(7)
    _shift(3, +1)
    forged = _forge(3)
    LedgerEntry.objects.filter(pk=forged.pk).update(leaf_hash="00" * 32)
    assert _problem()[:2] == ("inserted", 3)


def test_an_edit_with_a_recomputed_leaf_hash_but_the_old_promise_hash_is_named() -> None:
    make_log(8)
    LedgerEntry.objects.filter(index=5).update(actor="dept:other/user:y")
    entry = LedgerEntry.objects.get(index=5)
    LedgerEntry.objects.filter(index=5).update(leaf_hash=entry.computed_leaf_hash())
    assert _problem() == (
        "altered",
        5,
        "entry 5 altered: its stored promise hash no longer matches its content",
    )


def test_an_edit_with_a_recomputed_leaf_hash_is_caught_by_the_stored_tree_nodes() -> None:
    make_log(8)
    LedgerEntry.objects.filter(index=5).update(actor="dept:other/user:y")
    entry = LedgerEntry.objects.get(index=5)
    # The forger rewrites everything derived from the content on the row itself.
    LedgerEntry.objects.filter(index=5).update(
        leaf_hash=entry.computed_leaf_hash(), entry_hash=entry.computed_entry_hash()
    )
    kind, index, message = _problem()
    assert (kind, index) == ("node", 4)
    assert message.startswith("entries 4–5 altered")


def test_an_edit_that_also_rewrote_the_tree_nodes_is_caught_by_the_signed_head() -> None:
    make_log(8)
    ledger_sign_head()
    LedgerEntry.objects.filter(index=5).update(actor="dept:other/user:y")
    entries = list(LedgerEntry.objects.order_by("index"))
    frontier = merkle.Frontier()
    LedgerNode.objects.all().delete()
    for e in entries:
        e.leaf_hash = e.computed_leaf_hash()
        e.entry_hash = e.computed_entry_hash()
        e.save(update_fields=["leaf_hash", "entry_hash"])
        for (level, _), h in frontier.append(bytes.fromhex(e.leaf_hash)):
            LedgerNode.objects.create(last_leaf=e.index, level=level, hash=h.hex())
    LedgerState.objects.update(frontier=[h.hex() for h in frontier.hashes], root_hash=frontier.root().hex())
    kind, index, message = _problem()
    assert (kind, index) == ("head", 0)
    assert message.startswith("entries 0–7 altered: the log no longer matches the signed tree head")


def test_a_signed_head_whose_root_was_rewritten_fails_its_signature() -> None:
    make_log(4)
    head = ledger_sign_head()
    TreeHead.objects.filter(pk=head.pk).update(root_hash="ab" * 32)
    kind, _, message = _problem()
    assert kind == "signature"
    assert "signature does not verify" in message


def test_a_truncated_tail_is_found_from_the_state_row() -> None:
    make_log(10)
    LedgerEntry.objects.filter(index__gte=7).delete()
    assert _problem() == (
        "truncated",
        7,
        "log truncated: ledger state records 10 entries, log has 7 (entry 7 removed)",
    )


def _cut_tail_and_cover_tracks(keep: int) -> None:
    """What an insider with database access would do: drop the tail, then make everything agree."""
    LedgerEntry.objects.filter(index__gte=keep).delete()
    LedgerNode.objects.filter(last_leaf__gte=keep).delete()
    TreeHead.objects.filter(tree_size__gt=keep).delete()
    frontier = merkle.Frontier()
    for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True):
        frontier.append(bytes.fromhex(h))
    LedgerState.objects.update(
        size=keep, frontier=[h.hex() for h in frontier.hashes], root_hash=frontier.root().hex()
    )


def test_a_truncated_tail_is_found_against_a_head_the_department_kept() -> None:
    make_log(6)
    ledger_sign_head()
    make_log(4)
    kept = ledger_sign_head().as_dict()  # the department saves this JSON
    _cut_tail_and_cover_tracks(7)
    assert verify_ledger().ok  # the platform alone can no longer tell ...
    heads = load_kept_heads(__import__("json").dumps(kept))
    # ... but the department's copy of the head can.
    assert _problem(kept_heads=heads) == ("truncated", 7, "log truncated: head has 10 entries, log has 7")


def test_a_kept_head_also_catches_a_rewritten_history_of_the_same_length() -> None:
    make_log(6)
    kept = KeptHead.from_mapping(ledger_sign_head().as_dict())
    _cut_tail_and_cover_tracks(0)
    LedgerState.objects.all().delete()
    make_log(6)  # a whole new history
    kind, index, message = _problem(kept_heads=[kept])
    assert kind in ("signature", "head")
    assert "kept head at size 6" in message


def test_a_kept_head_with_a_forged_signature_is_refused() -> None:
    make_log(3)
    kept = ledger_sign_head().as_dict()
    kept["signature"] = "00" * 64
    kind, _, message = _problem(kept_heads=load_kept_heads(__import__("json").dumps([kept])))
    assert (kind, message) == ("signature", "kept head at size 3 altered: its signature does not verify")


def test_a_changed_state_row_is_found() -> None:
    make_log(5)
    LedgerState.objects.update(root_hash="00" * 32)
    assert _problem()[0] == "state"


def test_verify_streams_in_chunks() -> None:
    make_log(25)
    assert verify_ledger(chunk_size=4).ok
    LedgerEntry.objects.filter(index=21).update(case_ref="C-other")
    report = verify_ledger(chunk_size=4)
    assert report.problem is not None
    assert report.problem.index == 21


def test_later_appends_still_verify_after_a_head() -> None:
    make_log(3)
    ledger_sign_head()
    append_entry()
    ledger_sign_head()
    report = verify_ledger()
    assert report.ok
    assert report.heads_checked == 2
