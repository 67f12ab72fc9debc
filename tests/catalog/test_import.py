"""Import of catalog and package definitions: all or nothing, and every error precise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onego.catalog import models as m
from onego.catalog.services import CatalogImportFailed, catalog_import, catalog_import_text
from tests.builders import catalog, item, restaurant_package, variant, write_folder

pytestmark = pytest.mark.django_db


def _refused(folder: Path) -> list[str]:
    with pytest.raises(CatalogImportFailed) as info:
        catalog_import(path=folder)
    return [str(i) for i in info.value.issues]


def _nothing_stored() -> None:
    assert m.Package.objects.count() == 0
    assert m.ServiceItem.objects.count() == 0
    assert m.Region.objects.count() == 0


def test_valid_folder_is_imported_with_counts(tmp_path: Path) -> None:
    result = catalog_import(path=write_folder(tmp_path))
    assert result.counts["items"] == 4
    assert result.counts["packages"] == 1
    package = m.Package.objects.get(code="open-restaurant")
    assert package.name_en == "Open a restaurant"
    assert [pi.item.code for pi in package.package_items.all()][:2] == [
        "business_licence",
        "food_business_permit",
    ]
    assert m.Region.objects.get(code="520102").parent.code == "520100"
    assert m.Region.objects.get(code="520102").level == "county"


def test_unknown_item_code_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"].append({"item": "no_such_item"})
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert len(errors) == 1
    assert errors[0].startswith("packages/open-restaurant.yaml:")
    assert "items[4].item" in errors[0]
    assert "未知的事项代码“no_such_item”" in errors[0]
    _nothing_stored()


def test_prerequisite_cycle_is_spelled_out(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"][0]["after"] = ["fire_safety_inspection"]
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    cycle = [e for e in errors if "前置关系成环" in e]
    assert len(cycle) == 1
    assert "business_licence" in cycle[0]
    assert "fire_safety_inspection" in cycle[0]
    assert "→" in cycle[0]
    _nothing_stored()


def test_condition_naming_an_unknown_question_is_refused(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"][2]["when"] = "seats > 50"
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert any("items[2].when" in e and "seats" in e for e in errors)


def test_type_mismatch_in_condition_is_refused(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"][2]["when"] = 'floor_area > "大"'
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert any("items[2].when" in e for e in errors), errors


def test_condition_syntax_error_is_refused(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"][2]["when"] = "floor_area > "
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert any("items[2].when" in e and "floor_area >" in e for e in errors)


def test_duplicate_code_names_both_places(tmp_path: Path) -> None:
    doc = catalog()
    doc["items"].append(item("business_licence"))
    errors = _refused(write_folder(tmp_path, catalog_doc=doc))
    assert any("事项代码“business_licence”重复" in e and "catalog.yaml:" in e for e in errors)
    _nothing_stored()


def test_duplicate_package_code_across_files_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    (folder / "packages" / "copy.yaml").write_text(
        (folder / "packages" / "open-restaurant.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    errors = _refused(folder)
    assert any("套餐代码“open-restaurant”重复" in e for e in errors)


def test_unknown_field_is_reported_with_its_line(tmp_path: Path) -> None:
    pkg = restaurant_package(lead_departmnt="market_regulation")
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert any("lead_departmnt" in e and "未知字段" in e for e in errors)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    (folder / "packages" / "broken.yaml").write_text(
        "code: x\nname: [unclosed\nitems: []\n", encoding="utf-8"
    )
    errors = _refused(folder)
    assert any(e.startswith("packages/broken.yaml:") and "YAML 语法错误" in e for e in errors)


def test_consistency_rules_of_the_guide_are_checked(tmp_path: Path) -> None:
    doc = catalog()
    doc["items"][0].update(handling_type="immediate", promised_limit_days=1)
    doc["items"][1].update(visits=1)
    doc["items"][2].update(fee={"charged": True})
    doc["items"][3].update(instant_approval=True)
    errors = _refused(write_folder(tmp_path, catalog_doc=doc))
    joined = "\n".join(errors)
    assert "即办件的承诺办结时限应为 0" in joined
    assert "必须说明必须现场办理的原因" in joined
    assert "收费事项必须写明收费标准" in joined
    assert "可秒批的事项必须是即办件" in joined


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    doc = catalog()
    doc["departments"][0]["type"] = "nope"
    pkg = restaurant_package()
    pkg["items"].append({"item": "ghost"})
    errors = _refused(write_folder(tmp_path, catalog_doc=doc, packages=[pkg]))
    assert any("nope" in e for e in errors)
    assert any("ghost" in e for e in errors)


def test_a_failed_import_leaves_earlier_data_untouched(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path / "good"))
    pkg = restaurant_package(promised_days=3)
    pkg["items"].append({"item": "ghost"})
    _refused(write_folder(tmp_path / "bad", packages=[pkg]))
    assert m.Package.objects.get(code="open-restaurant").promised_days == 8


def test_dry_run_checks_without_storing(tmp_path: Path) -> None:
    result = catalog_import(path=write_folder(tmp_path), dry_run=True)
    assert result.dry_run
    assert result.counts["packages"] == 1
    _nothing_stored()


def test_reimport_with_changes_bumps_the_version(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path / "a"))
    catalog_import(path=write_folder(tmp_path / "a"))
    assert m.Package.objects.get(code="open-restaurant").version == 1
    catalog_import(path=write_folder(tmp_path / "b", packages=[restaurant_package(promised_days=6)]))
    package = m.Package.objects.get(code="open-restaurant")
    assert package.version == 2
    assert package.promised_days == 6
    assert package.package_items.count() == 4


def test_bound_item_with_condition_is_refused(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"][1]["when"] = "has_licence"
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert any("法定必办" in e for e in errors)


def test_prerequisite_outside_the_package_is_refused(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"][1]["after"] = ["name_reservation"]
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert any("前置事项“name_reservation”不在本套餐中" in e for e in errors)


def test_unquoted_region_code_with_leading_zero_loss_is_refused(tmp_path: Path) -> None:
    doc = catalog()
    doc["items"][0]["basic_code"] = 131024000
    errors = _refused(write_folder(tmp_path, catalog_doc=doc))
    assert any("basic_code" in e and "加引号" in e for e in errors)


def test_item_condition_must_be_asked_by_every_including_package(tmp_path: Path) -> None:
    doc = catalog()
    doc["items"][1]["materials"].append({"material": "lease_contract", "when": "rents_premises"})
    errors = _refused(write_folder(tmp_path, catalog_doc=doc))
    assert any("rents_premises" in e and "未提问" in e for e in errors)


def test_package_text_import_for_the_designer(small_catalog: Path) -> None:
    text = (
        "code: tiny\nname: 小套餐\ntheme: enterprise.opening\nregions: ['520000']\n"
        "lead_department: market_regulation\nitems:\n  - {item: business_licence}\n"
    )
    result = catalog_import_text(text=text, name="tiny.yaml")
    assert result.counts["packages"] == 1
    assert m.Package.objects.get(code="tiny").source == text


def test_scenario_answers_are_checked_against_the_questions(tmp_path: Path) -> None:
    pkg = restaurant_package(scenarios=[{"name": "x", "answers": {"floor_area": "很大"}}])
    errors = _refused(write_folder(tmp_path, packages=[pkg]))
    assert any("scenarios[0].answers.floor_area" in e for e in errors)


def test_region_whose_parent_is_missing_is_refused(tmp_path: Path) -> None:
    doc = variant(catalog())
    doc["regions"].append({"code": "520300", "name": "遵义市"})
    doc["regions"] = [r for r in doc["regions"] if r["code"] != "520000"]
    errors = _refused(write_folder(tmp_path, catalog_doc=doc))
    assert any("上级区划“520000”不存在" in e for e in errors)


def test_a_licence_type_must_say_who_holds_it(tmp_path: Path) -> None:
    # `holder` decides whose name an issued e-licence carries (the applicant or the enterprise of the form).
    doc = catalog()
    doc["licence_types"][0].pop("holder")
    doc["licence_types"][1]["holder"] = "applicant"
    errors = _refused(write_folder(tmp_path, doc))
    held = [e for e in errors if "holder" in e]
    assert len(held) == 2, errors
    assert any("licence_types[0].holder: 缺少必填字段" in e for e in held), held
    assert any(
        "licence_types[1].holder: “applicant”不是允许的取值；可选：person, enterprise" in e for e in held
    )
    _nothing_stored()


def _with_uscc(doc: dict) -> dict:
    doc["data_elements"].append({"code": "enterprise.uscc", "name": "统一社会信用代码", "type": "uscc"})
    return doc


def test_an_item_declares_the_data_elements_it_produces(tmp_path: Path) -> None:
    doc = _with_uscc(catalog())
    doc["items"][0]["produces"] = ["enterprise.uscc"]
    catalog_import(path=write_folder(tmp_path, doc))
    assert m.ServiceItem.objects.get(code="business_licence").produces == ["enterprise.uscc"]
    assert m.ServiceItem.objects.get(code="food_business_permit").produces == []


def test_an_unknown_produced_element_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    doc = catalog()
    doc["items"][0]["produces"] = ["person.name", "enterprise.no_such"]
    errors = _refused(write_folder(tmp_path, doc))
    assert len(errors) == 1
    assert errors[0].startswith("catalog.yaml:")
    assert "items[0].produces[1]: 未知的数据元代码“enterprise.no_such”" in errors[0]
    _nothing_stored()


def test_a_produced_element_listed_twice_is_refused(tmp_path: Path) -> None:
    doc = _with_uscc(catalog())
    doc["items"][0]["produces"] = ["enterprise.uscc", "enterprise.uscc"]
    errors = _refused(write_folder(tmp_path, doc))
    assert len(errors) == 1
    assert "items[0].produces[1]: 产生的数据元“enterprise.uscc”在本事项中重复" in errors[0]


def test_a_produced_element_must_be_written_as_a_code(tmp_path: Path) -> None:
    doc = catalog()
    doc["items"][0]["produces"] = [{"element": "person.name"}]
    errors = _refused(write_folder(tmp_path, doc))
    assert len(errors) == 1
    assert errors[0].startswith("catalog.yaml:")
    assert "items[0].produces[0]: 应为数据元代码文本" in errors[0]


# --- data elements: choices that mean the result is posted ------------------------------------------------


def _card_delivery(**extra: object) -> dict[str, Any]:
    doc = catalog()
    doc["data_elements"].append(
        {
            "code": "card.delivery",
            "name": "领卡方式",
            "type": "choice",
            "choices": ["邮寄到家", "网点领取"],
            **extra,
        }
    )
    return doc


def test_a_data_element_declares_the_choices_that_mean_posting(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path / "a", _card_delivery(post_choices=["邮寄到家"])))
    assert m.DataElement.objects.get(code="card.delivery").post_choices == ["邮寄到家"]
    assert m.DataElement.objects.get(code="bank.account_type").post_choices == []
    # One choice may be written without the list; a re-import without the key clears it.
    catalog_import(path=write_folder(tmp_path / "b", _card_delivery(post_choices="邮寄到家")))
    assert m.DataElement.objects.get(code="card.delivery").post_choices == ["邮寄到家"]
    catalog_import(path=write_folder(tmp_path / "c", _card_delivery()))
    assert m.DataElement.objects.get(code="card.delivery").post_choices == []


def test_a_posting_choice_that_is_not_a_choice_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    errors = _refused(write_folder(tmp_path, _card_delivery(post_choices=["邮寄上门"])))
    assert len(errors) == 1, errors
    assert errors[0].startswith("catalog.yaml:")
    assert (
        "data_elements[6].post_choices: 数据元“card.delivery”：“邮寄上门”不是本数据元的选项；可选：邮寄到家、网点领取"
        in errors[0]
    )
    line = int(errors[0].split(":")[1])
    text = (tmp_path / "catalog.yaml").read_text(encoding="utf-8").splitlines()
    assert "post_choices" in text[line - 1]
    _nothing_stored()


def test_posting_choices_belong_to_choice_elements_and_are_listed_once(tmp_path: Path) -> None:
    doc = _card_delivery(post_choices=["邮寄到家", "邮寄到家"])
    doc["data_elements"][4]["post_choices"] = ["邮寄"]  # premises.area: a number
    errors = _refused(write_folder(tmp_path, doc))
    assert len(errors) == 2, errors
    assert (
        "data_elements[4].post_choices: 数据元“premises.area”：只有选项类型（type: choice）的数据元"
        in errors[0]
    )
    assert "data_elements[6].post_choices: 数据元“card.delivery”：选项“邮寄到家”重复列出" in errors[1]
    _nothing_stored()
