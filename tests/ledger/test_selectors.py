from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onego.core.errors import NotFound, ValidationFailed
from onego.ledger import merkle
from onego.ledger.models import LedgerNode
from onego.ledger.selectors import (
    consistency_proof_between,
    entries_for_subject,
    entry_by_index,
    inclusion_proof_for,
    latest_head,
    ledger_size,
    tree_root_at,
)
from onego.ledger.services import ledger_sign_head

from .factories import append_entry, make_log

pytestmark = pytest.mark.django_db


def _leaves(n: int) -> list[bytes]:
    return [bytes.fromhex(entry_by_index(i).leaf_hash) for i in range(n)]


def test_proofs_from_stored_nodes_equal_proofs_over_all_leaves() -> None:
    make_log(21)
    leaves = _leaves(21)
    for size in range(1, 22):
        assert tree_root_at(size) == merkle.root(leaves[:size])
        for index in range(size):
            proof = inclusion_proof_for(index, size)
            assert proof.path == merkle.inclusion_proof(index, leaves[:size])
            assert proof.root == merkle.root(leaves[:size])
            assert proof.verify()
        for old in range(1, size + 1):
            c = consistency_proof_between(old, size)
            assert c.path == merkle.consistency_proof(old, leaves[:size])
            assert c.verify()


def test_a_proof_reads_a_handful_of_rows() -> None:
    make_log(40)
    with CaptureQueriesContext(connection) as queries:
        proof = inclusion_proof_for(17)
    assert proof.verify()
    assert proof.tree_size == 40
    assert len(queries) <= 5


def test_a_missing_cached_node_is_rebuilt_from_the_leaves() -> None:
    make_log(16)
    expected = inclusion_proof_for(3)
    LedgerNode.objects.filter(level=3).delete()
    assert inclusion_proof_for(3) == expected


def test_proof_defaults_to_the_current_tree_and_checks_its_bounds() -> None:
    make_log(5)
    assert inclusion_proof_for(4).tree_size == 5
    with pytest.raises(NotFound):
        inclusion_proof_for(5)
    with pytest.raises(NotFound):
        inclusion_proof_for(3, 3)
    with pytest.raises(ValidationFailed):
        inclusion_proof_for(0, 6)
    with pytest.raises(ValidationFailed):
        consistency_proof_between(4, 2)
    assert consistency_proof_between(0, 5).verify()


def test_who_read_my_data_lists_only_that_subjects_entries_in_order() -> None:
    mine = "bi:" + "a" * 64
    append_entry(subject_ref=mine, actor="dept:gy-gaj/user:li", payload={"purpose": "出生登记"})
    append_entry(subject_ref="bi:" + "b" * 64)
    append_entry(subject_ref=mine, kind="registry.denied", payload={"reason": "no consent"})
    append_entry(subject_ref=mine, kind="case.decision")
    reads = entries_for_subject(mine, kinds=["registry.read", "registry.denied"])
    assert [(e.index, e.kind, e.actor) for e in reads] == [
        (0, "registry.read", "dept:gy-gaj/user:li"),
        (2, "registry.denied", reads[1].actor),
    ]
    assert entries_for_subject(mine).count() == 3
    assert not entries_for_subject("").exists()


def test_latest_head_and_size() -> None:
    assert latest_head() is None
    assert ledger_size() == 0
    make_log(3)
    head = ledger_sign_head()
    assert latest_head() == head
    assert ledger_size() == 3
