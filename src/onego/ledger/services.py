"""Writes to the ledger. Other apps call `ledger_append` inside their own transaction, so the record of
a registry read or a decision commits or rolls back together with the thing it records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from onego.core import clock, fastsql, uow
from onego.core.errors import Conflict, ValidationFailed
from onego.ledger import merkle
from onego.ledger.canonical import check_fields, entry_bytes, normalise_payload
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState, TreeHead
from onego.ledger.signing import get_signer


class _OrphanedEntries(Exception):
    pass


def _locked_state() -> LedgerState:
    """Lock the state row, creating it on the very first append.

    The row lock is what keeps indexes contiguous: it is held until the caller's transaction ends, so
    appenders queue here (on SQLite the IMMEDIATE transaction mode serialises writers already).
    """
    state = fastsql.locked(LedgerState, 1, by="slot")
    if state is not None:
        return state
    try:
        # A savepoint, because a concurrent first append may insert the row before us: then the
        # unique slot makes this insert fail (or wait for theirs to commit) and we lock theirs.
        with transaction.atomic():
            LedgerState.objects.create(slot=1, size=0, frontier=[], root_hash=merkle.empty_root().hex())
            if LedgerEntry.objects.exists():
                raise _OrphanedEntries
    except IntegrityError:
        pass
    except _OrphanedEntries:
        # Starting a fresh tree over existing entries would fork the log; make someone look instead.
        raise Conflict("账本状态记录缺失而账本已有记录，请运行 `onego ledger verify` 检查") from None
    return LedgerState.objects.select_for_update().get(slot=1)


def _check_lengths(**values: str) -> None:
    for name, value in values.items():
        field = LedgerEntry._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if limit is not None and len(value) > limit:
            raise ValidationFailed(f"账本记录的 {name} 超过 {limit} 个字符", field=name)


def _entry(
    *, kind: str, actor: str, subject_ref: str, case_ref: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The entry to append, checked: bad input is refused before anything is written, leaving the
    caller's transaction usable."""
    check_fields(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref)
    _check_lengths(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref)
    return {
        "kind": kind,
        "actor": actor,
        "subject_ref": subject_ref,
        "case_ref": case_ref,
        "stored_payload": normalise_payload(payload),
    }


def ledger_append(
    *,
    kind: str,
    actor: str,
    subject_ref: str = "",
    case_ref: str = "",
    payload: Mapping[str, Any],
) -> LedgerEntry:
    """Append one entry and return it. O(log n): only the state row and the nodes it completes are touched.

    Call it inside the transaction that makes the change being recorded, and keep that transaction
    short: the ledger lock is held until it commits. Bad input is refused before anything is
    written, leaving the caller's transaction usable.
    """
    item = _entry(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref, payload=payload)
    return _append_many([item])[0]


def ledger_record(
    *,
    kind: str,
    actor: str,
    subject_ref: str = "",
    case_ref: str = "",
    payload: Mapping[str, Any],
) -> None:
    """Like `ledger_append`, for callers that do not need the entry back: inside a unit of work
    (`onego.core.uow`) the entry is appended with the unit's other entries as its last write, so
    the ledger lock is held only from there to COMMIT. Bad input is still refused here and now."""
    item = _entry(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref, payload=payload)
    if not uow.defer("ledger", item, _append_statements):
        _append_many([item])


# No savepoint: an error past validation must abort the caller's transaction anyway (the change it
# records may not commit without its entry), so a savepoint would only cost two statements.
@transaction.atomic(savepoint=False)
def _append_many(items: Sequence[Mapping[str, Any]]) -> list[LedgerEntry]:
    """Append validated entries in order, now."""
    entries, statements = _prepare_append(items)
    fastsql.run_together(statements)
    return entries


def _append_statements(items: Sequence[Mapping[str, Any]]) -> Sequence[fastsql.Statement]:
    """For a unit of work (`uow.defer`): lock and read the tree now, append with the unit's writes."""
    return _prepare_append(items)[1]


def _prepare_append(items: Sequence[Mapping[str, Any]]) -> tuple[list[LedgerEntry], list[fastsql.Statement]]:
    """The locked state read, then the writes of appending `items`: the entries, the nodes they
    complete and the new state (one statement on PostgreSQL, see `fastsql.run_together`). The caller
    runs the writes in the same transaction, before anything else reads the ledger."""
    state = _locked_state()
    frontier = state.as_frontier()
    entries: list[LedgerEntry] = []
    nodes: list[LedgerNode] = []
    for item in items:
        index = frontier.size
        recorded_at = clock.now()
        leaf = merkle.leaf_hash(
            entry_bytes(
                index=index,
                kind=item["kind"],
                actor=item["actor"],
                subject_ref=item["subject_ref"],
                case_ref=item["case_ref"],
                payload=item["stored_payload"],
                recorded_at=recorded_at,
            )
        )
        completed = frontier.append(leaf)
        entries.append(
            LedgerEntry(
                index=index,
                kind=item["kind"],
                actor=item["actor"],
                subject_ref=item["subject_ref"],
                case_ref=item["case_ref"],
                payload=item["stored_payload"],
                recorded_at=recorded_at,
                leaf_hash=leaf.hex(),
            )
        )
        nodes.extend(
            LedgerNode(last_leaf=index, level=level, hash=h.hex()) for (level, _position), h in completed
        )
    state.size = frontier.size
    state.frontier = [h.hex() for h in frontier.hashes]
    state.root_hash = frontier.root().hex()
    statements = [fastsql.insert_statement(LedgerEntry, entries)]
    if nodes:
        statements.append(fastsql.insert_statement(LedgerNode, nodes))
    statements.append(fastsql.update_statement(state, ["size", "frontier", "root_hash", "updated_at"]))
    return entries, statements


def _current_size_and_root() -> tuple[int, str]:
    state = LedgerState.objects.filter(slot=1).first()
    if state is not None:
        return state.size, state.root_hash
    if LedgerEntry.objects.exists():
        raise Conflict("账本状态记录缺失而账本已有记录，请运行 `onego ledger verify` 检查")
    return 0, merkle.empty_root().hex()


@transaction.atomic
def ledger_sign_head() -> TreeHead:
    """Sign and store the head of the tree as it stands now."""
    # One row read gives a size and root that belong together; no lock needed.
    size, root_hex = _current_size_and_root()
    signer = get_signer()
    now = clock.now()
    # RFC 6962 timestamps are milliseconds; truncate so the stored value is exactly what was signed.
    timestamp = now.replace(microsecond=now.microsecond // 1000 * 1000)
    head = TreeHead(
        tree_size=size,
        root_hash=root_hex,
        timestamp=timestamp,
        algorithm=signer.algorithm,
        key_id=signer.key_id,
        signature="",
    )
    head.signature = signer.sign(head.signed_bytes()).hex()
    head.save()
    return head


def ledger_current_head() -> TreeHead:
    """The latest signed head, signing a new one first if the tree has grown since."""
    size, root_hex = _current_size_and_root()
    signer = get_signer()
    latest = TreeHead.objects.filter(key_id=signer.key_id).order_by("-tree_size", "-timestamp").first()
    if latest is not None and latest.tree_size == size and latest.root_hash == root_hex:
        return latest
    return ledger_sign_head()
