"""Writes to the ledger. Other apps record entries inside their own transaction, so the record of a
registry read or a decision commits or rolls back together with the thing it records.

An entry is written *pending*: its content, a time, an id and a signed promise (a signed entry
timestamp over the hash of all of them), with no index and no place in the tree. Writing it takes no
lock and reads nothing. The sequencer (`onego.ledger.sequencer`) numbers committed pending entries,
puts them into the Merkle tree and signs a head, in batches, within the maximum merge delay
(docs/ledger.md, docs/adr/0005-ledger-sequencer.md).
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from onego.core import clock, uow
from onego.core.errors import Conflict, ValidationFailed
from onego.ledger import merkle
from onego.ledger.canonical import LEAF_FORMAT_SEQUENCED, check_fields, normalise_payload, promise_message
from onego.ledger.models import LedgerEntry, LedgerState, TreeHead
from onego.ledger.signing import get_signer

_ids = threading.Lock()
_last_id = [0, 0]  # the millisecond and the counter of the last id this process made


def _entry_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562 §6.2 method 1: milliseconds, then a counter started at random): increasing
    within a process, so the entries of one transaction keep their order when sealed together."""
    with _ids:
        ms = time.time_ns() // 1_000_000
        last_ms, counter = _last_id
        if ms <= last_ms:
            ms, counter = last_ms, counter + 1
        else:
            counter = secrets.randbits(64)  # 2**74 - 2**64 increments left within one millisecond
        _last_id[:] = [ms, counter]
    rand_a, rand_b = (counter >> 62) & 0xFFF, counter & ((1 << 62) - 1)
    return uuid.UUID(int=(ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)


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
    """The pending entry with its signed promise. Bad input is refused before anything is written,
    leaving the caller's transaction usable."""
    check_fields(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref)
    _check_lengths(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref)
    entry = LedgerEntry(
        id=_entry_id(),
        kind=kind,
        actor=actor,
        subject_ref=subject_ref,
        case_ref=case_ref,
        payload=normalise_payload(payload),
        recorded_at=clock.now(),
        leaf_format=LEAF_FORMAT_SEQUENCED,
    )
    signer = get_signer()
    entry.entry_hash = entry.computed_entry_hash()
    entry.key_id = signer.key_id
    entry.signature = signer.sign(promise_message(entry.entry_hash)).hex()
    return entry


def ledger_record(
    *,
    kind: str,
    actor: str,
    subject_ref: str = "",
    case_ref: str = "",
    payload: Mapping[str, Any],
) -> LedgerEntry:
    """Record one entry, pending, in the caller's transaction, and return it with its signed promise
    (`id`, `recorded_at`, `entry_hash`, `signature`). No lock, no read: inside a unit of work
    (`onego.core.uow`) the row goes with the unit's other new rows at its end; elsewhere at once.
    The sequencer gives it its index within the maximum merge delay after the caller commits.

    This is the only way to write to the ledger: no caller seals in its own transaction, so no
    request waits for a global lock (docs/adr/0005-ledger-sequencer.md). A caller that hands the entry
    out (an API) gives its id and promise; `GET /ledger/entries/by-id/{id}` gives the index and
    the inclusion proof once it is sealed."""
    entry = _entry(kind=kind, actor=actor, subject_ref=subject_ref, case_ref=case_ref, payload=payload)
    uow.insert(entry)
    return entry


def _current_size_and_root() -> tuple[int, str]:
    state = LedgerState.objects.filter(slot=1).first()
    if state is not None:
        return state.size, state.root_hash
    if LedgerEntry.objects.filter(index__isnull=False).exists():
        raise Conflict("账本状态记录缺失而账本已有记录，请运行 `onego ledger verify` 检查")
    return 0, merkle.empty_root().hex()


def sign_head(size: int, root_hex: str) -> TreeHead:
    """Sign and store a head for the tree of `size` entries whose root is `root_hex`."""
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


@transaction.atomic
def ledger_sign_head() -> TreeHead:
    """Sign and store the head of the tree as it stands now (sealed entries only)."""
    # One row read gives a size and root that belong together; no lock needed.
    return sign_head(*_current_size_and_root())


def ledger_current_head() -> TreeHead:
    """The latest signed head, signing a new one first if the tree has grown since."""
    size, root_hex = _current_size_and_root()
    signer = get_signer()
    latest = TreeHead.objects.filter(key_id=signer.key_id).order_by("-tree_size", "-timestamp").first()
    if latest is not None and latest.tree_size == size and latest.root_hash == root_hex:
        return latest
    return ledger_sign_head()
