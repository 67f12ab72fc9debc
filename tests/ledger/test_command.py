from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onego.ledger import merkle
from onego.ledger.models import LedgerEntry, LedgerState, TreeHead

from .factories import make_log

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def test_verify_reports_ok_with_size_and_root() -> None:
    make_log(5)
    root = LedgerState.objects.get().root_hash
    assert run("verify").strip() == f"ledger ok: 5 entries, root {root}, 0 signed heads checked"


def test_verify_fails_with_a_one_line_reason_naming_the_entry() -> None:
    make_log(5)
    LedgerEntry.objects.filter(index=2).update(payload={"x": "y"})
    with pytest.raises(CommandError) as exc:
        run("verify")
    assert exc.value.returncode == 1
    assert str(exc.value).startswith("entry 2 altered")
    assert "\n" not in str(exc.value)


def test_head_prints_the_signed_head_a_department_keeps_and_verify_takes_it_back(tmp_path: Path) -> None:
    make_log(6)
    head = json.loads(run("head"))
    assert head["tree_size"] == 6
    assert head["algorithm"] == "Ed25519"
    assert json.loads(run("head")) == head  # unchanged tree: same head
    assert json.loads(run("head", "--new"))["tree_size"] == 6
    assert TreeHead.objects.count() == 2
    kept = tmp_path / "head.json"
    kept.write_text(json.dumps(head))
    assert run("verify", "--head-file", str(kept)).startswith("ledger ok: 6 entries")
    LedgerEntry.objects.filter(index__gte=4).delete()
    TreeHead.objects.all().delete()
    LedgerState.objects.update(size=4)
    with pytest.raises(CommandError, match=r"^log truncated: head has 6 entries, log has 4$"):
        run("verify", "--head-file", str(kept))


def test_verify_explains_an_unreadable_head_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read head file"):
        run("verify", "--head-file", str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"tree_size": 3}')
    with pytest.raises(CommandError, match="root_hash"):
        run("verify", "--head-file", str(bad))


def test_proof_prints_a_verifiable_inclusion_proof() -> None:
    make_log(9)
    data = json.loads(run("proof", "4"))
    assert data["tree_size"] == 9
    assert data["index"] == 4
    assert merkle.verify_inclusion(
        bytes.fromhex(data["leaf_hash"]),
        4,
        9,
        [bytes.fromhex(h) for h in data["proof"]],
        bytes.fromhex(data["root_hash"]),
    )
    assert json.loads(run("proof", "4", "--tree-size", "5"))["tree_size"] == 5
    with pytest.raises(CommandError, match="9"):
        run("proof", "9")


def test_consistency_prints_a_verifiable_proof() -> None:
    make_log(9)
    data = json.loads(run("consistency", "3", "9"))
    assert merkle.verify_consistency(
        3,
        9,
        bytes.fromhex(data["old_root"]),
        bytes.fromhex(data["new_root"]),
        [bytes.fromhex(h) for h in data["proof"]],
    )
