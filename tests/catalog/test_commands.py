"""The `onego catalog` and `onego package` commands as an administrator uses them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from onego.catalog import models as m
from tests.builders import restaurant_package, write_folder

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_command_reports_counts(tmp_path: Path) -> None:
    out = _run("catalog", "import", str(write_folder(tmp_path)))
    assert "已导入" in out
    assert "packages 1" in out


def test_import_command_refuses_and_prints_every_error(tmp_path: Path) -> None:
    pkg = restaurant_package()
    pkg["items"].append({"item": "ghost"})
    err = StringIO()
    with pytest.raises(CommandError, match="未写入任何内容"):
        call_command(
            "catalog", "import", str(write_folder(tmp_path, packages=[pkg])), stdout=StringIO(), stderr=err
        )
    assert "ghost" in err.getvalue()
    assert m.Package.objects.count() == 0


def test_explain_shows_items_stages_form_materials_and_burden(small_catalog: Path) -> None:
    out = _run(
        "package",
        "explain",
        "open-restaurant",
        "--region",
        "520100",
        "--answer",
        "has_licence=false",
        "--answer",
        "floor_area=500",
    )
    for expected in (
        "fire_safety_inspection",
        "阶段 2",
        "一张表单",
        "一套材料",
        "免提交",
        "减负",
        "关键路径",
    ):
        assert expected in out


def test_explain_json_matches_the_api_shape(small_catalog: Path) -> None:
    out = _run(
        "package",
        "explain",
        "open-restaurant",
        "--answer",
        "has_licence=false",
        "--answer",
        "floor_area=500",
        "--json",
    )
    data = json.loads(out)
    assert [e["code"] for e in data["entries"] if e["kind"] == "item"] == [
        "business_licence",
        "food_business_permit",
        "fire_safety_inspection",
    ]
    assert "reductions" in data["burden"]


def test_explain_refuses_a_malformed_answer(small_catalog: Path) -> None:
    with pytest.raises(CommandError, match="问题标识=答案"):
        _run("package", "explain", "open-restaurant", "--answer", "has_licence")


def test_burden_report_writes_markdown(small_catalog: Path, tmp_path: Path) -> None:
    target = tmp_path / "packages.md"
    _run("package", "burden", "--all", "--markdown", str(target))
    text = target.read_text(encoding="utf-8")
    assert "开办餐饮店" in text
    assert "新开店、面积较大" in text
    assert "合计" in text


def test_export_command_writes_files(small_catalog: Path, tmp_path: Path) -> None:
    out = _run("catalog", "export", str(tmp_path / "x"), "--xlsx")
    assert "已导出" in out
    assert (tmp_path / "x" / "items.xlsx").exists()
