"""Reads from the ledger: entries, heads and proofs.

Proofs are assembled from the stored perfect subtrees (`LedgerNode`), so a proof over a million
entries reads a few dozen rows; a node missing from that cache is rebuilt from leaf hashes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, QuerySet

from onego.core.errors import NotFound, ValidationFailed
from onego.ledger import merkle
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState, TreeHead


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes

    def verify(self) -> bool:
        return merkle.verify_inclusion(self.leaf_hash, self.index, self.tree_size, self.path, self.root)


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: list[bytes]

    def verify(self) -> bool:
        return merkle.verify_consistency(
            self.old_size, self.new_size, self.old_root, self.new_root, self.path
        )


def ledger_size() -> int:
    state = LedgerState.objects.filter(slot=1).only("size").first()
    return state.size if state is not None else 0


def entry_by_id(entry_id: str) -> LedgerEntry:
    """An entry by the id its promise names, sealed or still pending."""
    try:
        key = uuid.UUID(str(entry_id))
    except ValueError:
        raise ValidationFailed(f"“{entry_id}”不是有效的账本记录标识", field="entry_id") from None
    entry = LedgerEntry.objects.filter(pk=key).first()
    if entry is None:
        raise NotFound(f"账本中没有标识为 {entry_id} 的记录")
    return entry


def entry_by_index(index: int) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(index=index).first()
    if entry is None:
        raise NotFound(f"账本中没有序号为 {index} 的记录")
    return entry


def entries_for_subject(subject_ref: str, *, kinds: Iterable[str] | None = None) -> QuerySet[LedgerEntry]:
    """Everything recorded about one person or enterprise — "who read my data, when and why"."""
    if not subject_ref:
        return LedgerEntry.objects.none()
    entries = LedgerEntry.objects.filter(subject_ref=subject_ref)
    if kinds is not None:
        entries = entries.filter(kind__in=list(kinds))
    # Sealed entries in index order, then those still pending in the order they will be sealed.
    return entries.order_by(F("index").asc(nulls_last=True), "recorded_at", "id")


def latest_head() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size", "-timestamp").first()


def _resolve_tree_size(tree_size: int | None) -> int:
    size = ledger_size()
    if tree_size is None:
        return size
    if not 0 <= tree_size <= size:
        raise ValidationFailed(f"树的大小 {tree_size} 超出账本当前的 {size} 条记录", field="tree_size")
    return tree_size


def _fetch_nodes(refs: Iterable[merkle.NodeRef]) -> dict[merkle.NodeRef, bytes]:
    wanted = set(refs)
    found: dict[merkle.NodeRef, bytes] = {}
    leaves = [position for level, position in wanted if level == 0]
    if leaves:
        for index, h in LedgerEntry.objects.filter(index__in=leaves).values_list("index", "leaf_hash"):
            if index is not None:
                found[(0, index)] = bytes.fromhex(h)
    inner = {
        LedgerNode.last_leaf_of(level, position): (level, position) for level, position in wanted if level
    }
    if inner:
        rows = LedgerNode.objects.filter(last_leaf__in=list(inner)).values_list("last_leaf", "level", "hash")
        for last_leaf, level, h in rows:
            ref = (level, LedgerNode.position_of(level, last_leaf))
            if ref in wanted:
                found[ref] = bytes.fromhex(h)
    for ref in wanted - found.keys():
        found[ref] = _rebuild_node(*ref)
    return found


def _rebuild_node(level: int, position: int) -> bytes:
    start, end = position << level, (position + 1) << level
    hashes = list(
        LedgerEntry.objects.filter(index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("leaf_hash", flat=True)
    )
    if len(hashes) != end - start:
        raise NotFound(f"账本记录 {start}–{end - 1} 不完整，无法生成证明")
    return merkle.root(bytes.fromhex(h) for h in hashes)


def _root_and_ranges(tree_size: int, ranges: list[merkle.LeafRange]) -> tuple[bytes, list[bytes]]:
    refs = [ref for a, b in ranges for ref in merkle.range_nodes(a, b)]
    if tree_size:
        refs += merkle.range_nodes(0, tree_size)
    nodes = _fetch_nodes(refs)

    def node(level: int, position: int) -> bytes:
        return nodes[(level, position)]

    return merkle.tree_root(tree_size, node), [merkle.range_hash(a, b, node) for a, b in ranges]


def tree_root_at(tree_size: int) -> bytes:
    root, _ = _root_and_ranges(_resolve_tree_size(tree_size), [])
    return root


def inclusion_proof_for(index: int, tree_size: int | None = None) -> InclusionProof:
    """Proof that entry `index` is in the tree of `tree_size` entries (default: the current tree)."""
    size = _resolve_tree_size(tree_size)
    if not 0 <= index < size:
        raise NotFound(f"账本中序号为 {index} 的记录不在前 {size} 条记录之中")
    entry = entry_by_index(index)
    root, path = _root_and_ranges(size, merkle.inclusion_ranges(index, size))
    return InclusionProof(
        index=index, tree_size=size, leaf_hash=bytes.fromhex(entry.leaf_hash), path=path, root=root
    )


def consistency_proof_between(old_size: int, new_size: int | None = None) -> ConsistencyProof:
    """Proof that the tree of `new_size` entries (default: current) extends the tree of `old_size`."""
    new = _resolve_tree_size(new_size)
    if not 0 <= old_size <= new:
        raise ValidationFailed(f"无法证明从 {old_size} 条到 {new} 条记录的一致性", field="old")
    old_root = tree_root_at(old_size)
    new_root, path = _root_and_ranges(new, merkle.consistency_ranges(old_size, new))
    return ConsistencyProof(old_size=old_size, new_size=new, old_root=old_root, new_root=new_root, path=path)
