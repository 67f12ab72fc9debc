"""Compiling a definition without storing it (the package designer's preview)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from onego.catalog import models as m
from onego.catalog.definitions.xlsx import write_items_workbook
from onego.catalog.preview import packages_in_text, preview_definition
from tests.builders import catalog, restaurant_package

pytestmark = pytest.mark.django_db


def restaurant_yaml(**overrides: object) -> str:
    return yaml.safe_dump(restaurant_package(**overrides), allow_unicode=True, sort_keys=False)


def snapshot() -> tuple:
    p = m.Package.objects.get(code="open-restaurant")
    return (
        m.Package.objects.count(),
        p.version,
        p.name,
        list(p.package_items.values_list("item__code", flat=True)),
        m.ServiceItem.objects.count(),
    )


def test_preview_compiles_the_main_scenario_by_default(small_catalog: Path) -> None:
    preview = preview_definition(text=restaurant_yaml())
    assert preview.imported
    assert preview.compiled is not None
    assert preview.package_code == "open-restaurant"
    assert preview.region_code == "520100"  # the default region, where the package is offered
    assert preview.answers == {"has_licence": False, "floor_area": 500}
    assert [e.code for e in preview.compiled.items] == [
        "business_licence",
        "food_business_permit",
        "fire_safety_inspection",
    ]
    assert [q.ident for q in preview.questions] == ["has_licence", "floor_area"]


def test_preview_uses_the_given_answers_and_region(small_catalog: Path) -> None:
    preview = preview_definition(
        text=restaurant_yaml(), region_code="520102", answers={"has_licence": "true", "floor_area": "80"}
    )
    assert preview.compiled is not None
    assert [e.code for e in preview.compiled.items] == ["food_business_permit"]
    assert preview.compiled.entries[0].department == "南明区市场监督管理局"


def test_preview_of_an_edit_shows_the_edit_and_stores_nothing(small_catalog: Path) -> None:
    before = snapshot()
    edited = restaurant_package(name={"zh": "开办小餐馆", "en": "Open a small restaurant"})
    edited["items"] = [i for i in edited["items"] if i["item"] != "fire_safety_inspection"]
    preview = preview_definition(text=yaml.safe_dump(edited, allow_unicode=True))
    assert preview.package_name == "开办小餐馆"
    assert preview.compiled is not None
    assert "fire_safety_inspection" not in [e.code for e in preview.compiled.items]
    assert snapshot() == before


def test_a_new_package_is_previewed_and_not_created(small_catalog: Path) -> None:
    preview = preview_definition(text=restaurant_yaml(code="open-cafe"))
    assert preview.compiled is not None
    assert preview.package_code == "open-cafe"
    assert not m.Package.objects.filter(code="open-cafe").exists()


def test_broken_definition_lists_precise_issues(small_catalog: Path) -> None:
    text = restaurant_yaml().replace("item: food_business_permit", "item: food_permit")
    preview = preview_definition(text=text, name="open-restaurant.yaml")
    assert not preview.imported
    assert preview.compiled is None
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "food_permit" in t)
    assert [str(i) for i in preview.issues] == [
        f"open-restaurant.yaml:{line}: items[1].item: 未知的事项代码“food_permit”"
    ]


def test_yaml_syntax_error_names_the_line(small_catalog: Path) -> None:
    preview = preview_definition(text="code: x\nname: [\n", name="x.yaml")
    assert len(preview.issues) == 1
    assert preview.issues[0].file == "x.yaml"
    assert "YAML 语法错误" in preview.issues[0].message


def test_a_bad_answer_is_a_compile_error_on_its_field(small_catalog: Path) -> None:
    preview = preview_definition(text=restaurant_yaml(), answers={"floor_area": "很大"})
    assert preview.imported
    assert preview.compiled is None
    assert preview.error_field == "floor_area"
    assert [q.ident for q in preview.questions] == ["has_licence", "floor_area"]  # still shown to correct


def test_answers_to_questions_no_longer_asked_are_ignored(small_catalog: Path) -> None:
    preview = preview_definition(text=restaurant_yaml(), answers={"gone": "1", "floor_area": "80"})
    assert preview.compiled is not None


def test_a_region_where_the_package_is_not_offered(small_catalog: Path) -> None:
    preview = preview_definition(text=restaurant_yaml(), region_code="530000")
    assert preview.compiled is None
    assert preview.error_field == "region"
    assert "尚未在云南省提供" in preview.error


def test_catalog_file_previews_the_chosen_package(small_catalog: Path) -> None:
    text = yaml.safe_dump(
        {"items": [{**_item_doc("food_business_permit"), "promised_limit_days": 2}]}, allow_unicode=True
    )
    preview = preview_definition(text=text, package_code="open-restaurant", name="items.yaml")
    assert preview.compiled is not None
    days = {e.code: e.days for e in preview.compiled.items}
    assert days["food_business_permit"] == 2
    assert m.ServiceItem.objects.get(code="food_business_permit").promised_limit_days == 5


def test_an_uploaded_items_workbook_is_previewed(small_catalog: Path, tmp_path: Path) -> None:
    data = write_items_workbook(tmp_path / "items.xlsx").read_bytes()
    preview = preview_definition(upload=data, name="items.xlsx", package_code="open-restaurant")
    assert preview.imported
    assert preview.compiled is not None
    assert preview.counts["items"] == 4


def test_packages_in_text() -> None:
    assert packages_in_text(restaurant_yaml()) == ["open-restaurant"]
    assert packages_in_text("items: []\n") == []
    assert packages_in_text("code: [") == []


def _item_doc(code: str) -> dict:
    return next(i for i in catalog()["items"] if i["code"] == code)


def test_the_designer_warns_per_datum_when_a_promise_has_no_contract(small_catalog: Path) -> None:
    from tests.exchange.factories import restaurant_contract

    preview = preview_definition(text=restaurant_yaml())
    joined = "\n".join(preview.contract_warnings)
    assert "承诺“自动获取”的数据元“person.id_number”" in joined
    assert "承诺“免提交”的材料“resident_id_card”" in joined
    restaurant_contract()
    covered = "\n".join(preview_definition(text=restaurant_yaml()).contract_warnings)
    assert "承诺“自动获取”" not in covered
    assert "承诺“免提交”" not in covered
