"""The package compiler: items by scenario, stages, one form, one material list, time and burden."""

from __future__ import annotations

from pathlib import Path

import pytest

from onego.catalog import models as m
from onego.catalog.selectors import compile_for
from onego.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db

NEW_BIG = {"has_licence": False, "floor_area": 500}


def _compile(region: str = "520102", answers: dict | None = None, **kw: list[str]):
    return compile_for(
        package_code="open-restaurant",
        region_code=region,
        answers=NEW_BIG if answers is None else answers,
        **kw,
    )


def test_scenario_answers_decide_the_items(small_catalog: Path) -> None:
    big = _compile()
    assert [e.code for e in big.items] == [
        "business_licence",
        "food_business_permit",
        "fire_safety_inspection",
    ]
    small_with_licence = _compile(answers={"has_licence": True, "floor_area": 80})
    assert [e.code for e in small_with_licence.items] == ["food_business_permit"]
    assert {x.code for x in small_with_licence.excluded} == {
        "business_licence",
        "fire_safety_inspection",
        "tobacco_retail_licence",
    }


def test_stages_follow_prerequisites_and_run_the_rest_in_parallel(small_catalog: Path) -> None:
    c = _compile()
    assert c.stages == [
        ["business_licence"],
        ["food_business_permit", "fire_safety_inspection", "bank_account"],
    ]


def test_prerequisite_that_does_not_apply_does_not_hold_back_the_dependent(small_catalog: Path) -> None:
    c = _compile(answers={"has_licence": True, "floor_area": 500})
    assert c.stages == [["food_business_permit", "fire_safety_inspection", "bank_account"]]


def test_each_data_element_is_asked_once_with_the_items_that_use_it(small_catalog: Path) -> None:
    c = _compile()
    fields = {f.element: f for g in c.form for f in g.fields}
    assert list(fields).count("enterprise.name") == 1
    assert fields["enterprise.name"].used_by == [
        "business_licence",
        "food_business_permit",
        "fire_safety_inspection",
        "bank_account",
    ]
    assert fields["person.id_number"].prefill_registry == "population"
    assert fields["person.phone"].prefill_registry == ""
    groups = [g.group for g in c.form]
    assert groups == ["person", "enterprise", "premises", "bank"]


def test_each_material_is_listed_once_and_exempt_where_shared(small_catalog: Path) -> None:
    c = _compile()
    mats = {mt.material: mt for mt in c.materials}
    assert len(c.materials) == 5
    assert mats["resident_id_card"].exempt
    assert mats["resident_id_card"].verified_by == "registry:population"
    assert mats["resident_id_card"].used_by == ["business_licence", "food_business_permit"]
    # Produced inside the package by the business-licence item, then shared as an e-licence.
    assert mats["business_licence"].exempt
    assert mats["business_licence"].verified_by == "package:business_licence"
    assert not mats["food_safety_plan"].exempt
    assert not mats["floor_plan"].exempt
    assert mats["floor_plan"].used_by == [
        "food_business_permit",
        "fire_safety_inspection",
    ]


def test_a_held_licence_is_exempt_through_the_licence_library(small_catalog: Path) -> None:
    c = _compile(answers={"has_licence": True, "floor_area": 500})
    mat = next(x for x in c.materials if x.material == "business_licence")
    assert mat.exempt
    assert mat.verified_by == "licence:business_licence"


def test_a_disconnected_registry_makes_its_materials_and_fields_manual(small_catalog: Path) -> None:
    m.Registry.objects.filter(code="population").update(connected=False)
    c = _compile()
    mat = next(x for x in c.materials if x.material == "resident_id_card")
    assert not mat.exempt
    field = next(f for g in c.form for f in g.fields if f.element == "person.name")
    assert field.prefill_registry == ""


def test_burden_counts_against_doing_items_one_by_one(small_catalog: Path) -> None:
    b = _compile().burden
    # business_licence 4 fields + food permit 4 + fire 2 + bank step 2
    assert b.fields_separate == 12
    assert b.fields_merged == 6
    assert b.fields_to_type == 4  # person.name and person.id_number come from the population registry
    assert b.uploads_separate == 2 + 4 + 2
    assert b.uploads_merged == 5
    assert b.uploads_to_make == 3  # lease contract, food safety plan, floor plan
    assert (b.days_serial, b.days_parallel) == (1 + 5 + 7 + 1, 8)
    assert b.reductions()["uploads"] == 62.5


