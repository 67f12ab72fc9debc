"""补正前后对比: after a supplement the officer sees what changed (a field before → after, a material's
files replaced), stored sealed at answer time and shown as the department may see it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile

from onego.cases.identity import is_sealed, unseal
from onego.cases.models import Material, Supplement
from onego.cases.services.decisions import subcase_claim
from onego.cases.services.submission import MaterialIn
from onego.cases.services.supplements import SupplementItemIn, subcase_request_supplement, supplement_answer
from onego.exchange.services import contract_publish
from tests.cases.factories import subcase
from tests.workbench.conftest import People, accepted_case, page, signed_in

pytestmark = pytest.mark.django_db


def _supplemented(people: People) -> tuple[object, object, str]:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    subcase_claim(actor=people.officer, subcase_id=food.pk)
    subcase_request_supplement(
        actor=people.officer,
        subcase_id=food.pk,
        items=[
            SupplementItemIn("premises.area", "面积与平面图不一致，请核实"),
            SupplementItemIn("material:floor_plan", "平面图未标注后厨，请重新提供"),
        ],
    )
    old_plan = Material.objects.get(case=case, code="floor_plan", replaced_at=None).filename
    new_plan = MaterialIn(
        code="floor_plan", file=ContentFile(b"%PDF-1.4 new", name="floor2.pdf"), filename="floor2.pdf"
    )
    supplement_answer(
        actor=people.clerk, case_id=case.pk, form_data={"premises.area": 480}, materials=[new_plan]
    )
    return case, food, old_plan


def test_the_answer_keeps_the_earlier_values_sealed(people: People) -> None:
    case, _food, old_plan = _supplemented(people)
    items = {i["target"]: i for i in Supplement.objects.get(case=case).items}
    area = items["premises.area"]
    assert is_sealed(area["before"])
    assert is_sealed(area["after"])
    assert unseal(area["after"]) == 480
    assert unseal(area["before"]) == 500  # the restaurant was submitted as 500 m²
    plan = items["material:floor_plan"]
    assert plan["before_files"] == [old_plan]
    assert plan["after_files"] == ["floor2.pdf"]


def grant(elements: list[str]) -> None:
    contract_publish(
        code="dept.market_regulation",
        consumer_kind="department_type",
        consumer_code="market_regulation",
        purpose="受理、审核本部门承办的事项",
        elements=elements,
        valid_from=dt.date(2025, 1, 1),
        published_by="admin:test",
    )


def _diff(html: str) -> str:
    return html[html.index('id="supplement-changes"') : html.index('id="materials"')]


def test_the_officer_sees_what_the_supplement_changed(people: People) -> None:
    grant(["enterprise.name", "premises.area"])
    _case, food, old_plan = _supplemented(people)
    diff = _diff(page(signed_in(people.officer).get(f"/workbench/subcases/{food.pk}/")))
    assert "补正前后对比" in diff
    field = re.search(r'<tr data-change="field">(.*?)</tr>', diff, flags=re.S)
    assert field is not None
    assert "经营场所建筑面积" in field.group(1)
    assert re.search(r"<del>500</del>.*<ins>480</ins>", field.group(1), flags=re.S)
    material = re.search(r'<tr data-change="material">(.*?)</tr>', diff, flags=re.S)
    assert material is not None
    assert old_plan in material.group(1)
    assert "floor2.pdf" in material.group(1)
    assert "材料已替换" in material.group(1)


def test_a_field_the_departments_contract_does_not_grant_is_withheld(people: People) -> None:
    grant(["enterprise.name"])  # not premises.area
    _case, food, _old_plan = _supplemented(people)
    diff = _diff(page(signed_in(people.officer).get(f"/workbench/subcases/{food.pk}/")))
    assert 'data-change="field"' not in diff
    assert "<del>500</del>" not in diff
    assert "另有 1 项补正内容不在本部门授权范围内" in diff
    assert 'data-change="material"' in diff  # the floor plan is this item's own material
