"""Subjects of data and materials (数据主体) as catalog data: declared, referenced, checked at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onego.catalog import models as m
from onego.catalog.definitions.export import catalog_documents
from onego.catalog.selectors import compile_for
from onego.catalog.services import CatalogImportFailed, catalog_import
from tests.builders import catalog, restaurant_package, write_folder

pytestmark = pytest.mark.django_db

REP = {
    "code": "legal_representative",
    "name": "法定代表人",
    "identity": "enterprise.rep_id_number",
    "name_element": "enterprise.rep_name",
    "consent": "representative",
}


def with_subjects(**material: Any) -> dict[str, Any]:
    doc = catalog()
    doc["subjects"] = [dict(REP)]
    doc["data_elements"] += [
        {
            "code": "enterprise.rep_id_number",
            "name": "法定代表人公民身份号码",
            "type": "id_number",
            "registry": "enterprise",
        },
        {"code": "enterprise.rep_name", "name": "法定代表人姓名", "type": "string", "registry": "enterprise"},
    ]
    permit = next(i for i in doc["items"] if i["code"] == "food_business_permit")
    permit["materials"] = [
        {"material": "resident_id_card", "subject": "legal_representative", **material}
        if (x if isinstance(x, str) else x["material"]) == "resident_id_card"
        else x
        for x in permit["materials"]
    ]
    licence = next(i for i in doc["items"] if i["code"] == "business_licence")
    licence["materials"] = [
        {"material": "resident_id_card", "subject": "legal_representative"}
        if (x if isinstance(x, str) else x["material"]) == "resident_id_card"
        else x
        for x in licence["materials"]
    ]
    return doc


def refused(tmp_path: Path, doc: dict[str, Any], packages: list[dict[str, Any]] | None = None) -> list[str]:
    with pytest.raises(CatalogImportFailed) as info:
        catalog_import(path=write_folder(tmp_path, catalog_doc=doc, packages=packages))
    assert m.ServiceItem.objects.count() == 0  # nothing half-written
    assert m.DataSubject.objects.count() == 0
    return [str(i) for i in info.value.issues]


def test_a_declared_subject_is_stored_and_the_compiled_package_names_whose_material_it_is(
    tmp_path: Path,
) -> None:
    catalog_import(path=write_folder(tmp_path, catalog_doc=with_subjects()))
    stored = m.DataSubject.objects.get(code="legal_representative")
    assert (stored.consent, stored.identity) == ("representative", "enterprise.rep_id_number")
    assert m.ItemMaterial.objects.get(
        item__code="food_business_permit", material_type__code="resident_id_card"
    ).subject == ("legal_representative")
    compiled = compile_for(package_code="open-restaurant", region_code="520102", answers={})
    card = next(x for x in compiled.materials if x.material == "resident_id_card")
    assert card.subject == "legal_representative"
    assert [s.code for s in compiled.subjects] == ["legal_representative"]
    # No item asks for the representative's number, yet the person must be named once: the compiler
    # adds the identity field, required, marked with whom it identifies.
    identity = next(f for g in compiled.form for f in g.fields if f.element == "enterprise.rep_id_number")
    assert identity.required
    assert identity.identifies == "legal_representative"


def test_an_unknown_subject_on_a_material_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    doc = with_subjects()
    permit = next(i for i in doc["items"] if i["code"] == "food_business_permit")
    permit["materials"][0] = {
        "material": permit["materials"][0]
        if isinstance(permit["materials"][0], str)
        else permit["materials"][0]["material"],
        "subject": "landlord",
    }
    issues = refused(tmp_path, doc)
    [issue] = [i for i in issues if "未知的数据主体“landlord”" in i]
    assert issue.startswith("catalog.yaml:")
    assert ".materials[0].subject: 未知的数据主体“landlord”；可用：applicant、legal_representative" in issue
    assert "（或在 subjects 中声明）" in issue


def test_an_unknown_subject_on_a_data_element_is_refused(tmp_path: Path) -> None:
    doc = with_subjects()
    doc["data_elements"].append({"code": "spouse.name", "name": "配偶姓名", "subject": "spouse"})
    issues = refused(tmp_path, doc)
    assert any(": subject: 未知的数据主体“spouse”" in i for i in issues), issues


def test_a_subject_identified_by_something_that_is_not_an_id_number_is_refused(tmp_path: Path) -> None:
    doc = with_subjects()
    doc["subjects"][0]["identity"] = "enterprise.rep_name"
    issues = refused(tmp_path, doc)
    assert any(
        "identity: 主体“legal_representative”的身份数据元“enterprise.rep_name”应为 id_number 类型" in i
        for i in issues
    ), issues


def test_applicant_is_built_in_and_cannot_be_declared(tmp_path: Path) -> None:
    doc = with_subjects()
    doc["subjects"].append(
        {"code": "applicant", "name": "申请人", "consent": "own", "identity": "enterprise.rep_id_number"}
    )
    issues = refused(tmp_path, doc)
    assert any("主体“applicant”（申请人）是内置的" in i for i in issues), issues


def _two_people_doc() -> dict[str, Any]:
    """The applicant's ID card for the business licence, the representative's for the food permit."""
    doc = with_subjects()
    licence = next(i for i in doc["items"] if i["code"] == "business_licence")
    licence["materials"] = [
        "resident_id_card"
        if (x == "resident_id_card" or (isinstance(x, dict) and x["material"] == "resident_id_card"))
        else x
        for x in licence["materials"]
    ]
    return doc


def test_one_material_type_for_two_people_in_one_package_is_two_lines(tmp_path: Path) -> None:
    """Both people's ID cards in one package: one line per person, each with its own slot and subject."""
    catalog_import(
        path=write_folder(tmp_path, catalog_doc=_two_people_doc(), packages=[restaurant_package()])
    )
    compiled = compile_for(package_code="open-restaurant", region_code="520102", answers={})
    cards = [x for x in compiled.materials if x.type_code == "resident_id_card"]
    assert [(c.material, c.subject, c.name) for c in cards] == [
        ("resident_id_card", "applicant", "居民身份证"),
        ("resident_id_card__legal_representative", "legal_representative", "居民身份证（法定代表人）"),
    ]
    assert cards[0].used_by == ["business_licence"]
    assert cards[1].used_by == ["food_business_permit"]
    assert cards[1].material_type == "resident_id_card"
    assert cards[0].material_type == ""  # the applicant's line is the type itself


