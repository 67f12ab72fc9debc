"""Export writes the catalog back in the import format; xlsx item sheets import with precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction
from openpyxl import load_workbook

from onego.catalog import models as m
from onego.catalog.definitions.export import export_catalog
from onego.catalog.definitions.xlsx import write_items_workbook
from onego.catalog.selectors import compile_for
from onego.catalog.services import CatalogImportFailed, catalog_import

pytestmark = pytest.mark.django_db


def _wipe() -> None:
    for model in (
        m.Package,
        m.ServiceItem,
        m.ServicePoint,
        m.Partner,
        m.MaterialType,
        m.DataElement,
        m.LicenceType,
        m.Registry,
        m.Department,
        m.DepartmentType,
    ):
        model.objects.all().delete()
    while m.Region.objects.exists():
        m.Region.objects.filter(children__isnull=True).delete()


def test_export_then_import_gives_the_same_compiled_package(small_catalog: Path, tmp_path: Path) -> None:
    before = compile_for(
        package_code="open-restaurant",
        region_code="520102",
        answers={"has_licence": False, "floor_area": 500},
    ).to_dict()
    export_catalog(tmp_path / "out")
    assert (tmp_path / "out" / "packages" / "open-restaurant.yaml").exists()
    with transaction.atomic():
        _wipe()
        catalog_import(path=tmp_path / "out")
    after = compile_for(
        package_code="open-restaurant",
        region_code="520102",
        answers={"has_licence": False, "floor_area": 500},
    ).to_dict()
    assert after == before


def test_items_workbook_round_trips(small_catalog: Path, tmp_path: Path) -> None:
    path = write_items_workbook(tmp_path / "items.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["items", "item_fields", "item_materials"]
    m.ItemField.objects.all().delete()
    result = catalog_import(path=path)
    assert result.counts["items"] == 4
    assert m.ItemField.objects.filter(item__code="food_business_permit").count() == 4


def test_workbook_errors_name_sheet_row_and_column(small_catalog: Path, tmp_path: Path) -> None:
    path = write_items_workbook(tmp_path / "items.xlsx")
    wb = load_workbook(path)
    ws = wb["items"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=3, column=headers.index("legal_limit_days") + 1, value="二十")
    wb["item_materials"].append(["ghost_item", "floor_plan"])
    wb.save(path)
    with pytest.raises(CatalogImportFailed) as info:
        catalog_import(path=path)
    errors = [str(i) for i in info.value.issues]
    assert any(
        e.startswith("items.xlsx#items:3:") and "legal_limit_days" in e and "应为整数" in e for e in errors
    )
    assert any(e.startswith("items.xlsx#item_materials:") and "ghost_item" in e for e in errors)


def test_produced_elements_survive_export_and_the_items_workbook(small_catalog: Path, tmp_path: Path) -> None:
    m.ServiceItem.objects.filter(code="business_licence").update(produces=["enterprise.name"])
    export_catalog(tmp_path / "out")
    path = write_items_workbook(tmp_path / "items.xlsx")
    with transaction.atomic():
        _wipe()
        catalog_import(path=tmp_path / "out")
    assert m.ServiceItem.objects.get(code="business_licence").produces == ["enterprise.name"]
    m.ServiceItem.objects.filter(code="business_licence").update(produces=[])
    catalog_import(path=path)
    assert m.ServiceItem.objects.get(code="business_licence").produces == ["enterprise.name"]


def test_posting_choices_survive_export(small_catalog: Path, tmp_path: Path) -> None:
    m.DataElement.objects.filter(code="bank.account_type").update(post_choices=["基本存款账户"])
    export_catalog(tmp_path / "out")
    with transaction.atomic():
        _wipe()
        catalog_import(path=tmp_path / "out")
    assert m.DataElement.objects.get(code="bank.account_type").post_choices == ["基本存款账户"]
    assert m.DataElement.objects.get(code="premises.area").post_choices == []
