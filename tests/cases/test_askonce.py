"""`onego package check`: every datum asked at most once along the application path (cases/askonce.py)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import onego.catalog
import onego.exchange
from onego.cases.askonce import ASKED_TWICE, NO_CONTRACT, UNBOUND, check_package
from onego.catalog.services import catalog_import
from onego.exchange.services import contracts_import
from tests.builders import catalog, restaurant_package, write_folder

pytestmark = pytest.mark.django_db

STARTER = Path(onego.catalog.__file__).parent / "starter"
CONTRACTS = Path(onego.exchange.__file__).parent / "starter" / "contracts.yaml"


def failing_catalog() -> dict[str, Any]:
    doc = catalog()
    doc["data_elements"] += [
        {"code": "mother.phone", "name": "母亲联系电话", "type": "phone"},
        {"code": "address.detail", "name": "邮寄详细地址"},
        {"code": "enterprise.trade_name", "name": "企业名称"},  # the same datum as enterprise.name
    ]
    by_code = {i["code"]: i for i in doc["items"]}
    by_code["food_business_permit"]["fields"] += ["mother.phone", "address.detail", "enterprise.trade_name"]
    return doc


@pytest.fixture
def failing(db: None, tmp_path: Path) -> None:
    # The restaurant as first written: has_licence and floor_area unbound, no sharing contract at all.
    catalog_import(path=write_folder(tmp_path / "bad", failing_catalog(), [restaurant_package()]))


def test_a_package_that_asks_twice_is_listed_finding_by_finding(failing: None) -> None:
    found = check_package(package_code="open-restaurant")
    kinds = {(f.kind, f.datum) for f in found}
    # The floor area is a question and a form field; the licence question has an e-licence to answer it.
    assert (ASKED_TWICE, "floor_area") in kinds
    assert (UNBOUND, "has_licence") in kinds
    # A parent's phone after the contact step; one datum under two codes.
    assert (ASKED_TWICE, "mother.phone") in kinds
    assert (ASKED_TWICE, "enterprise.name、enterprise.trade_name") in kinds
    # Prefilled from the population register, but no contract grants the package that read.
    assert (NO_CONTRACT, "person.name") in kinds
    assert (NO_CONTRACT, "person.id_number") in kinds
    # Delivered electronically (no posting choice in the form): the mailing address is not asked.
    assert not any(f.datum == "address.detail" for f in found)
    assert all(f.package == "open-restaurant" and f.scenario == "新开店、面积较大" for f in found)


def test_the_command_exits_non_zero_and_names_every_finding(failing: None) -> None:
    out = StringIO()
    with pytest.raises(CommandError) as err:
        call_command("package", "check", "open-restaurant", stdout=out)
    assert "项问题" in str(err.value)
    text = out.getvalue()
    assert "[重复询问]" in text
    assert "[问题未绑定数据]" in text
    assert "[无共享协议]" in text
    assert "经营场所建筑面积" in text


def test_the_command_speaks_json(failing: None) -> None:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("package", "check", "--all", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert {f["kind"] for f in data["open-restaurant"]} == {ASKED_TWICE, UNBOUND, NO_CONTRACT}


def test_binding_the_questions_and_a_contract_make_it_pass(db: None, tmp_path: Path) -> None:
    package = restaurant_package()
    package["questions"][0]["bind"] = "licence:business_licence"
    package["questions"][1]["bind"] = "premises.area"
    catalog_import(path=write_folder(tmp_path / "good", packages=[package]))
    contracts = tmp_path / "contracts.yaml"
    contracts.write_text(
        "contracts:\n"
        "  - {code: pkg.open-restaurant, consumer: {kind: package, code: open-restaurant}, purpose: 开办餐饮店,\n"
        "     elements: [person.name, person.id_number], licence_types: [business_licence],\n"
        '     valid_from: "2025-01-01"}\n',
        encoding="utf-8",
    )
    contracts_import(path=contracts, actor="admin:test")
    assert check_package(package_code="open-restaurant") == []
    out = StringIO()
    call_command("package", "check", "open-restaurant", stdout=out)
    assert "open-restaurant：通过" in out.getvalue()


def test_without_a_code_the_command_asks_for_one(failing: None) -> None:
    with pytest.raises(CommandError, match="--all"):
        call_command("package", "check")


def test_the_starter_catalog_passes(db: None) -> None:
    catalog_import(path=STARTER)
    contracts_import(path=CONTRACTS, actor="admin:starter")
    out = StringIO()
    call_command("package", "check", "--all", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 15
    assert all(line.endswith("：通过") for line in lines)


@pytest.mark.parametrize(
    ("when", "asked"),
    [
        ("case.delivery == 'post'", False),  # shown only when posted: not asked of electronic delivery
        ("case.delivery != 'post'", True),  # a condition that holds anyway: the address is asked
    ],
)
def test_a_mailing_field_with_its_own_condition_is_judged_by_it(
    db: None, tmp_path: Path, when: str, asked: bool
) -> None:
    doc = catalog()
    doc["data_elements"].append({"code": "address.detail", "name": "邮寄详细地址"})
    permit = next(i for i in doc["items"] if i["code"] == "food_business_permit")
    permit["fields"] = [*permit["fields"], {"element": "address.detail", "when": when}]
    catalog_import(path=write_folder(tmp_path / "cond", doc, [restaurant_package()]))
    found = check_package(package_code="open-restaurant")
    assert any(f.kind == ASKED_TWICE and f.datum == "address.detail" for f in found) is asked
