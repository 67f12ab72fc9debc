from __future__ import annotations

import base64
import datetime as dt
import json
import logging

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from pytest_django import Settings

from onego.core.errors import Conflict, ValidationFailed
from onego.ledger import merkle, signing
from onego.ledger.canonical import promise_bytes, sequenced_leaf_bytes
from onego.ledger.checks import check_signing_key
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState, TreeHead, head_message
from onego.ledger.services import ledger_current_head, ledger_record, ledger_sign_head

from .factories import AppendFactory, append_entry, make_log

pytestmark = pytest.mark.django_db


def test_append_numbers_entries_contiguously_from_zero_and_keeps_the_root() -> None:
    entries = make_log(11)
    assert [e.index for e in entries] == list(range(11))
    state = LedgerState.objects.get()
    assert state.size == 11
    assert state.root_hash == merkle.root(bytes.fromhex(e.leaf_hash) for e in entries).hex()


def test_leaf_hash_covers_the_index_and_the_promised_canonical_bytes_of_every_field() -> None:
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=dt.UTC), tick=False):
        entry = append_entry(payload={"b": 1, "a": ["户籍", None, True]}, case_ref="C1")
    entry.refresh_from_db()
    promised = promise_bytes(
        kind="registry.read",
        actor=entry.actor,
        subject_ref=entry.subject_ref,
        case_ref="C1",
        payload={"a": ["户籍", None, True], "b": 1},
        recorded_at=entry.recorded_at,
    )
    assert b'"payload":{"a":["\xe6\x88\xb7\xe7\xb1\x8d",null,true],"b":1}' in promised
    assert b'"recorded_at":"2025-03-01T09:30:00.123456Z"' in promised
    assert json.loads(promised)["v"] == 2
    assert entry.entry_hash == merkle.digest(promised).hex()
    leaf = sequenced_leaf_bytes(index=0, entry_hash_hex=entry.entry_hash)
    assert json.loads(leaf) == {"v": 2, "index": 0, "entry_hash": entry.entry_hash}
    assert entry.leaf_hash == merkle.leaf_hash(leaf).hex() == entry.computed_leaf_hash()


def test_append_stores_every_completed_subtree() -> None:
    entries = make_log(8)
    nodes = {(n.level, n.position): n.hash for n in LedgerNode.objects.all()}
    assert sorted(nodes) == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (3, 0)]
    assert nodes[(3, 0)] == LedgerState.objects.get().root_hash
    assert nodes[(1, 2)] == merkle.node_hash(*(bytes.fromhex(e.leaf_hash) for e in entries[4:6])).hex()


def test_an_append_rolled_back_with_its_caller_leaves_no_gap() -> None:
    append_entry()

    def read_that_fails_after_recording() -> None:
        with transaction.atomic():
            append_entry()
            raise RuntimeError("the registry read failed after all")

    with pytest.raises(RuntimeError):
        read_that_fails_after_recording()
    assert append_entry().index == 1
    assert LedgerState.objects.get().size == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "read"}, "kind"),
        ({"actor": "  "}, "actor"),
        ({"subject_ref": "11010519491231002X"}, "subject_ref"),
        ({"payload": {"note": "applicant 11010519491231002X asked"}}, "payload"),
        ({"payload": {"fee": 12.5}}, "payload"),
        ({"payload": {"x": "a\x00b"}}, "x"),
        ({"payload": {1: "non-string key"}}, "payload"),
        ({"payload": {"when": dt.date(2025, 1, 1)}}, "payload"),
        ({"case_ref": "C" * 65}, "case_ref"),
    ],
)
def test_append_refuses_what_could_not_be_verified_later_or_must_never_be_kept(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        ledger_record(**AppendFactory(**overrides))
    assert field in (exc.value.field or "")
    assert not LedgerEntry.objects.exists()


def test_an_id_number_with_a_wrong_check_digit_is_not_mistaken_for_one() -> None:
    # Only numbers that pass the GB 11643 checksum are refused; long codes that merely look similar pass.
    entry = append_entry(payload={"licence": "110105194912310021"})
    assert entry.payload == {"licence": "110105194912310021"}


def test_append_refuses_to_start_a_new_tree_over_existing_entries() -> None:
    make_log(2)
    LedgerState.objects.all().delete()
    with pytest.raises(Conflict, match="verify"):
        append_entry()


def test_signed_head_covers_size_time_and_root_and_verifies() -> None:
    make_log(5)
    with time_machine.travel(dt.datetime(2025, 6, 1, 8, 0, 0, 987654, tzinfo=dt.UTC), tick=False):
        head = ledger_sign_head()
    head.refresh_from_db()
    assert head.tree_size == 5
    assert head.root_hash == LedgerState.objects.get().root_hash
    assert head.timestamp == dt.datetime(2025, 6, 1, 8, 0, 0, 987000, tzinfo=dt.UTC)
    assert head.signed_bytes() == f"OneGo-STH-v1|5|1748764800987|{head.root_hash}".encode()
    assert signing.verify_signature(head.key_id, head.signed_bytes(), bytes.fromhex(head.signature)) is True
    tampered = head_message(4, head.timestamp_ms, head.root_hash)
    assert signing.verify_signature(head.key_id, tampered, bytes.fromhex(head.signature)) is False


def test_head_of_an_empty_ledger_is_the_empty_root() -> None:
    head = ledger_sign_head()
    assert (head.tree_size, head.root_hash) == (0, merkle.empty_root().hex())


def test_current_head_is_reused_until_the_tree_grows() -> None:
    make_log(2)
    first = ledger_current_head()
    assert ledger_current_head().pk == first.pk
    append_entry()
    grown = ledger_current_head()
    assert grown.pk != first.pk
    assert grown.tree_size == 3
    assert TreeHead.objects.count() == 2


def test_heads_are_signed_with_the_configured_key(settings: Settings) -> None:
    # RFC 8032 §7.1 TEST 1 key pair.
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    settings.ONEGO_LEDGER_SIGNING_KEY = base64.b64encode(seed).decode()
    head = ledger_sign_head()
    signer = signing.get_signer()
    assert head.key_id == signer.key_id == signing.key_id_for(signer.public_key_bytes())
    assert (
        signer.public_key_bytes().hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )


def test_development_key_is_deterministic_and_announced_once(
    settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ONEGO_LEDGER_SIGNING_KEY = None
    monkeypatch.delenv(signing.SETTING, raising=False)
    monkeypatch.setattr(signing, "_warned_development_key", False)
    with caplog.at_level(logging.WARNING, logger="onego.ledger.signing"):
        a, b = signing.get_signer(), signing.get_signer()
    assert a.key_id == b.key_id
    assert len([r for r in caplog.records if "development key" in r.getMessage()]) == 1
    settings.SECRET_KEY = "another-secret"
    assert signing.get_signer().key_id != a.key_id


def test_production_without_a_key_fails_clearly(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.ONEGO_LEDGER_SIGNING_KEY = None
    monkeypatch.delenv(signing.SETTING, raising=False)
    monkeypatch.setattr(signing, "development_key_allowed", lambda: False)
    with pytest.raises(ImproperlyConfigured, match=signing.SETTING):
        signing.get_signer()
    assert [e.id for e in check_signing_key()] == ["ledger.E001"]
