"""Ledger API: signed tree heads and proofs, so a department can keep its own copy of the heads and check
the platform's log independently. Nothing here carries personal data: entries are described only by
index, kind, time and leaf hash.

Register with `api.add_router("/", ledger_router)`. Errors (NotFound → 404, ValidationFailed → 400) are
rendered by the API's OneGoError handler.
"""

from __future__ import annotations

import base64
import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from onego.ledger import merkle
from onego.ledger.models import TreeHead
from onego.ledger.selectors import (
    consistency_proof_between,
    entry_by_id,
    entry_by_index,
    inclusion_proof_for,
)
from onego.ledger.services import ledger_current_head
from onego.ledger.signing import get_signer

router = Router(tags=["ledger"])


class TreeHeadOut(Schema):
    tree_size: int
    root_hash: str
    timestamp: int  # milliseconds since the Unix epoch, as signed
    algorithm: str
    key_id: str
    signature: str
    hash_algorithm: str = "SM3"


class EntryMetaOut(Schema):
    index: int
    kind: str
    recorded_at: dt.datetime
    leaf_hash: str


class EntryStatusOut(Schema):
    id: str
    status: str  # pending | sealed
    kind: str
    recorded_at: dt.datetime
    entry_hash: str  # SM3 of the promised content (docs/ledger.md)
    key_id: str
    signature: str  # Ed25519 over "OneGo-SET-v1|<entry_hash>"
    index: int | None = None  # once sealed: GET /ledger/entries/{index}/proof proves it
    leaf_hash: str | None = None


class InclusionProofOut(Schema):
    entry: EntryMetaOut
    tree_size: int
    root_hash: str
    proof: list[str]


class ConsistencyProofOut(Schema):
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key: str  # base64 of the raw key
    public_key_hex: str
    hash_algorithm: str
    signed_message: str


def _head_out(head: TreeHead) -> TreeHeadOut:
    return TreeHeadOut(**head.as_dict())


@router.get("/ledger/head", response=TreeHeadOut, summary="Latest signed tree head")
def ledger_head(request: HttpRequest) -> TreeHeadOut:
    # Signs a fresh head when the tree has grown since the last one, so the answer is always current.
    return _head_out(ledger_current_head())


@router.get(
    "/ledger/entries/by-id/{entry_id}",
    response=EntryStatusOut,
    summary="An entry's signed promise, and its index once sealed",
)
def ledger_entry_status(request: HttpRequest, entry_id: str) -> EntryStatusOut:
    # Pending entries have no place in the tree yet: their proof is served once the sequencer seals
    # them (within the maximum merge delay).
    entry = entry_by_id(entry_id)
    sealed = entry.index is not None
    return EntryStatusOut(
        id=str(entry.id),
        status="sealed" if sealed else "pending",
        kind=entry.kind,
        recorded_at=entry.recorded_at,
        entry_hash=entry.entry_hash,
        key_id=entry.key_id,
        signature=entry.signature,
        index=entry.index,
        leaf_hash=entry.leaf_hash if sealed else None,
    )


@router.get(
    "/ledger/entries/{index}/proof",
    response=InclusionProofOut,
    summary="Inclusion proof for one entry",
)
def ledger_inclusion_proof(
    request: HttpRequest, index: int, tree_size: int | None = None
) -> InclusionProofOut:
    proof = inclusion_proof_for(index, tree_size)
    entry = entry_by_index(index)
    return InclusionProofOut(
        entry=EntryMetaOut(
            index=entry.sealed_index,
            kind=entry.kind,
            recorded_at=entry.recorded_at,
            leaf_hash=entry.leaf_hash,
        ),
        tree_size=proof.tree_size,
        root_hash=proof.root.hex(),
        proof=[h.hex() for h in proof.path],
    )


@router.get(
    "/ledger/consistency", response=ConsistencyProofOut, summary="Consistency proof between two tree sizes"
)
def ledger_consistency(request: HttpRequest, old: int, new: int | None = None) -> ConsistencyProofOut:
    proof = consistency_proof_between(old, new)
    return ConsistencyProofOut(
        old_size=proof.old_size,
        new_size=proof.new_size,
        old_root=proof.old_root.hex(),
        new_root=proof.new_root.hex(),
        proof=[h.hex() for h in proof.path],
    )


@router.get("/ledger/public-key", response=PublicKeyOut, summary="Key that signs tree heads")
def ledger_public_key(request: HttpRequest) -> PublicKeyOut:
    signer = get_signer()
    raw = signer.public_key_bytes()
    return PublicKeyOut(
        algorithm=signer.algorithm,
        key_id=signer.key_id,
        public_key=base64.b64encode(raw).decode("ascii"),
        public_key_hex=raw.hex(),
        hash_algorithm=merkle.HASH_NAME.upper(),
        signed_message="OneGo-STH-v1|<tree_size>|<timestamp ms>|<root_hash hex>",
    )