def test_one_item_may_ask_the_same_type_of_two_people_but_not_twice_of_one(tmp_path: Path) -> None:
    doc = with_subjects()
    permit = next(i for i in doc["items"] if i["code"] == "food_business_permit")
    permit["materials"].append("resident_id_card")  # the applicant's, beside the representative's
    catalog_import(path=write_folder(tmp_path / "ok", catalog_doc=doc))
    rows = m.ItemMaterial.objects.filter(
        item__code="food_business_permit", material_type__code="resident_id_card"
    )
    assert sorted(rows.values_list("subject", flat=True)) == ["applicant", "legal_representative"]
    compiled = compile_for(package_code="open-restaurant", region_code="520102", answers={})
    slots = {x.material for x in compiled.materials if x.type_code == "resident_id_card"}
    assert slots == {"resident_id_card", "resident_id_card__legal_representative"}


def test_the_same_type_twice_for_one_person_in_an_item_is_refused(tmp_path: Path) -> None:
    twice = with_subjects()
    permit = next(i for i in twice["items"] if i["code"] == "food_business_permit")
    permit["materials"].append({"material": "resident_id_card", "subject": "legal_representative"})
    issues = refused(tmp_path / "twice", twice)
    assert any(
        "材料“resident_id_card”（legal_representative）在本事项中重复" in i and "subject" in i for i in issues
    ), issues


def test_subjects_survive_export_and_reimport(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path / "in", catalog_doc=with_subjects()))
    docs = catalog_documents()
    assert docs["subjects.yaml"]["subjects"][0]["code"] == "legal_representative"
    permit = next(i for i in docs["items.yaml"]["items"] if i["code"] == "food_business_permit")
    assert {"material": "resident_id_card", "subject": "legal_representative"}.items() <= next(
        x for x in permit["materials"] if isinstance(x, dict) and x["material"] == "resident_id_card"
    ).items()


def test_the_items_workbook_carries_whose_material_it_is_both_ways(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from onego.catalog.definitions.xlsx import MATERIAL_COLUMNS, write_items_workbook

    catalog_import(path=write_folder(tmp_path / "in", catalog_doc=with_subjects()))
    path = write_items_workbook(tmp_path / "items.xlsx")
    wb = load_workbook(path)
    sheet = wb["item_materials"]
    assert [c.value for c in sheet[1]] == MATERIAL_COLUMNS
    column = MATERIAL_COLUMNS.index("subject")
    rows = {(r[0], r[1]): r[column] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[("food_business_permit", "resident_id_card")] == "legal_representative"
    assert rows[("food_business_permit", "floor_plan")] in (None, "")  # the applicant's: left empty

    # import: the column sets whose it is (here moved back to the applicant, then to the representative)
    for r in sheet.iter_rows(min_row=2):
        if (r[0].value, r[1].value) == ("business_licence", "resident_id_card"):
            r[column].value = None
        if (r[0].value, r[1].value) == ("food_business_permit", "resident_id_card"):
            r[column].value = None
    wb.save(path)
    catalog_import(path=path)
    card = m.ItemMaterial.objects.get(
        item__code="food_business_permit", material_type__code="resident_id_card"
    )
    assert card.subject == m.APPLICANT_SUBJECT
    for r in sheet.iter_rows(min_row=2):
        if r[1].value == "resident_id_card":
            r[column].value = "legal_representative"
    wb.save(path)
    catalog_import(path=path)
    card = m.ItemMaterial.objects.get(
        item__code="food_business_permit", material_type__code="resident_id_card"
    )
    assert card.subject == "legal_representative"  # (the rows are written anew by each import)

    # an unknown subject is refused, naming the sheet, row and column
    for r in sheet.iter_rows(min_row=2):
        if (r[0].value, r[1].value) == ("food_business_permit", "resident_id_card"):
            r[column].value = "landlord"
            row = r[0].row
    wb.save(path)
    with pytest.raises(CatalogImportFailed) as info:
        catalog_import(path=path)
    issues = [str(i) for i in info.value.issues]
    assert any(
        i.startswith(f"items.xlsx#item_materials:{row}:") and "subject" in i and "landlord" in i
        for i in issues
    ), issues
