"""Writes to the ledger. Other apps call `ledger_append` inside their own transaction, so the record of
a registry read or a decision commits or rolls back together with the thing it records.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from onego.core import clock, fastsql, uow
from onego.core.errors import Conflict, ValidationFailed
from onego.ledger import merkle
from onego.ledger.canonical import check_fields, normalise_payload
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


@functools.cache
def _max_length(name: str) -> int | None:
    return getattr(LedgerEntry._meta.get_field(name), "max_length", None)


def _check_lengths(**values: str) -> None:
    for name, value in values.items():
        limit = _max_length(name)
        if limit is not None and len(value) > limit:
            raise ValidationFailed(f"账本记录的 {name} 超过 {limit} 个字符", field=name)


def _entry(
    *, kind: str, actor: str, subject_ref: str, case_ref: str, payload: Mapping[str, Any]
) -> LedgerEntry:
    """The entry to append, checked (its place in the tree is given when it is appended): bad input
    is refused before anything is written, leaving the caller's transaction usable."""
    check_fields(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref)
    _check_lengths(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref)
    return LedgerEntry(
        kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref, payload=normalise_payload(payload)
    )


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
    entry = _entry(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref, payload=payload)
    return _append_many([entry])[0]


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
    entry = _entry(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref, payload=payload)
    if not uow.defer("ledger", entry, _append_statements):
        _append_many([entry])


# No savepoint: an error past validation must abort the caller's transaction anyway (the change it
# records may not commit without its entry), so a savepoint would only cost two statements.
@transaction.atomic(savepoint=False)
def _append_many(entries: Sequence[LedgerEntry]) -> Sequence[LedgerEntry]:
    """Append validated entries in order, now."""
    fastsql.run_together(_append_statements(entries))
    return entries


def _append_statements(entries: Sequence[LedgerEntry]) -> list[fastsql.Statement]:
    """The locked state read, then the writes of appending `entries` (numbered, stamped and hashed
    here): the entries, the nodes they complete and the new state (one statement on PostgreSQL, see
    `fastsql.run_together`). The caller — `_append_many`, or a unit of work at its end
    (`uow.defer`) — runs them in the same transaction, before anything else reads the ledger."""
    state = _locked_state()
    frontier = state.as_frontier()
    nodes: list[LedgerNode] = []
    for entry in entries:
        entry.index = frontier.size
        entry.recorded_at = clock.now()
        leaf = merkle.leaf_hash(entry.canonical_bytes())
        entry.leaf_hash = leaf.hex()
        nodes.extend(
            LedgerNode(last_leaf=entry.index, level=level, hash=h.hex())
            for (level, _position), h in frontier.append(leaf)
        )
    state.size = frontier.size
    state.frontier = [h.hex() for h in frontier.hashes]
    state.root_hash = frontier.root().hex()
    statements = [fastsql.insert_statement(LedgerEntry, entries)]
    if nodes:
        statements.append(fastsql.insert_statement(LedgerNode, nodes))
    statements.append(fastsql.update_statement(state, ["size", "frontier", "root_hash", "updated_at"]))
    return statements


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
