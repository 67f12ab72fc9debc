"""补正 and 特别程序: the clock pauses and resumes; the applicant gets one list; nothing else is lost."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile

from onego.cases.formdata import form_values
from onego.cases.models import Case, ClockPause, Material, Notification, Supplement
from onego.cases.services.acceptance import case_accept, subcase_accept_registered
from onego.cases.services.decisions import subcase_approve, subcase_claim
from onego.cases.services.submission import MaterialIn
from onego.cases.services.supplements import (
    SupplementItemIn,
    subcase_end_special_procedure,
    subcase_request_supplement,
    subcase_start_special_procedure,
    supplement_answer,
)
from onego.cases.workflow import CaseStatus, InvalidTransition, SubCaseStatus
from onego.core.errors import PermissionDenied, ValidationFailed
from tests.cases.factories import PERSON_ID, subcase, submit

pytestmark = pytest.mark.django_db
S = SubCaseStatus


@pytest.fixture
def case(staff: Any) -> Case:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    subcase_approve(actor=staff.officer, subcase_id=subcase(case, "business_licence").pk)
    return case


def ask(staff: Any, case: Case) -> Supplement:
    food = subcase(case, "food_business_permit")
    subcase_claim(actor=staff.officer2, subcase_id=food.pk)
    return subcase_request_supplement(
        actor=staff.officer2,
        subcase_id=food.pk,
        items=[
            SupplementItemIn("premises.area", "面积与平面图不一致，请核实"),
            SupplementItemIn("material:floor_plan", "平面图未标注后厨，请重新提供"),
        ],
    )


def test_a_supplement_pauses_the_item_and_the_case(staff: Any, case: Case) -> None:
    ask(staff, case)
    food = subcase(case, "food_business_permit")
    case.refresh_from_db()
    assert food.status == S.SUPPLEMENT
    assert case.status == CaseStatus.SUPPLEMENT
    assert food.promised_due is None
    assert case.promised_due is None
    assert ClockPause.objects.filter(case=case, ended_on=None).count() == 1
    message = Notification.objects.get(case=case, kind="supplement_needed", channel="sms")
    assert "需要补正以下2项" in message.body
    assert "平面图未标注后厨" in message.body


def test_a_second_department_adds_to_the_same_list(staff: Any, case: Case) -> None:
    ask(staff, case)
    fire = subcase(case, "fire_safety_inspection")
    subcase_accept_registered(actor=staff.fire, subcase_id=fire.pk)
    subcase_claim(actor=staff.fire, subcase_id=fire.pk)
    supplement = subcase_request_supplement(
        actor=staff.fire,
        subcase_id=fire.pk,
        items=[SupplementItemIn("material:floor_plan", "请标注疏散通道")],
    )
    assert Supplement.objects.filter(case=case).count() == 1
    assert len(supplement.items) == 3
    latest = Notification.objects.filter(case=case, kind="supplement_needed", channel="sms").order_by(
        "-created_at"
    )[0]
    assert "需要补正以下3项" in latest.body


def test_answering_everything_resumes_the_clock_and_keeps_the_rest(
    staff: Any, case: Case, monday_morning: Any
) -> None:
    food_before = subcase(case, "food_business_permit")
    ask(staff, case)
    old_plan = Material.objects.get(case=case, code="floor_plan", replaced_at=None)
    monday_morning.move_to(dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    new_plan = MaterialIn(
        code="floor_plan", file=ContentFile(b"%PDF-1.4 new", name="floor2.pdf"), filename="floor2.pdf"
    )
    supplement_answer(
        actor=staff.clerk, case_id=case.pk, form_data={"premises.area": 480}, materials=[new_plan]
    )
    case.refresh_from_db()
    food = subcase(case, "food_business_permit")
    assert case.status == CaseStatus.IN_PROGRESS
    assert food.status == S.CLAIMED
    assert food.assignee == staff.officer2
    # Paused Mon 2 → Thu 5: Tue 3 and Wed 4 did not count, so the due date moved two working days.
    assert food_before.promised_due == dt.date(2026, 3, 9)
    assert food.promised_due == dt.date(2026, 3, 11)
    values = form_values(case)
    assert values["premises.area"] == 480
    assert values["person.id_number"] == PERSON_ID  # untouched
    old_plan.refresh_from_db()
    assert old_plan.replaced_at is not None  # kept, superseded
    assert Material.objects.get(case=case, code="floor_plan", replaced_at=None).filename == "floor2.pdf"
    assert Material.objects.filter(case=case, code="food_safety_plan", replaced_at=None).exists()
    assert not ClockPause.objects.filter(case=case, ended_on=None).exists()
    assert Notification.objects.filter(kind="supplement_answered", recipient=staff.officer2).exists()


def test_a_partial_answer_names_everything_still_missing(staff: Any, case: Case) -> None:
    ask(staff, case)
    with pytest.raises(ValidationFailed) as err:
        supplement_answer(actor=staff.clerk, case_id=case.pk, form_data={"premises.area": 480})
    assert err.value.message == "还有1项未补正：“经营场所平面图”"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUPPLEMENT


def test_an_invalid_answer_is_refused_with_the_reason(staff: Any, case: Case) -> None:
    ask(staff, case)
    good = MaterialIn(
        code="floor_plan", file=ContentFile(b"%PDF-1.4", name="floor.pdf"), filename="floor.pdf"
    )
    with pytest.raises(ValidationFailed) as err:
        supplement_answer(
            actor=staff.clerk, case_id=case.pk, form_data={"premises.area": "很大"}, materials=[good]
        )
    assert "“经营场所建筑面积”应为数字" in err.value.message
    # A file of a type the material does not take is refused by the one upload policy, before anything.
    bad = MaterialIn(code="floor_plan", file=ContentFile(b"x", name="floor.docx"), filename="floor.docx")
    with pytest.raises(ValidationFailed) as err:
        supplement_answer(
            actor=staff.clerk, case_id=case.pk, form_data={"premises.area": 480}, materials=[bad]
        )
    assert "只接受 pdf、jpg" in err.value.message
    assert err.value.field == "material:floor_plan"


def test_only_the_assignee_asks_for_a_supplement(staff: Any, case: Case) -> None:
    food = subcase(case, "food_business_permit")
    with pytest.raises(InvalidTransition):
        subcase_request_supplement(
            actor=staff.officer, subcase_id=food.pk, items=[SupplementItemIn("premises.area", "x")]
        )
    subcase_claim(actor=staff.officer, subcase_id=food.pk)
    with pytest.raises(ValidationFailed) as err:
        subcase_request_supplement(
            actor=staff.officer, subcase_id=food.pk, items=[SupplementItemIn("shoe", "x")]
        )
    assert err.value.message == "本办件的表单中没有“shoe”"


def test_a_special_procedure_pauses_until_it_ends(staff: Any, case: Case, monday_morning: Any) -> None:
    food = subcase(case, "food_business_permit")
    subcase_claim(actor=staff.officer2, subcase_id=food.pk)
    with pytest.raises(ValidationFailed):
        subcase_start_special_procedure(actor=staff.officer2, subcase_id=food.pk, procedure="喝茶", reason="")
    with pytest.raises(PermissionDenied):
        subcase_start_special_procedure(actor=staff.officer, subcase_id=food.pk, procedure="检验", reason="")
    subcase_start_special_procedure(
        actor=staff.officer2, subcase_id=food.pk, procedure="检验", reason="送检餐具"
    )
    food.refresh_from_db()
    assert food.status == S.SPECIAL_PROCEDURE
    assert food.promised_due is None
    assert Notification.objects.filter(case=case, kind="special_procedure").exists()
    with time_machine.travel(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        subcase_end_special_procedure(actor=staff.officer2, subcase_id=food.pk, result="检验合格")
    food.refresh_from_db()
    assert food.status == S.CLAIMED
    # Paused Mon 2 → Mon 9: Tue 3 – Fri 6 did not count (4 working days).
    assert food.promised_due == dt.date(2026, 3, 13)
