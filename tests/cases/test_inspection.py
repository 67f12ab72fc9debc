"""联合踏勘: one appointment for every inspecting department, each department's findings, no
approval before them, and the clock paused where the item's guide excludes inspection time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from onego.cases.models import (
    Case,
    ClockPause,
    InspectionStatus,
    JointInspection,
    Notification,
    SubCaseTransition,
)
from onego.cases.services.acceptance import case_accept, subcase_accept_registered
from onego.cases.services.decisions import subcase_approve, subcase_claim, subcase_reject
from onego.cases.services.inspection import (
    FindingIn,
    inspection_cancel,
    inspection_record_findings,
    inspection_schedule,
    inspection_time_excluded,
)
from onego.cases.workflow import InvalidTransition, SubCaseStatus
from onego.catalog.services import catalog_import
from onego.core import clock
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.builders import write_folder
from tests.cases.conftest import MONDAY, Staff
from tests.cases.factories import cases_catalog, cases_package, subcase, submit

pytestmark = pytest.mark.django_db
S = SubCaseStatus
WEDNESDAY_10 = MONDAY.replace(day=4, hour=10, minute=0)


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def staff(db: None, tmp_path: Path) -> Staff:
    # Two inspecting items in two departments; the fire check's guide excludes inspection time.
    doc = cases_catalog()
    fire = next(i for i in doc["items"] if i["code"] == "fire_safety_inspection")
    fire.update(site_inspection=True, special_procedures="现场核查时间不计入办理时限")
    catalog_import(path=write_folder(tmp_path / "inspection-catalog", doc, [cases_package()]))
    return Staff()


@pytest.fixture
def case(staff: Staff) -> Case:
    """Accepted, business licence approved: food permit pending, fire check accepted by its department."""
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    subcase_approve(actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion="准予")
    subcase_accept_registered(actor=staff.fire, subcase_id=subcase(case, "fire_safety_inspection").pk)
    return case


def schedule(staff: Staff, case: Case, when: dt.datetime = WEDNESDAY_10) -> JointInspection:
    return inspection_schedule(
        actor=staff.officer2, case_id=case.pk, when=when, place="南明区花果园 3 栋 1 层"
    )


def finding(department: str, text: str = "现场符合要求", conclusion: str = "pass") -> FindingIn:
    return FindingIn(department=department, findings=text, conclusion=conclusion)


def test_inspection_time_is_excluded_only_where_the_guide_says_so() -> None:
    assert inspection_time_excluded("现场核查时间不计入办理时限")
    assert inspection_time_excluded("办法规定15日内作出决定；现场核查及水质检测时间不计入")
    assert inspection_time_excluded("联合踏勘时间不计入审批时限")
    assert not inspection_time_excluded("不采用告知承诺方式的，在10个工作日内完成现场检查并作出决定")
    assert not inspection_time_excluded("专家评审时间不计入办理时限；现场检查在5日内完成")
    assert not inspection_time_excluded("")


def test_one_appointment_with_every_inspecting_department(staff: Staff, case: Case) -> None:
    inspection = schedule(staff, case)
    parts = {p.subcase.code: p.department.code for p in inspection.participants.all()}  # type: ignore[union-attr]
    assert parts == {"food_business_permit": "nm-scjg", "fire_safety_inspection": "gy-xf"}
    assert inspection.lead_department.code == "nm-scjg"  # type: ignore[union-attr]
    assert inspection.status == InspectionStatus.SCHEDULED
    # The applicant hears once, with every department; each department and the lead officer are told.
    to_applicant = Notification.objects.filter(case=case, kind="inspection_scheduled", to_applicant=True)
    assert sorted(to_applicant.values_list("channel", flat=True)) == ["email", "sms"]
    body = to_applicant.first().body  # type: ignore[union-attr]
    assert "2026年03月04日 10:00" in body
    assert "贵阳市消防救援支队、南明区市场监督管理局一同到场" in body
    staff_told = set(
        Notification.objects.filter(case=case, kind="inspection_scheduled", to_applicant=False).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"officer", "officer2", "lead", "fire"} <= staff_told
    for code in ("food_business_permit", "fire_safety_inspection"):
        assert SubCaseTransition.objects.filter(
            subcase=subcase(case, code), action="inspection_scheduled"
        ).exists()
    assert case.transitions.filter(action="inspection_scheduled").count() == 1
    with pytest.raises(Conflict) as err:
        schedule(staff, case)
    assert err.value.message.startswith("本办件已安排联合踏勘（2026年03月04日 10:00，")


def test_approval_is_refused_before_the_findings_but_a_rejection_is_not(staff: Staff, case: Case) -> None:
    food = subcase(case, "food_business_permit")
    subcase_claim(actor=staff.officer2, subcase_id=food.pk)
    with pytest.raises(InvalidTransition) as err:
        subcase_approve(actor=staff.officer2, subcase_id=food.pk)
    assert (
        err.value.message
        == "“食品经营许可（新办）”需要现场踏勘，请先安排联合踏勘并记录踏勘意见，再作出准予决定"
    )
    assert err.value.field == "inspection"
    schedule(staff, case)
    with pytest.raises(InvalidTransition) as err2:
        subcase_approve(actor=staff.officer2, subcase_id=food.pk)
    assert err2.value.message == (
        "“食品经营许可（新办）”的联合踏勘（2026年03月04日 10:00，南明区花果园 3 栋 1 层）尚未完成踏勘意见记录，暂不能准予"
    )
    assert subcase(case, "food_business_permit").status == S.CLAIMED
    fire = subcase(case, "fire_safety_inspection")
    subcase_claim(actor=staff.fire, subcase_id=fire.pk)
    subcase_reject(actor=staff.fire, subcase_id=fire.pk, opinion="未提交消防设计文件")  # on paper: allowed
    assert subcase(case, "fire_safety_inspection").status == S.REJECTED


def test_each_department_records_its_own_findings_then_the_sub_cases_are_decidable(
    staff: Staff, case: Case, monday_morning: Any
) -> None:
    inspection = schedule(staff, case)
    with pytest.raises(InvalidTransition) as early:
        inspection_record_findings(actor=staff.fire, inspection_id=inspection.pk, findings=[finding("gy-xf")])
    assert "尚未进行，不能提前记录踏勘意见" in early.value.message
    monday_morning.move_to(WEDNESDAY_10 + dt.timedelta(hours=1))
    with pytest.raises(PermissionDenied) as other:
        inspection_record_findings(
            actor=staff.fire, inspection_id=inspection.pk, findings=[finding("nm-scjg")]
        )
    assert other.value.message == "只能记录本部门的踏勘意见：南明区市场监督管理局的意见由该部门记录"
    with pytest.raises(ValidationFailed):
        inspection_record_findings(actor=staff.fire, inspection_id=inspection.pk, findings=[finding("gz-yc")])
    with pytest.raises(ValidationFailed):
        inspection_record_findings(
            actor=staff.fire, inspection_id=inspection.pk, findings=[finding("gy-xf", conclusion="ok")]
        )

    inspection_record_findings(
        actor=staff.fire,
        inspection_id=inspection.pk,
        findings=[finding("gy-xf", "疏散通道宽度不足 1.1 米，整改后符合", "conditional")],
    )
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SCHEDULED  # the market regulator has not recorded yet
    inspection_record_findings(
        actor=staff.officer2, inspection_id=inspection.pk, findings=[finding("nm-scjg", "后厨布局合理")]
    )
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.HELD
    assert inspection.held_at is not None
    notes = {
        t.subcase.code: (t.actor_label, t.reason)
        for t in SubCaseTransition.objects.filter(case=case, action="inspection_findings").select_related(
            "subcase"
        )
    }
    assert notes == {
        "food_business_permit": (
            "officer2（南明区市场监督管理局）",
            "联合踏勘意见（南明区市场监督管理局）：符合要求。后厨布局合理",
        ),
        "fire_safety_inspection": (
            "fire（贵阳市消防救援支队）",
            "联合踏勘意见（贵阳市消防救援支队）：整改后符合。疏散通道宽度不足 1.1 米，整改后符合",
        ),
    }
    assert case.transitions.filter(action="inspection_held").count() == 1
    assert Notification.objects.filter(case=case, kind="inspection_held", recipient=staff.fire).exists()
    with pytest.raises(InvalidTransition):
        inspection_record_findings(actor=staff.fire, inspection_id=inspection.pk, findings=[finding("gy-xf")])

    for code, officer in (("food_business_permit", staff.officer2), ("fire_safety_inspection", staff.fire)):
        subcase_claim(actor=officer, subcase_id=subcase(case, code).pk)
        subcase_approve(actor=officer, subcase_id=subcase(case, code).pk, opinion="踏勘合格，准予")
        assert subcase(case, code).status == S.APPROVED


def test_the_clock_stops_for_inspection_time_where_the_guide_excludes_it(
    staff: Staff, case: Case, monday_morning: Any
) -> None:
    fire_before = subcase(case, "fire_safety_inspection")
    food_before = subcase(case, "food_business_permit")
    assert fire_before.promised_due == dt.date(2026, 3, 11)  # 7 working days from Monday 2 March
    inspection = schedule(staff, case)
    parts = {p.subcase.code: p.pauses_clock for p in inspection.participants.all()}
    assert parts == {"fire_safety_inspection": True, "food_business_permit": False}
    assert subcase(case, "fire_safety_inspection").promised_due is None  # paused
    assert subcase(case, "food_business_permit").promised_due == food_before.promised_due
    case.refresh_from_db()
    assert case.promised_due is None  # the case clock stops with it
    assert (
        "踏勘时间不计入办理时限"
        in Notification.objects.filter(kind="inspection_scheduled", to_applicant=True)[0].body
    )

    monday_morning.move_to(WEDNESDAY_10 + dt.timedelta(hours=2))
    inspection_record_findings(actor=staff.fire, inspection_id=inspection.pk, findings=[finding("gy-xf")])
    inspection_record_findings(
        actor=staff.officer2, inspection_id=inspection.pk, findings=[finding("nm-scjg")]
    )
    pause = ClockPause.objects.get(subcase=fire_before, kind="site_inspection")
    assert (pause.started_on, pause.ended_on) == (dt.date(2026, 3, 2), dt.date(2026, 3, 4))
    # Paused [Mon 2, Wed 4): Monday is day 0 anyway, so Tuesday is the one working day not counted.
    assert subcase(case, "fire_safety_inspection").promised_due == dt.date(2026, 3, 12)
    case.refresh_from_db()
    assert case.promised_due is not None


def test_an_inspection_under_way_is_recorded_as_it_happens_and_the_clock_resumes(
    staff: Staff, case: Case, monday_morning: Any
) -> None:
    fire_before = subcase(case, "fire_safety_inspection")
    assert fire_before.promised_due == dt.date(2026, 3, 11)
    started = MONDAY - dt.timedelta(minutes=45)  # the officers are on site since 08:45 today
    inspection = schedule(staff, case, started)
    assert inspection.scheduled_for == started
    assert subcase(case, "fire_safety_inspection").promised_due is None  # paused while it happens
    sent = Notification.objects.get(kind="inspection_scheduled", to_applicant=True, channel="sms")
    assert "于2026年03月02日 08:45在南明区花果园" in sent.body
    assert "请安排人员到场" not in sent.body
    # Findings at once, not "not yet held".
    inspection_record_findings(actor=staff.fire, inspection_id=inspection.pk, findings=[finding("gy-xf")])
    inspection_record_findings(
        actor=staff.officer2, inspection_id=inspection.pk, findings=[finding("nm-scjg", "整改到位")]
    )
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.HELD
    pause = ClockPause.objects.get(subcase=fire_before, kind="site_inspection")
    assert (pause.started_on, pause.ended_on) == (dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    # Paused and resumed the same day: no working day excluded, the promised date is the original one.
    assert subcase(case, "fire_safety_inspection").promised_due == dt.date(2026, 3, 11)
    case.refresh_from_db()
    assert case.promised_due is not None
    subcase_claim(actor=staff.fire, subcase_id=fire_before.pk)
    subcase_approve(actor=staff.fire, subcase_id=fire_before.pk, opinion="踏勘合格，准予")  # decidable now


def test_cancelling_ends_the_pause_and_allows_a_new_appointment(staff: Staff, case: Case) -> None:
    first = schedule(staff, case)
    with pytest.raises(ValidationFailed):
        inspection_cancel(actor=staff.officer2, inspection_id=first.pk, reason=" ")
    inspection_cancel(actor=staff.officer2, inspection_id=first.pk, reason="申请人要求改期")
    first.refresh_from_db()
    assert first.status == InspectionStatus.CANCELLED
    assert ClockPause.objects.get(kind="site_inspection").ended_on == clock.today()
    assert subcase(case, "fire_safety_inspection").promised_due == dt.date(2026, 3, 11)
    assert Notification.objects.filter(case=case, kind="inspection_cancelled", to_applicant=True).exists()
    second = schedule(staff, case, WEDNESDAY_10 + dt.timedelta(days=1))
    assert second.status == InspectionStatus.SCHEDULED
    with pytest.raises(InvalidTransition):
        inspection_cancel(actor=staff.officer2, inspection_id=first.pk, reason="again")


def test_who_may_schedule_and_what_is_refused(staff: Staff, case: Case) -> None:
    with pytest.raises(NotFound):
        inspection_schedule(actor=staff.other_clerk, case_id=case.pk, when=WEDNESDAY_10, place="x")
    with pytest.raises(PermissionDenied):
        inspection_schedule(actor=staff.clerk, case_id=case.pk, when=WEDNESDAY_10, place="x")
    with pytest.raises(ValidationFailed):
        inspection_schedule(actor=staff.officer2, case_id=case.pk, when=WEDNESDAY_10, place="  ")
    with pytest.raises(ValidationFailed) as past:
        inspection_schedule(
            actor=staff.officer2, case_id=case.pk, when=MONDAY - dt.timedelta(days=1), place="花果园"
        )
    assert past.value.message.startswith("踏勘时间不能早于今天")
    # The fire department (a participant, not the lead) may organise it too.
    assert inspection_schedule(actor=staff.fire, case_id=case.pk, when=WEDNESDAY_10, place="花果园").pk
    with pytest.raises(NotFound):
        inspection_record_findings(actor=staff.fire, inspection_id="not-a-uuid", findings=[finding("gy-xf")])


def test_nothing_to_inspect_once_those_items_are_decided(staff: Staff, case: Case) -> None:
    for code, officer in (("food_business_permit", staff.officer2), ("fire_safety_inspection", staff.fire)):
        subcase_claim(actor=officer, subcase_id=subcase(case, code).pk)
        subcase_reject(actor=officer, subcase_id=subcase(case, code).pk, opinion="材料不符合要求")
    with pytest.raises(ValidationFailed) as err:
        schedule(staff, case)
    assert err.value.message == "本办件没有需要现场踏勘的在办事项"
