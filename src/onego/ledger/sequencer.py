"""The sequencer: numbers committed pending entries, puts them into the Merkle tree and signs a tree
head, a batch per transaction (docs/ledger.md, docs/adr/0005-ledger-sequencer.md).

Only the sequencer writes indexes, tree nodes and the state row, and only one runs at a time: on
PostgreSQL it holds a transaction-level advisory lock (`LOCK_KEY`); elsewhere (SQLite) the state row
is the lock row, and SQLite's `BEGIN IMMEDIATE` already makes every writing transaction exclusive.
A batch reads the pending entries other transactions have committed, in the order (recorded_at, id),
checks each one's promise, gives them the next indexes and writes the entries' index and leaf hash,
the tree nodes they complete, the new state and a signed head — then commits. Killed anywhere before
that COMMIT, the batch leaves nothing behind and the next run seals the same entries; after it, they
are no longer pending. So a run is idempotent and entries are sealed once, without gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from onego.core import clock
from onego.core.errors import Conflict
from onego.ledger import merkle
from onego.ledger.canonical import LEAF_FORMAT_SEQUENCED, promise_message
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState
from onego.ledger.services import sign_head
from onego.ledger.signing import Verifier, verifiers

# pg_advisory_xact_lock key of the sequencer: "OneGoLdg" read as a 64-bit integer.
LOCK_KEY = int.from_bytes(b"OneGoLdg", "big")


@dataclass(frozen=True)
class SequenceReport:
    sealed: int
    batches: int
    tree_size: int
    busy: bool = False  # another sequencer held the lock: nothing was done

    def summary(self) -> str:
        if self.busy:
            return "ledger sequencer: another sequencer is running; nothing done"
        return f"ledger sequenced: {self.sealed} entries sealed in {self.batches} batches, tree size {self.tree_size}"


def _lock() -> bool:
    """Take the sequencer lock for the current transaction (False: another sequencer has it)."""
    if connection.vendor != "postgresql":
        return True  # the state row, locked and written by every batch; SQLite serialises writers
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _locked_state() -> LedgerState:
    """Lock the state row, creating it on the very first batch."""
    state = LedgerState.objects.select_for_update().filter(slot=1).first()
    if state is not None:
        return state
    if LedgerEntry.objects.filter(index__isnull=False).exists():
        # Starting a fresh tree over sealed entries would fork the log; make someone look instead.
        raise Conflict("账本状态记录缺失而账本已有记录，请运行 `onego ledger verify` 检查")
    try:
        with transaction.atomic():
            LedgerState.objects.create(slot=1, size=0, frontier=[], root_hash=merkle.empty_root().hex())
    except IntegrityError:
        pass  # only without the advisory lock (a sequencer on another database vendor): theirs
    return LedgerState.objects.select_for_update().get(slot=1)


def check_promise(entry: LedgerEntry, keys: dict[str, Verifier]) -> str | None:
    """Why a pending entry must not be sealed (its content or its promise was tampered with), or None."""
    if entry.leaf_format != LEAF_FORMAT_SEQUENCED:
        return f"pending entry {entry.id} has leaf format {entry.leaf_format}, which is never pending"
    if entry.computed_entry_hash() != entry.entry_hash:
        return f"pending entry {entry.id} altered: its content no longer matches its signed promise"
    verifier = keys.get(entry.key_id)
    if verifier is None:
        return (
            f"pending entry {entry.id} is signed with unknown key {entry.key_id} "
            "(list retired keys in ONEGO_LEDGER_RETIRED_PUBLIC_KEYS)"
        )
    try:
        signature = bytes.fromhex(entry.signature)
    except ValueError:
        signature = b""
    if not verifier.verify(promise_message(entry.entry_hash), signature):
        return f"pending entry {entry.id} altered: its promise signature does not verify"
    return None


def _batch_written(entries: Sequence[LedgerEntry]) -> None:
    """Called after a batch's writes, before its COMMIT (fault-injection tests pause here)."""


def _seal_batch(limit: int, *, sign: bool) -> int:
    """Seal up to `limit` pending entries in the current transaction (the lock is held), and sign a
    head over the new tree when `sign`; how many were sealed."""
    state = _locked_state()
    pending = list(LedgerEntry.objects.filter(index__isnull=True).order_by("recorded_at", "id")[:limit])
    if not pending:
        return 0
    keys = verifiers()
    frontier = state.as_frontier()
    nodes: list[LedgerNode] = []
    now = clock.now()
    for entry in pending:
        problem = check_promise(entry, keys)
        if problem is not None:
            raise Conflict(f"账本待入树记录未通过检查，已停止入树：{problem}")
        entry.index = frontier.size
        leaf = merkle.leaf_hash(entry.leaf_bytes_at(entry.index))
        entry.leaf_hash = leaf.hex()
        entry.sealed_at = now
        nodes.extend(
            LedgerNode(last_leaf=entry.index, level=level, hash=h.hex())
            for (level, _position), h in frontier.append(leaf)
        )
    LedgerEntry.objects.bulk_update(pending, ["index", "leaf_hash", "sealed_at"], batch_size=500)
    LedgerNode.objects.bulk_create(nodes, batch_size=1000)
    state.size = frontier.size
    state.frontier = [h.hex() for h in frontier.hashes]
    state.root_hash = frontier.root().hex()
    state.save(update_fields=["size", "frontier", "root_hash", "updated_at"])
    if sign:
        sign_head(state.size, state.root_hash)
    _batch_written(pending)
    return len(pending)


def ledger_sequence(*, batch_size: int | None = None, max_batches: int | None = None) -> SequenceReport:
    """Seal what is pending and committed now, a batch of `batch_size` per transaction (default
    ONEGO_LEDGER_SEQUENCER_BATCH), until none is left. Idempotent. Returns at once (busy) when
    another sequencer holds the lock. Call it outside any transaction."""
    size = batch_size or int(settings.ONEGO_LEDGER_SEQUENCER_BATCH)
    if size < 1:
        raise ValueError("batch_size must be at least 1")
    sealed = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            if not _lock():
                return SequenceReport(sealed, batches, _size(), busy=True)
            count = _seal_batch(size, sign=True)
        if count == 0:
            break
        sealed += count
        batches += 1
        if count < size:
            break
    return SequenceReport(sealed, batches, _size())


def _size() -> int:
    return LedgerState.objects.filter(slot=1).values_list("size", flat=True).first() or 0
