"""RFC 9162 §2.1 Merkle tree hashing with SM3 (GB/T 32905) in place of SHA-256.

Pure functions, no Django. Three layers:

* hashes: `leaf_hash`, `node_hash`, `empty_root`;
* shapes: which leaf ranges a proof is made of (`inclusion_ranges`, `consistency_ranges`) and which
  stored perfect subtrees a range is built from (`range_nodes`) — plain integer arithmetic, so the
  database layer can fetch exactly the hashes it needs in one query;
* list versions for a tree held in memory (`root`, `inclusion_proof`, `consistency_proof`) and the
  verifiers (`verify_inclusion`, `verify_consistency`) that a department can reimplement from the RFC.

A *node* (level, position) is the perfect subtree over leaves [position·2^level, (position+1)·2^level);
level 0 is a leaf. Every such node, once complete, never changes as the tree grows, which is what
makes caching them sound.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

HASH_NAME = "sm3"
HASH_SIZE = 32

# One prototype object, copied per hash: `copy()` skips the name lookup `hashlib.new` does on every
# call, which is most of the cost when a million leaves are hashed. Tests swap it for SHA-256 to check
# the tree shape against the published RFC 6962 vectors.
_PROTOTYPE = hashlib.new(HASH_NAME)

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

NodeRef = tuple[int, int]  # (level, position)
LeafRange = tuple[int, int]  # [start, end)


def empty_root() -> bytes:
    """MTH({}) = HASH() — the root of a tree with no leaves."""
    return _PROTOTYPE.copy().digest()


def digest(data: bytes) -> bytes:
    """HASH(data), unprefixed: the hash a promise covers (never a tree node: leaves and nodes are prefixed)."""
    h = _PROTOTYPE.copy()
    h.update(data)
    return h.digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = HASH(0x00 || d). The prefix keeps a leaf from ever passing for an interior node."""
    h = _PROTOTYPE.copy()
    h.update(_LEAF_PREFIX + data)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right)."""
    h = _PROTOTYPE.copy()
    h.update(_NODE_PREFIX + left + right)
    return h.digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n > 1): where RFC 9162 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_perfect(start: int, end: int) -> bool:
    n = end - start
    return n > 0 and n & (n - 1) == 0 and start % n == 0


# ---------------------------------------------------------------------------------------------------
# A growing tree in O(log n) space: the frontier (a.k.a. compact range [0, size)).


@dataclass
class Frontier:
    """The roots of the perfect subtrees that make up [0, size), largest first — one per set bit of size.

    Appending is amortised O(1) hashes (worst case log n) and the root is log n hashes, so the ledger
    can keep the current root without rereading its leaves, and `root()` over a million leaves runs in
    a loop with no recursion.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(
                f"a frontier of size {self.size} has {self.size.bit_count()} hashes, not {len(self.hashes)}"
            )

    def append(self, leaf: bytes) -> list[tuple[NodeRef, bytes]]:
        """Add a leaf hash; return the interior nodes (level ≥ 1) this append completed, lowest first."""
        index = self.size
        completed: list[tuple[NodeRef, bytes]] = []
        h = leaf
        level = 0
        # Each trailing 1-bit of the old size is a perfect subtree of the same height waiting for a
        # right sibling: merge with it and carry upwards, like binary addition.
        while (index >> level) & 1:
            h = node_hash(self.hashes.pop(), h)
            level += 1
            completed.append(((level, index >> level), h))
        self.hashes.append(h)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return empty_root()
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r


def root(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes, streamed: O(n) time, O(log n) memory."""
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


# ---------------------------------------------------------------------------------------------------
# Proof shapes (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF, unrolled into loops).


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """The leaf ranges whose subtree hashes form PATH(index, D[size]), in proof order (leaf upwards)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    outer: list[LeafRange] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            outer.append((start + k, end))
            end = start + k
        else:
            outer.append((start, start + k))
            start += k
    # The recursion appends the outermost sibling last, so the loop's first find goes last.
    outer.reverse()
    return outer


def consistency_ranges(old_size: int, new_size: int) -> list[LeafRange]:
    """The leaf ranges whose subtree hashes form PROOF(old_size, D[new_size]), in proof order."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    outer: list[LeafRange] = []
    start, end, m = 0, new_size, old_size  # m counts old leaves inside [start, end)
    whole_old_tree = True  # SUBPROOF's b: still on the path where D[0:m] is a complete old root
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            outer.append((start + k, end))
            end = start + k
        else:
            outer.append((start, start + k))
            start += k
            m -= k
            whole_old_tree = False
    outer.reverse()
    # When the old tree is one whole subtree of the new, the verifier already has its hash (the old
    # root); otherwise that subtree leads the proof.
    return outer if whole_old_tree else [(start, end), *outer]


def range_nodes(start: int, end: int) -> list[NodeRef]:
    """The perfect subtrees MTH(D[start:end]) is built from, left to right.

    For the ranges that occur in the tree (their start is a multiple of the split size) these are the
    binary digits of the range's length — at most log n of them.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative leaf range [{start}, {end})")
    nodes: list[NodeRef] = []
    stack = [(start, end)]
    while stack:
        a, b = stack.pop()
        if _is_perfect(a, b):
            level = (b - a).bit_length() - 1
            nodes.append((level, a >> level))
        else:
            k = _split(b - a)
            stack.append((a + k, b))  # pushed first, popped second: keeps left-to-right order
            stack.append((a, a + k))
    return nodes


def range_hash(start: int, end: int, node: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[start:end]) from perfect-subtree hashes supplied by `node(level, position)`."""
    if _is_perfect(start, end):
        level = (end - start).bit_length() - 1
        return node(level, start >> level)
    k = _split(end - start)
    # Depth is bounded by log2(end - start) ≤ 63, so this recursion cannot blow the stack.
    return node_hash(range_hash(start, start + k, node), range_hash(start + k, end, node))


def tree_root(size: int, node: Callable[[int, int], bytes]) -> bytes:
    """The root of the first `size` leaves from stored perfect subtrees (log n lookups)."""
    return empty_root() if size == 0 else range_hash(0, size, node)


# ---------------------------------------------------------------------------------------------------
# Proofs over leaf hashes held in memory.


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]). The ranges are disjoint, so the whole proof costs O(n) hashes."""
    return [root(leaf_hashes[a:b]) for a, b in inclusion_ranges(index, len(leaf_hashes))]


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(old_size, D[n]) between the first old_size leaves and all of them."""
    return [root(leaf_hashes[a:b]) for a, b in consistency_ranges(old_size, len(leaf_hashes))]


# ---------------------------------------------------------------------------------------------------
# Verifiers: RFC 9162 §2.1.3.2 and §2.1.4.2, step for step.


def _well_formed(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    if not 0 <= index < tree_size or not _well_formed(leaf, root_hash, *proof):
        return False
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if not 0 <= old_size <= new_size or not _well_formed(old_root, new_root, *proof):
        return False
    if old_size == 0:
        # Every tree extends the empty one; there is nothing to prove.
        return not proof and old_root == empty_root()
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
