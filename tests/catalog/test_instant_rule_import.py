"""秒批 rules in definitions: checked at import (data sources, form, types, examples), stored versioned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onego.cases.instant import rule_for
from onego.catalog import models as m
from onego.catalog.definitions.export import item_document
from onego.catalog.services import CatalogImportFailed, catalog_import
from onego.core.validators import make_uscc
from tests.builders import catalog, item, write_folder

pytestmark = pytest.mark.django_db
USCC = make_uscc("520102", "MA6D7X8K")


def rule(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "explanation": {"zh": "经营备案：市场主体已登记", "en": "Filing: the entity is registered"},
        "checks": [{"check": 'enterprise.uscc != ""', "label": "统一社会信用代码有效"}],
        "examples": [
            {"name": "已登记", "data": {"enterprise.uscc": USCC}, "expect": "approve"},
            {
                "name": "自行填写",
                "data": {"enterprise.uscc": USCC},
                "unverified": ["enterprise.uscc"],
                "expect": "refer",
            },
        ],
    }
    base.update(overrides)
    return base


def doc_with(instant_rule: dict[str, Any] | None, **item_overrides: Any) -> dict[str, Any]:
    doc = catalog()
    doc["data_elements"].append(
        {"code": "enterprise.uscc", "name": "统一社会信用代码", "type": "uscc", "registry": "enterprise"}
    )
    filing = item(
        "quick_filing",
        item_type="filing",
        handling_type="immediate",
        promised_limit_days=0,
        legal_limit_days=1,
        instant_approval=True,
        fields=["enterprise.name", "enterprise.uscc", "premises.area"],
    )
    if instant_rule is not None:
        filing["instant_rule"] = instant_rule
    filing.update(item_overrides)
    doc["items"].append(filing)
    return doc


def refused(tmp_path: Path, doc: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogImportFailed) as info:
        catalog_import(path=write_folder(tmp_path, catalog_doc=doc))
    assert m.ServiceItem.objects.count() == 0  # nothing half-written
    return [str(i) for i in info.value.issues]


def test_a_declared_rule_is_imported_with_its_explanation_and_version_1(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path, catalog_doc=doc_with(rule())))
    stored = rule_for("quick_filing")
    assert stored is not None
    assert stored.code == "quick_filing.v1"
    assert stored.explanation == "经营备案：市场主体已登记"
    assert stored.explanation_en == "Filing: the entity is registered"
    assert stored.types == {"enterprise.uscc": "uscc"}


def test_an_example_the_rule_disagrees_with_fails_the_import_with_file_line_and_field(tmp_path: Path) -> None:
    wrong = rule()
    wrong["examples"][1]["expect"] = "approve"
    errors = refused(tmp_path, doc_with(wrong))
    [error] = [e for e in errors if "examples[1]" in e]
    assert error.startswith("catalog.yaml:")
    assert int(error.split(":")[1]) > 1
    assert "items[4].instant_rule.examples[1].expect" in error
    assert "示例“自行填写”期望 approve，规则实际为 refer" in error


def test_a_rule_over_what_the_applicant_merely_types_is_refused(tmp_path: Path) -> None:
    # premises.area has no registry and no item produces it: only the applicant can state it.
    typed = rule(checks=[{"check": "premises.area <= 300"}])
    typed["examples"] = [
        {"data": {"premises.area": 100}, "expect": "approve"},
        {"data": {"premises.area": 500}, "expect": "refer"},
    ]
    errors = refused(tmp_path, doc_with(typed))
    assert any("instant_rule.checks[0].check" in e and "不能读取申请人自行填写的内容" in e for e in errors)


def test_a_rule_reading_an_element_outside_the_item_form_is_refused(tmp_path: Path) -> None:
    outside = rule(checks=[{"check": 'person.name != ""'}])
    outside["examples"] = [
        {"data": {"person.name": "张三"}, "expect": "approve"},
        {"data": {}, "expect": "refer"},
    ]
    errors = refused(tmp_path, doc_with(outside))
    assert any("数据元“person.name”不在本事项的表单（fields）中" in e for e in errors)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ("enterprise.uscc > 3", "不能与数字3比较"),
        ("enterprise.uscc = 1", "判断相等请写“==”"),
        ('nobody.knows != ""', "未知的数据元“nobody.knows”"),
        ("__import__('os')", "多余的“(”"),
    ],
)
def test_a_check_is_parsed_and_type_checked_never_evaluated_as_code(
    tmp_path: Path, check: str, message: str
) -> None:
    errors = refused(tmp_path, doc_with(rule(checks=[{"check": check}])))
    assert any("instant_rule.checks[0].check" in e and message in e for e in errors), errors


def test_a_rule_needs_an_explanation_and_examples_of_both_outcomes(tmp_path: Path) -> None:
    bare = {
        "checks": ['enterprise.uscc != ""'],
        "examples": [{"data": {"enterprise.uscc": USCC}, "expect": "approve"}],
    }
    errors = refused(tmp_path / "a", doc_with(bare))
    assert "items[4].instant_rule.explanation: 缺少必填字段" in "\n".join(errors)
    errors = refused(tmp_path / "b", doc_with({**bare, "explanation": "经营备案"}))
    assert "items[4].instant_rule.examples: 秒批规则的示例中缺少 expect: refer 的情形" in "\n".join(errors)


def test_a_rule_on_an_item_not_flagged_instant_is_refused(tmp_path: Path) -> None:
    errors = refused(tmp_path, doc_with(rule(), instant_approval=False))
    assert any("声明了秒批规则的事项须同时写 instant_approval: true" in e for e in errors)


def test_changing_a_rule_makes_a_new_version_and_an_unchanged_import_keeps_it(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path / "a", catalog_doc=doc_with(rule())))
    catalog_import(path=write_folder(tmp_path / "b", catalog_doc=doc_with(rule())))
    assert rule_for("quick_filing").code == "quick_filing.v1"  # type: ignore[union-attr]
    changed = rule(explanation={"zh": "经营备案：市场主体已在登记库登记"})
    catalog_import(path=write_folder(tmp_path / "c", catalog_doc=doc_with(changed)))
    assert rule_for("quick_filing").code == "quick_filing.v2"  # type: ignore[union-attr]
    # removed, then declared again: the version never goes back
    catalog_import(path=write_folder(tmp_path / "d", catalog_doc=doc_with(None)))
    assert rule_for("quick_filing") is None
    catalog_import(path=write_folder(tmp_path / "e", catalog_doc=doc_with(rule())))
    assert rule_for("quick_filing").code == "quick_filing.v3"  # type: ignore[union-attr]


def test_an_exported_rule_imports_back_unchanged(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path / "a", catalog_doc=doc_with(rule())))
    exported = item_document(m.ServiceItem.objects.get(code="quick_filing"))
    assert exported["instant_rule"]["checks"] == [
        {"check": 'enterprise.uscc != ""', "label": "统一社会信用代码有效"}
    ]
    doc = doc_with(None)
    doc["items"][-1]["instant_rule"] = exported["instant_rule"]
    catalog_import(path=write_folder(tmp_path / "b", catalog_doc=doc))
    assert rule_for("quick_filing").code == "quick_filing.v1"  # type: ignore[union-attr]
