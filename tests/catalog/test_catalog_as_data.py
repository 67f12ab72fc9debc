"""Themes and form-group titles as catalog data; burden across every region; plain not-offered pages."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from onego.catalog import models as m
from onego.catalog.burden import burden_report
from onego.catalog.selectors import compile_for
from onego.catalog.services import CatalogImportFailed, catalog_import
from tests.builders import catalog, restaurant_package, write_folder

pytestmark = pytest.mark.django_db


def farm_catalog() -> dict[str, Any]:
    doc = catalog()
    doc["themes"] = [{"code": "person.agriculture", "name": "农业农村", "name_en": "Farming"}]
    doc["data_groups"] = [{"code": "farm", "name": "农场信息", "name_en": "Farm"}]
    doc["data_elements"].append({"code": "farm.area", "name": "耕地面积（亩）", "type": "number"})
    for it in doc["items"]:
        if it["code"] == "business_licence":
            it["fields"] = [*it.get("fields", []), "farm.area"]
    return doc


def farm_package(**overrides: Any) -> dict[str, Any]:
    pkg = restaurant_package(code="open-farm", name={"zh": "开办家庭农场", "en": "Open a family farm"})
    pkg["theme"] = "person.agriculture"
    pkg.update(overrides)
    return pkg


def test_a_declared_theme_is_used_by_a_package_and_shown_on_the_home_page(
    tmp_path: Path, client: Client
) -> None:
    catalog_import(path=write_folder(tmp_path, farm_catalog(), [farm_package()]))
    package = m.Package.objects.get(code="open-farm")
    assert package.get_theme_display() == "农业农村"
    page = client.get("/?region=520102").content.decode()
    assert "农业农村" in page
    assert "开办家庭农场" in page


def test_an_undeclared_theme_is_refused_naming_the_ones_available(tmp_path: Path) -> None:
    with pytest.raises(CatalogImportFailed) as err:
        catalog_import(path=write_folder(tmp_path, catalog(), [farm_package()]))
    [issue] = [str(i) for i in err.value.issues]
    assert issue.startswith("packages/open-farm.yaml:")
    assert "theme: 未知的主题“person.agriculture”；可用：person.birth" in issue
    assert "（或在 themes 中声明）" in issue


def test_a_theme_code_must_name_its_audience(tmp_path: Path) -> None:
    doc = farm_catalog()
    doc["themes"][0]["code"] = "agriculture"
    with pytest.raises(CatalogImportFailed) as err:
        catalog_import(path=write_folder(tmp_path, doc))
    assert any("应为 person.名称 或 enterprise.名称" in str(i) for i in err.value.issues)


def test_a_new_form_group_shows_its_declared_title_not_its_code(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path, farm_catalog()))
    compiled = compile_for(
        package_code="open-restaurant", region_code="520102", answers={"has_licence": False}
    )
    titles = {g.group: g.title for g in compiled.form}
    assert titles["farm"] == "农场信息"
    assert titles["person"] == "申请人信息"  # built-in titles stay


def test_a_group_without_a_title_is_imported_with_a_notice_saying_how_to_declare_it(tmp_path: Path) -> None:
    doc = farm_catalog()
    del doc["data_groups"]
    result = catalog_import(path=write_folder(tmp_path, doc))
    [notice] = [n for n in result.notices if "farm" in n]
    assert "表单分组“farm”没有标题" in notice
    assert "请在 data_groups 中声明，如 {code: farm, name: …信息}" in notice
    out = StringIO()
    call_command("catalog", "import", str(write_folder(tmp_path / "again", doc)), stdout=out)
    assert "注意：catalog.yaml:" in out.getvalue()


def test_burden_all_covers_a_package_offered_only_elsewhere_in_its_own_region(tmp_path: Path) -> None:
    yunnan = restaurant_package(code="yunnan-restaurant", name={"zh": "云南开办餐饮店"}, regions=["530000"])
    catalog_import(path=write_folder(tmp_path, catalog(), [restaurant_package(), yunnan]))
    report = burden_report()
    rows = {r["code"]: r for r in report["packages"]}
    assert rows["open-restaurant"]["region"] == "520100"  # the default region, where it is offered
    assert rows["yunnan-restaurant"]["region"] == "530000"
    assert report["left_out"] == []
    # restricted to one region, what is not offered there is named with the reason
    fixed = burden_report(region_code="520100")
    assert [r["code"] for r in fixed["packages"]] == ["open-restaurant"]
    [left] = fixed["left_out"]
    assert left["code"] == "yunnan-restaurant"
    assert left["reason"] == "未在贵阳市提供（提供地区：云南省（530000））"


def test_the_burden_command_reports_every_region_and_names_what_it_left_out(tmp_path: Path) -> None:
    yunnan = restaurant_package(code="yunnan-restaurant", name={"zh": "云南开办餐饮店"}, regions=["530000"])
    catalog_import(path=write_folder(tmp_path, catalog(), [restaurant_package(), yunnan]))
    out, err = StringIO(), StringIO()
    call_command("package", "burden", "--all", stdout=out, stderr=err)
    assert "| 云南开办餐饮店 | 云南省 |" in out.getvalue()
    out, err = StringIO(), StringIO()
    call_command("package", "burden", "--all", "--region", "520100", stdout=out, stderr=err)
    assert "未纳入：云南开办餐饮店（yunnan-restaurant）：未在贵阳市提供" in err.getvalue()
    assert "未纳入报告的套餐" in out.getvalue()


def test_a_package_page_for_a_region_where_it_is_not_offered_says_so_plainly(
    small_catalog: Path, client: Client
) -> None:
    page = client.get("/packages/open-restaurant/?region=530000").content.decode()
    assert "“开办餐饮店”尚未在云南省提供，不能在此地区办理。" in page
    assert '<a href="?region=520000">贵州省</a>' in page
    assert "开始办理" not in page
    offered = client.get("/packages/open-restaurant/?region=520102").content.decode()
    assert "尚未在" not in offered
    assert "开始办理" in offered