def test_critical_path_is_the_longest_chain(small_catalog: Path) -> None:
    t = _compile().timing
    assert t.critical_path == ["business_licence", "fire_safety_inspection"]
    assert t.critical_path_days == 8
    assert t.serial_days == 14
    assert t.legal_serial_days == 3 + 20 + 10 + 1


def test_departments_resolve_to_the_nearest_at_the_items_level(small_catalog: Path) -> None:
    c = _compile(region="520102")
    by_code = {e.code: e for e in c.items}
    assert by_code["food_business_permit"].department == "南明区市场监督管理局"
    assert by_code["fire_safety_inspection"].department == "贵阳市消防救援支队"
    assert _compile(region="520100").items[0].department == "贵阳市市场监督管理局"
    assert c.lead_department == "南明区市场监督管理局"


def test_region_without_a_department_warns_instead_of_failing(small_catalog: Path) -> None:
    c = _compile(region="520500")
    assert any("没有配置实施部门" in w for w in c.warnings)


def test_optional_items_can_be_added_and_dropped(small_catalog: Path) -> None:
    assert "tobacco_retail_licence" not in [e.code for e in _compile().items]
    added = _compile(add=["tobacco_retail_licence"])
    assert "tobacco_retail_licence" in [e.code for e in added.items]
    dropped = _compile(drop=["bank_account"])
    assert "bank_account" not in [e.code for e in dropped.entries]
    assert next(x for x in dropped.excluded if x.code == "bank_account").addable


def test_law_bound_items_cannot_be_dropped(small_catalog: Path) -> None:
    with pytest.raises(ValidationFailed, match="依法必须一并办理"):
        _compile(drop=["food_business_permit"])


def test_unknown_question_and_bad_answer_are_refused_naming_the_field(small_catalog: Path) -> None:
    with pytest.raises(ValidationFailed) as info:
        _compile(answers={"seats": 3})
    assert info.value.field == "seats"
    with pytest.raises(ValidationFailed) as info:
        _compile(answers={"floor_area": "很大"})
    assert info.value.field == "floor_area"


def test_package_is_refused_outside_the_regions_that_offer_it(small_catalog: Path) -> None:
    m.Region.objects.create(
        code="530100", name="昆明市", level="city", parent=m.Region.objects.get(code="530000")
    )
    with pytest.raises(ValidationFailed, match="尚未在昆明市提供"):
        _compile(region="530100")


def test_unknown_package_and_region_are_not_found(small_catalog: Path) -> None:
    with pytest.raises(NotFound):
        compile_for(package_code="nope", region_code="520100", answers={})
    with pytest.raises(NotFound):
        compile_for(package_code="open-restaurant", region_code="999999", answers={})


def test_unanswered_questions_are_listed(small_catalog: Path) -> None:
    c = _compile(answers={})
    assert c.unanswered == ["has_licence", "floor_area"]
    assert [e.code for e in c.items] == ["business_licence", "food_business_permit"]


def test_a_datum_an_earlier_item_produces_is_taken_out_of_the_form(small_catalog: Path) -> None:
    plain = _compile()
    # Pretend the licence item creates the premises area: both items using it come after the licence.
    m.ServiceItem.objects.filter(code="business_licence").update(produces=["premises.area"])
    before = _compile()
    assert before.burden.fields_merged == plain.burden.fields_merged
    assert before.burden.fields_to_type == plain.burden.fields_to_type - 1
    area = next(f for g in before.form for f in g.fields if f.element == "premises.area")
    assert (area.produced_by, area.required) == ("business_licence", False)
    assert area.used_by == ["food_business_permit", "fire_safety_inspection"]
    # With a licence already held the item is not in the package: the applicant gives the area.
    held = _compile(answers={"has_licence": True, "floor_area": 500})
    area = next(f for g in held.form for f in g.fields if f.element == "premises.area")
    assert (area.produced_by, area.required) == ("", True)
