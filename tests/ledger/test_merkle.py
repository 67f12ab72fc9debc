"""The Merkle tree against the RFC text: known vectors, a literal recursive reference, and properties."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onego.ledger import merkle

# --- A literal transcription of RFC 9162 §2.1 (recursive, slow, obviously right) ------------------


def ref_mth(d: Sequence[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return merkle.empty_root()
    if n == 1:
        return d[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return merkle.node_hash(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [merkle.leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[(bit // 8) % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


# --- Known answers ---------------------------------------------------------------------------------

# The Certificate Transparency test vectors (SHA-256), which pin down the tree shape and proof order;
# the same code then runs with SM3.
CT_DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.fixture
def sha256(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(merkle, "_PROTOTYPE", hashlib.sha256())


@pytest.mark.usefixtures("sha256")
def test_tree_shape_matches_rfc6962_vectors_when_hashing_with_sha256() -> None:
    hashes = [merkle.leaf_hash(bytes.fromhex(d)) for d in CT_DATA]
    for n in range(9):
        assert merkle.root(hashes[:n]).hex() == CT_ROOTS[n]
    assert [p.hex() for p in merkle.inclusion_proof(5, hashes)] == [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    assert [p.hex() for p in merkle.consistency_proof(6, hashes)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]


def test_hashes_are_sm3_with_rfc_domain_separation() -> None:
    assert merkle.empty_root() == hashlib.new("sm3", b"").digest()
    assert merkle.leaf_hash(b"abc") == hashlib.new("sm3", b"\x00abc").digest()
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.node_hash(a, b) == hashlib.new("sm3", b"\x01" + a + b).digest()
    assert merkle.root([]) == merkle.empty_root()
    assert merkle.root([a]) == a


# --- Against the reference --------------------------------------------------------------------------


def test_every_shape_up_to_70_leaves_matches_the_recursive_definition() -> None:
    d = leaves(70)
    for n in range(71):
        assert merkle.root(d[:n]) == ref_mth(d[:n])
        for m in range(n):
            assert merkle.inclusion_proof(m, d[:n]) == ref_path(m, d[:n])
        for m in range(1, n + 1):
            expected = [] if m == n else ref_subproof(m, d[:n], True)
            assert merkle.consistency_proof(m, d[:n]) == expected


def test_frontier_reports_each_completed_subtree_once_with_its_position() -> None:
    d = leaves(37)
    frontier = merkle.Frontier()
    nodes: dict[merkle.NodeRef, bytes] = {(0, i): h for i, h in enumerate(d)}
    for h in d:
        for (level, position), value in frontier.append(h):
            assert (level, position) not in nodes
            assert value == ref_mth(d[position << level : (position + 1) << level])
            nodes[(level, position)] = value
    assert frontier.root() == ref_mth(d)
    for n in range(1, 38):
        assert merkle.tree_root(n, lambda level, pos: nodes[(level, pos)]) == ref_mth(d[:n])


def test_frontier_refuses_a_hash_list_that_does_not_fit_its_size() -> None:
    with pytest.raises(ValueError, match="frontier"):
        merkle.Frontier(3, [merkle.empty_root()])


def test_root_over_a_million_leaves_is_linear_and_flat() -> None:
    # Fake 32-byte leaf hashes: the point is the tree over them, not hashing the leaves.
    n = 1_000_000
    d = [i.to_bytes(32, "big") for i in range(n)]
    # An independent iterative construction: pair up each level, carry an odd last node upwards.
    level = d
    while len(level) > 1:
        nxt = [merkle.node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    assert merkle.root(d) == level[0]


# --- Properties -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.binary(max_size=12), min_size=1, max_size=70))
def test_every_inclusion_proof_verifies(data: list[bytes]) -> None:
    d = [merkle.leaf_hash(x) for x in data]
    r = merkle.root(d)
    for i in range(len(d)):
        assert merkle.verify_inclusion(d[i], i, len(d), merkle.inclusion_proof(i, d), r)


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(1, 70),
    pick=st.integers(0, 10**6),
    bit=st.integers(0, 255),
    target=st.sampled_from(["leaf", "proof", "root"]),
)
def test_a_flipped_bit_breaks_an_inclusion_proof(size: int, pick: int, bit: int, target: str) -> None:
    d = leaves(size, b"flip")
    i = pick % size
    leaf, proof, r = d[i], merkle.inclusion_proof(i, d), merkle.root(d)
    if target == "leaf":
        leaf = flip(leaf, bit)
    elif target == "root":
        r = flip(r, bit)
    elif proof:
        j = pick % len(proof)
        proof[j] = flip(proof[j], bit)
    else:  # a one-leaf tree has no proof to tamper with; tamper with the leaf instead
        leaf = flip(leaf, bit)
    assert not merkle.verify_inclusion(leaf, i, size, proof, r)


def test_inclusion_fails_for_wrong_index_size_or_proof_length() -> None:
    d = leaves(13)
    r = merkle.root(d)
    proof = merkle.inclusion_proof(6, d)
    assert merkle.verify_inclusion(d[6], 6, 13, proof, r)
    assert not merkle.verify_inclusion(d[6], 7, 13, proof, r)
    # A size changes the outcome only where it changes the path's shape (here 6 becomes the last leaf):
    # the RFC binds the size to the root through the signed tree head, not through the proof.
    assert not merkle.verify_inclusion(d[6], 6, 7, proof, r)
    assert not merkle.verify_inclusion(d[6], 13, 13, proof, r)
    assert not merkle.verify_inclusion(d[6], 6, 13, proof[:-1], r)
    assert not merkle.verify_inclusion(d[6], 6, 13, [*proof, r], r)
    assert not merkle.verify_inclusion(d[6], 6, 13, [p[:31] for p in proof], r)
    with pytest.raises(ValueError, match="outside"):
        merkle.inclusion_proof(13, d)


def test_consistency_proofs_verify_for_every_pair_up_to_70() -> None:
    d = leaves(70, b"consistency")
    roots = [merkle.root(d[:n]) for n in range(71)]
    for n in range(1, 71):
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, d[:n])
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof), (m, n)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(2, 70),
    pick=st.integers(0, 10**6),
    bit=st.integers(0, 255),
    target=st.sampled_from(["old_root", "new_root", "proof", "shorter", "longer", "leaf"]),
)
def test_tampered_consistency_inputs_fail(n: int, pick: int, bit: int, target: str) -> None:
    d = leaves(n, b"tamper")
    m = 1 + pick % (n - 1)  # 0 < m < n: a real proof
    proof = merkle.consistency_proof(m, d)
    old_root, new_root = merkle.root(d[:m]), merkle.root(d)
    # Tree sizes are not tampered with here: like the RFC, the proof binds sizes only through the
    # shape of the path, and the signed tree head is what binds a size to its root.
    if target == "old_root":
        old_root = flip(old_root, bit)
    elif target == "new_root":
        new_root = flip(new_root, bit)
    elif target == "proof":
        j = pick % len(proof)
        proof[j] = flip(proof[j], bit)
    elif target == "shorter":
        proof = proof[:-1]
    elif target == "longer":
        proof = [*proof, new_root]
    else:  # the new tree differs in one leaf the old tree shares: a rewritten history
        changed = list(d)
        changed[pick % m] = flip(changed[pick % m], bit)
        new_root = merkle.root(changed)
    assert not merkle.verify_consistency(m, n, old_root, new_root, proof)


def test_consistency_edge_cases() -> None:
    d = leaves(8)
    r4, r8 = merkle.root(d[:4]), merkle.root(d)
    assert merkle.verify_consistency(4, 4, r4, r4, [])
    assert not merkle.verify_consistency(4, 4, r4, r8, [])
    assert not merkle.verify_consistency(4, 4, r4, r4, [r4])
    assert merkle.verify_consistency(0, 8, merkle.empty_root(), r8, [])
    assert not merkle.verify_consistency(0, 8, r4, r8, [])
    assert not merkle.verify_consistency(4, 8, r4, r8, [])
    assert not merkle.verify_consistency(8, 4, r8, r4, merkle.consistency_proof(4, d))
    with pytest.raises(ValueError, match="consistency"):
        merkle.consistency_ranges(5, 3)


def test_range_nodes_are_the_binary_digits_of_a_right_hand_range() -> None:
    assert merkle.range_nodes(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert merkle.range_nodes(8, 13) == [(2, 2), (0, 12)]
    assert merkle.range_nodes(4, 6) == [(1, 2)]
