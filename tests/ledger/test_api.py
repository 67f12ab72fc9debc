"""The ledger API is the contract with departments: heads and proofs they can check with their own code."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from ninja.testing import TestClient

from onego.api.urls import api
from onego.ledger import merkle
from onego.ledger.models import TreeHead
from onego.ledger.services import ledger_record

from .factories import AppendFactory, append_entry, make_log, seal

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> TestClient:
    # The real API under /api/v1/, with its OneGoError handler: this is the contract departments use.
    return TestClient(api)


def test_a_department_checks_the_head_signature_with_only_the_public_key(client: TestClient) -> None:
    make_log(4)
    key = client.get("/ledger/public-key").json()
    head = client.get("/ledger/head").json()
    assert head["tree_size"] == 4
    assert head["hash_algorithm"] == "SM3"
    assert head["key_id"] == key["key_id"]
    message = f"OneGo-STH-v1|{head['tree_size']}|{head['timestamp']}|{head['root_hash']}".encode()
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public.verify(bytes.fromhex(head["signature"]), message)  # raises if invalid


def test_head_is_signed_again_only_when_the_tree_grew(client: TestClient) -> None:
    make_log(2)
    first = client.get("/ledger/head").json()
    assert client.get("/ledger/head").json() == first
    append_entry()
    assert client.get("/ledger/head").json()["tree_size"] == 3
    assert TreeHead.objects.count() == 2


def test_inclusion_proof_carries_no_personal_data_and_verifies(client: TestClient) -> None:
    make_log(7)
    response = client.get("/ledger/entries/5/proof")
    assert response.status_code == 200
    data = response.json()
    assert set(data["entry"]) == {"index", "kind", "recorded_at", "leaf_hash"}
    proof = [bytes.fromhex(h) for h in data["proof"]]
    assert merkle.verify_inclusion(
        bytes.fromhex(data["entry"]["leaf_hash"]), 5, 7, proof, bytes.fromhex(data["root_hash"])
    )


def test_inclusion_proof_against_an_older_head(client: TestClient) -> None:
    make_log(3)
    old = client.get("/ledger/head").json()
    make_log(5)
    data = client.get(f"/ledger/entries/1/proof?tree_size={old['tree_size']}").json()
    assert data["root_hash"] == old["root_hash"]
    assert data["tree_size"] == 3


def test_consistency_between_two_heads_a_department_kept(client: TestClient) -> None:
    make_log(5)
    old = client.get("/ledger/head").json()
    make_log(6)
    new = client.get("/ledger/head").json()
    data = client.get(f"/ledger/consistency?old={old['tree_size']}&new={new['tree_size']}").json()
    assert (data["old_root"], data["new_root"]) == (old["root_hash"], new["root_hash"])
    assert merkle.verify_consistency(
        5,
        11,
        bytes.fromhex(old["root_hash"]),
        bytes.fromhex(new["root_hash"]),
        [bytes.fromhex(h) for h in data["proof"]],
    )


def test_bad_requests_get_clear_errors(client: TestClient) -> None:
    make_log(2)
    missing = client.get("/ledger/entries/2/proof")
    assert missing.status_code == 404
    assert missing.json()["detail"]["code"] == "not_found"
    too_big = client.get("/ledger/entries/0/proof?tree_size=9")
    assert too_big.status_code == 400
    assert too_big.json()["detail"]["field"] == "tree_size"
    assert client.get("/ledger/consistency?old=2&new=1").status_code == 400


def test_an_entry_is_pending_with_its_promise_then_sealed_with_an_index(client: TestClient) -> None:
    entry = ledger_record(**AppendFactory())
    pending = client.get(f"/ledger/entries/by-id/{entry.pk}").json()
    assert pending["status"] == "pending"
    assert pending["index"] is None
    assert pending["signature"] == entry.signature
    assert pending["entry_hash"] == entry.entry_hash
    seal()
    sealed = client.get(f"/ledger/entries/by-id/{entry.pk}").json()
    assert (sealed["status"], sealed["index"]) == ("sealed", 0)
    proof = client.get("/ledger/entries/0/proof").json()
    assert proof["entry"]["leaf_hash"] == sealed["leaf_hash"]
    assert client.get("/ledger/entries/by-id/nonsense").status_code == 400
    missing = client.get("/ledger/entries/by-id/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
