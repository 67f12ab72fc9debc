"""Loading regional implementations and the drift report over the starter catalog and demo file."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from onego.catalog.services import catalog_import
from onego.core.errors import ValidationFailed
from onego.standards.models import ItemImplementation
from onego.standards.selectors import drift_report
from onego.standards.services import implementations_load

CATALOG = Path(__file__).resolve().parents[2] / "src" / "onego" / "catalog" / "starter"


@pytest.fixture(scope="module")
def starter(django_db_setup: None, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        catalog_import(path=CATALOG)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter")]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "impl.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_entry_naming_only_the_item_copies_the_standard_and_conforms(tmp_path: Path) -> None:
    implementations_load(
        path=write(tmp_path, 'implementations:\n  - region: "520523"\n    items: [business_licence]\n')
    )
    [region] = drift_report(region_code="520523")
    assert (region.implemented, region.non_conforming) == (1, 0)


def test_overrides_become_deviations_with_reasons(tmp_path: Path) -> None:
    implementations_load(
        path=write(
            tmp_path,
            'implementations:\n  - region: "520523"\n    items:\n'
            "      - item: food_business_permit\n        promised_limit_days: 8\n"
            "        add_materials: [{name: 健康证明}]\n        drop_materials: [business_licence]\n",
        )
    )
    [region] = drift_report(region_code="520500")  # the city covers its county
    [item] = region.items
    reasons = " ".join(d.reason for d in item.deviations)
    assert "健康证明" in reasons
    assert "营业执照" in reasons
    assert "3 个工作日" in reasons


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('implementations:\n  - region: "999999"\n    items: [business_licence]\n', "region"),
        ('implementations:\n  - region: "520523"\n    items: [no_such_item]\n', "item"),
        (
            'implementations:\n  - region: "520523"\n    items:\n      - {item: business_licence, visits: -1}\n',
            "visits",
        ),
        (
            'implementations:\n  - region: "520523"\n    items:\n      - {item: business_licence, colour: red}\n',
            "items",
        ),
        (
            'implementations:\n  - region: "520523"\n    items:\n'
            "      - {item: business_licence, drop_materials: [food_safety_rules]}\n",
            "materials",
        ),
    ],
)
def test_bad_files_are_refused_whole_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    good = '  - region: "520102"\n    items: [seal_engraving]\n'
    before = ItemImplementation.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        implementations_load(
            path=write(tmp_path, text.replace("implementations:\n", "implementations:\n" + good))
        )
    assert caught.value.field == field
    assert ItemImplementation.objects.count() == before


def test_the_demo_file_gives_regions_with_real_deviations_and_the_command_lists_them() -> None:
    call_command("standards", "load", stdout=StringIO())
    out = StringIO()
    call_command("standards", "drift", "--region", "520500", "--json", stdout=out)
    report = {r["region"]: r for r in json.loads(out.getvalue())}
    assert set(report) == {"520502", "520521", "520523", "520524"}
    jinsha = report["520523"]
    assert jinsha["non_conforming"] >= 10
    kinds = {d["kind"] for i in jinsha["items"] for d in i["deviations"]}
    assert {"extra_material", "longer_limit", "missing_element", "name"} <= kinds
    conforming = {i["item"] for i in jinsha["items"]}
    assert "seal_engraving" not in conforming  # listed without overrides: it conforms
    text = StringIO()
    call_command("standards", "drift", "--region", "520523", stdout=text)
    assert "金沙县（520523）" in text.getvalue()
    assert "增加材料：标准中没有的材料：消防设施检测报告" in text.getvalue()


def test_an_unknown_region_is_a_clear_command_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="区划代码 123456 不存在"):
        call_command("standards", "drift", "--region", "123456", stdout=StringIO())
