"""Contracts follow packages: what a package needs and has, drafts of exactly what it lacks, warnings."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from onego.catalog import models as cm
from onego.catalog.selectors import compile_for
from onego.catalog.services import catalog_import
from onego.exchange.contracts import coverage_warnings, missing_contracts, package_needs
from onego.exchange.selectors import active_terms
from onego.exchange.services import contracts_import
from tests.builders import write_folder
from tests.exchange.factories import contract_doc, restaurant_contract, write_contracts

DAY = dt.date(2026, 12, 7)
ANSWERS = {"has_licence": False, "floor_area": 500}


def needs_by_status(
    code: str = "open-restaurant",
) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    needs = package_needs(cm.Package.objects.get(code=code), terms=active_terms(), day=DAY)
    have = {(n.consumer_code, n.what, n.code) for n in needs if n.has}
    lack = {(n.consumer_code, n.what, n.code) for n in needs if not n.has}
    return have, lack


def test_without_contracts_every_need_is_missing_per_department(small_catalog: Path) -> None:
    have, lack = needs_by_status()
    assert have == set()
    # the package: registry-backed elements to prefill, the verified material and e-licence to exempt
    assert ("open-restaurant", "element", "person.id_number") in lack
    assert ("open-restaurant", "material", "resident_id_card") in lack
    assert ("open-restaurant", "licence_type", "business_licence") in lack
    assert ("open-restaurant", "element", "person.phone") not in lack  # no registry holds it
    # each department: the elements of its items' forms, which its officers see when deciding
    assert ("market_regulation", "element", "person.phone") in lack
    assert ("fire_rescue", "element", "premises.area") in lack


def test_a_contract_in_force_counts_as_had(small_catalog: Path) -> None:
    restaurant_contract()
    have, lack = needs_by_status()
    assert ("open-restaurant", "element", "person.id_number") in have
    assert ("open-restaurant", "material", "resident_id_card") in have
    assert not any(c == "open-restaurant" for c, _, _ in lack)


def test_the_drafts_cover_exactly_what_is_missing_and_import_as_they_are(
    small_catalog: Path, tmp_path: Path
) -> None:
    restaurant_contract(elements=["person.name"])  # the package lacks person.id_number only
    package = cm.Package.objects.get(code="open-restaurant")
    missing, drafts = missing_contracts(package, terms=active_terms(), day=DAY)
    by_code = {c["code"]: c for c in drafts["contracts"]}
    # the existing package contract gets a new version: its terms plus the one missing element
    assert by_code["pkg.open-restaurant"]["elements"] == ["person.id_number", "person.name"]
    assert by_code["pkg.open-restaurant"]["valid_from"] == "2025-01-01"
    assert "dept.market_regulation" in by_code
    assert {n.code for n in missing if n.consumer_kind == "package"} == {"person.id_number"}
    path = tmp_path / "drafts.yaml"
    path.write_text(yaml.safe_dump(drafts, allow_unicode=True), encoding="utf-8")
    result = contracts_import(path=path, actor="admin:test")
    assert "pkg.open-restaurant@v2" in result.published
    _, lack = needs_by_status()
    assert lack == set()
    # and nothing more to draft
    assert missing_contracts(package, terms=active_terms(), day=DAY)[1] == {"contracts": []}


def test_the_command_prints_needs_and_has_and_its_output_imports(small_catalog: Path, tmp_path: Path) -> None:
    restaurant_contract()
    out = tmp_path / "contracts.yaml"
    call_command("package", "contracts", "open-restaurant", "-o", str(out), stdout=StringIO())
    text = out.read_text(encoding="utf-8")
    assert "# 一件事“open-restaurant”：需要" in text
    assert "已有 pkg.open-restaurant@v1" in text
    assert "缺少" in text
    call_command("exchange", "contracts", "import", str(out), stdout=StringIO())
    printed = StringIO()
    call_command("package", "contracts", "open-restaurant", stdout=printed)
    assert "所有授权均已有共享协议覆盖，无需起草" in printed.getvalue()


def test_explain_warns_per_datum_when_a_promise_has_no_contract(small_catalog: Path) -> None:
    compiled = compile_for(package_code="open-restaurant", region_code="520102", answers=ANSWERS)
    warnings = coverage_warnings(compiled, day=DAY)
    joined = "\n".join(warnings)
    assert "承诺“自动获取”的数据元“person.id_number”" in joined
    assert "承诺“免提交”的材料“resident_id_card”" in joined
    assert "没有共享协议允许一件事“open-restaurant”读取" in joined
    assert "部门类型“market_regulation”的审核人员看不到" in joined
    restaurant_contract()
    after = "\n".join(coverage_warnings(compiled, day=DAY))
    assert "person.id_number" not in after.split("部门类型")[0]
    printed = StringIO()
    call_command(
        "package",
        "explain",
        "open-restaurant",
        "--region",
        "520102",
        "--answer",
        "has_licence=否",
        stdout=printed,
    )
    assert "注意：部门类型“market_regulation”的审核人员看不到" in printed.getvalue()
    assert "onego package contracts open-restaurant" in printed.getvalue()


def test_a_package_folder_may_carry_its_contracts(db: None, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "pkg")
    write_contracts(folder / "contracts.yaml", contract_doc())
    result = catalog_import(path=folder)  # the catalog import does not fail on them …
    assert result.counts["packages"] == 1
    [notice] = result.notices  # … and says exactly where they go
    assert notice.startswith("contracts.yaml:1: contracts: 共享协议（1 份）不随目录导入，未写入")
    assert f"onego exchange contracts import {folder / 'contracts.yaml'}" in notice
    # the contracts import reads the same folder, skipping the catalog and package files
    imported = contracts_import(path=folder, actor="admin:test")
    assert imported.published == ["pkg.open-restaurant@v1"]


def test_a_folder_without_contracts_is_said_so(small_catalog: Path) -> None:
    from onego.exchange.services import ContractImportFailed

    with pytest.raises(ContractImportFailed) as err:
        contracts_import(path=small_catalog, actor="admin:test")
    assert "文件夹中没有共享协议" in str(err.value.issues[0])
