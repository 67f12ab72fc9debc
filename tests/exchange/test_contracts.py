"""Sharing contracts: declarative, versioned, default deny, every change in the ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from onego.core.errors import NotFound, ValidationFailed
from onego.exchange.models import SharingContract
from onego.exchange.selectors import active_contracts, contract_history, visible_elements
from onego.exchange.services import ContractImportFailed, contract_revoke, contracts_import
from onego.ledger.models import LedgerEntry
from tests.exchange.factories import contract_doc, restaurant_contract, write_contracts

pytestmark = pytest.mark.django_db


def changes() -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(kind="contract.changed").order_by("index"))


def test_nothing_is_visible_without_a_contract(small_catalog: Path) -> None:
    assert visible_elements("package", "open-restaurant", ["person.name"]) == set()
    assert visible_elements("department_type", "market_regulation", ["person.name"]) == set()


def test_a_consumer_sees_only_what_its_contract_grants(small_catalog: Path) -> None:
    restaurant_contract()
    asked = ["person.name", "person.id_number", "person.phone"]
    assert visible_elements("package", "open-restaurant", asked) == {"person.name", "person.id_number"}
    assert visible_elements("department_type", "market_regulation", asked) == set()


def test_publishing_records_the_contract_in_the_ledger(small_catalog: Path) -> None:
    contract = restaurant_contract()
    assert (contract.version, contract.active, contract.label) == (1, True, "pkg.open-restaurant@v1")
    [entry] = changes()
    assert entry.actor == "admin:test"
    assert entry.payload["action"] == "published"
    assert entry.payload["code"] == "pkg.open-restaurant"
    assert entry.payload["version"] == 1
    assert entry.payload["elements"] == ["person.id_number", "person.name"]
    assert entry.payload["digest"] == contract.digest


def test_a_change_is_a_new_version_and_the_old_one_is_kept_inactive(small_catalog: Path) -> None:
    first = restaurant_contract()
    second = restaurant_contract(elements=["person.name"], note="收窄：不再读取身份证号码")
    first.refresh_from_db()
    assert (first.version, first.active, first.elements) == (1, False, ["person.id_number", "person.name"])
    assert (second.version, second.active, second.elements) == (2, True, ["person.name"])
    assert [c.label for c in contract_history("pkg.open-restaurant")] == [
        "pkg.open-restaurant@v2",
        "pkg.open-restaurant@v1",
    ]
    assert [e.payload["action"] for e in changes()] == ["published", "changed"]
    assert changes()[1].payload["previous_version"] == 1
    assert changes()[1].payload["note"] == "收窄：不再读取身份证号码"


def test_publishing_the_same_terms_again_changes_nothing(small_catalog: Path) -> None:
    first = restaurant_contract()
    again = restaurant_contract()
    assert again.pk == first.pk
    assert SharingContract.objects.count() == 1
    assert len(changes()) == 1


def test_revoking_denies_from_then_on_and_is_recorded(small_catalog: Path) -> None:
    restaurant_contract()
    revoked = contract_revoke(code="pkg.open-restaurant", revoked_by="admin:test", note="协议终止")
    assert revoked.active is False
    assert visible_elements("package", "open-restaurant", ["person.name"]) == set()
    assert changes()[-1].payload["action"] == "revoked"
    with pytest.raises(NotFound):
        contract_revoke(code="pkg.open-restaurant", revoked_by="admin:test")


def test_an_expired_contract_grants_nothing(small_catalog: Path) -> None:
    restaurant_contract(valid_until=dt.date(2026, 1, 31))
    with time_machine.travel(dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)):
        assert visible_elements("package", "open-restaurant", ["person.name"]) == {"person.name"}
    with time_machine.travel(dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)):
        assert visible_elements("package", "open-restaurant", ["person.name"]) == set()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"elements": ["person.nickname"]}, "elements", "未知的数据元“person.nickname”"),
        ({"licence_types": ["pilot_licence"]}, "licence_types", "未知的电子证照类型“pilot_licence”"),
        ({"consumer_code": "open-bakery"}, "consumer.code", "未知的使用方：一件事套餐“open-bakery”"),
        ({"materials": ["floor_plan"]}, "materials", "没有可核验它的数据源"),
        ({"purpose": " "}, "purpose", "请写明用途"),
    ],
)
def test_publish_refuses_what_the_catalog_does_not_know(
    small_catalog: Path, overrides: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        restaurant_contract(**overrides)
    assert exc.value.field == field
    assert words in exc.value.message
    assert not SharingContract.objects.exists()
    assert not changes()


def test_import_publishes_each_contract_and_reimport_is_idempotent(
    small_catalog: Path, tmp_path: Path
) -> None:
    path = write_contracts(
        tmp_path / "contracts.yaml",
        contract_doc(),
        contract_doc(
            code="dept.market_regulation",
            consumer={"kind": "department_type", "code": "market_regulation"},
            purpose="受理、审核本部门承办的事项",
            materials=[],
            licence_types=[],
            elements=["person.name", "enterprise.name", "premises.area"],
        ),
    )
    result = contracts_import(path=path, actor="admin:test")
    assert result.published == ["pkg.open-restaurant@v1", "dept.market_regulation@v1"]
    again = contracts_import(path=path, actor="admin:test")
    assert again.published == []
    assert again.unchanged == ["pkg.open-restaurant@v1", "dept.market_regulation@v1"]
    assert len(changes()) == 2


def test_import_is_all_or_nothing_with_precise_errors(small_catalog: Path, tmp_path: Path) -> None:
    path = write_contracts(
        tmp_path / "contracts.yaml",
        contract_doc(),
        contract_doc(code="pkg.bad", elements=["person.name", "person.shoe_size"]),
        contract_doc(
            code="pkg.worse", consumer={"kind": "item", "code": "no_such_item"}, licence_types=["x"]
        ),
    )
    with pytest.raises(ContractImportFailed) as exc:
        contracts_import(path=path, actor="admin:test")
    messages = [str(i) for i in exc.value.issues]
    assert any(
        m.startswith("contracts.yaml:") and "pkg.bad.elements" in m and "person.shoe_size" in m
        for m in messages
    )
    assert any("pkg.worse.consumer.code" in m and "no_such_item" in m for m in messages)
    assert any("pkg.worse.licence_types" in m and "“x”" in m for m in messages)
    assert not SharingContract.objects.exists()
    assert not changes()


def test_import_reports_syntax_and_field_errors_with_lines(small_catalog: Path, tmp_path: Path) -> None:
    path = tmp_path / "contracts.yaml"
    path.write_text(
        "contracts:\n"
        "  - code: pkg.x\n"
        "    consumer: {kind: shop, code: open-restaurant}\n"
        "    purpose: 办理\n"
        "    elements: [person.name]\n"
        "    valid_from: 2025-13-01\n"
        "    colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractImportFailed) as exc:
        contracts_import(path=path, actor="admin:test")
    messages = [str(i) for i in exc.value.issues]
    assert any(m.startswith("contracts.yaml:3: consumer.kind") for m in messages)
    assert any(m.startswith("contracts.yaml:6: valid_from") for m in messages)
    assert any(m.startswith("contracts.yaml:7: colour") and "未知字段" in m for m in messages)


def test_import_can_revoke(small_catalog: Path, tmp_path: Path) -> None:
    contracts_import(path=write_contracts(tmp_path / "a.yaml", contract_doc()), actor="admin:test")
    result = contracts_import(
        path=write_contracts(
            tmp_path / "a.yaml", {"code": "pkg.open-restaurant", "active": False, "note": "协议终止"}
        ),
        actor="admin:test",
    )
    assert result.revoked == ["pkg.open-restaurant@v1"]
    assert not active_contracts().exists()


def test_dry_run_writes_nothing(small_catalog: Path, tmp_path: Path) -> None:
    result = contracts_import(
        path=write_contracts(tmp_path / "a.yaml", contract_doc()), actor="x", dry_run=True
    )
    assert result.dry_run
    assert result.published == ["pkg.open-restaurant@v1"]
    assert not SharingContract.objects.exists()
    assert not changes()


def test_command_imports_and_lists(
    small_catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_contracts(tmp_path / "a.yaml", contract_doc())
    call_command("exchange", "contracts", "import", str(path), "--actor", "admin:cli-test")
    call_command("exchange", "contracts", "list")
    out = capsys.readouterr().out
    assert "+ pkg.open-restaurant@v1" in out
    assert "package:open-restaurant" in out
    assert changes()[0].actor == "admin:cli-test"


def test_command_reports_every_problem_and_fails(small_catalog: Path, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    path = write_contracts(tmp_path / "a.yaml", contract_doc(elements=["person.nope"]))
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("exchange", "contracts", "import", str(path))


def test_draft_derives_package_and_department_contracts(small_catalog: Path) -> None:
    from onego.exchange.contracts import draft_contracts

    drafted = {c["code"]: c for c in draft_contracts()["contracts"]}
    package = drafted["pkg.open-restaurant"]
    assert package["purpose"] == "办理「开办餐饮店」"
    assert package["elements"] == ["person.id_number", "person.name"]  # only registry-backed ones
    assert package["materials"] == ["resident_id_card"]
    assert package["licence_types"] == ["business_licence"]
    assert "person.phone" in drafted["dept.market_regulation"]["elements"]
