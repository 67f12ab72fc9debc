"""Acceptance at the window or online: first handlers, the clock, the window classes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from onego.cases.models import Case
from onego.cases.services.acceptance import case_accept, case_refuse, subcase_accept_registered
from onego.cases.services.decisions import subcase_claim, subcase_decide_at_window
from onego.cases.workflow import CaseStatus, InvalidTransition, SubCaseStatus
from onego.catalog.models import Department
from onego.core.errors import NotFound, PermissionDenied
from onego.ledger.models import LedgerEntry
from tests.cases.factories import full_form, subcase, submit

pytestmark = pytest.mark.django_db
S = SubCaseStatus


def accepted(staff: Any, *, at_counter: bool = True, **kw: Any) -> Case:
    case = submit(staff.clerk, **kw).case
    return case_accept(actor=staff.clerk, case_id=case.pk, at_counter=at_counter)


def test_acceptance_records_the_first_handlers_and_starts_the_clock(staff: Any) -> None:
    case = accepted(staff)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.accepted_by == staff.clerk
    assert case.accepting_department == Department.objects.get(code="nm-zwfw")
    assert case.lead_department == Department.objects.get(code="nm-scjg")
    assert case.clock_started_on == dt.date(2026, 3, 2)
    # The package promises 8 working days; the legal limit is the longest chain of legal limits (3 + 20).
    assert (case.promised_days, case.legal_days) == (8, 23)
    assert case.promised_due == dt.date(2026, 3, 12)
    assert not case.deadline_provisional
    assert [t.action for t in case.transitions.order_by("at")][-2:] == ["accept", "distribute"]
    assert LedgerEntry.objects.filter(kind="case.decision", case_ref=str(case.pk)).count() == 1


def test_one_sub_case_per_applicable_item_and_partner_step(staff: Any) -> None:
    case = accepted(staff)
    rows = {
        s.code: (s.kind, s.status, s.department.code if s.department else None) for s in case.subcases.all()
    }
    assert rows == {
        "business_licence": ("item", S.PENDING, "nm-scjg"),
        "quick_filing": ("item", S.PENDING, "nm-scjg"),
        "food_business_permit": ("item", S.WAITING, "nm-scjg"),
        "fire_safety_inspection": ("item", S.WAITING, "gy-xf"),
        "bank_account": ("partner", S.WAITING, None),
    }
    licence = subcase(case, "business_licence")
    assert licence.clock_started_on == dt.date(2026, 3, 2)
    assert licence.promised_due == dt.date(2026, 3, 3)


def test_only_a_clerk_of_the_region_accepts(staff: Any) -> None:
    case = submit(staff.clerk).case
    with pytest.raises(PermissionDenied) as err:
        case_accept(actor=staff.supervisor, case_id=case.pk)
    assert "综合窗口受理员" in err.value.message
    # A clerk of another city cannot even see it.
    with pytest.raises(NotFound):
        case_accept(actor=staff.other_clerk, case_id=case.pk)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.PRE_REVIEWED


def test_a_case_with_a_pending_notice_cannot_be_accepted(staff: Any) -> None:
    form = full_form()
    del form["enterprise.name"]
    case = submit(staff.clerk, form_data=form).case
    with pytest.raises(InvalidTransition) as err:
        case_accept(actor=staff.clerk, case_id=case.pk)
    assert err.value.message == "申请材料尚未补齐（一次性告知书第1号），补齐前不能受理"


def test_refusal_is_in_writing(staff: Any) -> None:
    case = submit(staff.clerk).case
    case = case_refuse(actor=staff.clerk, case_id=case.pk, reason="不属于本机关职权范围")
    assert case.status == CaseStatus.NOT_ACCEPTED
    assert case.transitions.get(action="refuse").reason == "不属于本机关职权范围"
    with pytest.raises(InvalidTransition):
        case_accept(actor=staff.clerk, case_id=case.pk)


def test_class_one_is_decided_at_the_window_by_the_accepting_clerk(staff: Any) -> None:
    case = accepted(staff, at_counter=True)
    licence = subcase(case, "business_licence")
    subcase_decide_at_window(
        actor=staff.clerk, subcase_id=licence.pk, approve=True, opinion="材料齐全，当场办结"
    )
    licence.refresh_from_db()
    assert licence.status == S.APPROVED
    assert licence.decided_by == staff.clerk
    assert licence.decided_by_label == "clerk（南明区政务服务中心）"
    # Its dependants start at once.
    assert subcase(case, "food_business_permit").status == S.PENDING


def test_class_one_accepted_online_goes_to_the_back_office(staff: Any) -> None:
    case = accepted(staff, at_counter=False)
    licence = subcase(case, "business_licence")
    with pytest.raises(PermissionDenied) as err:
        subcase_decide_at_window(actor=staff.clerk, subcase_id=licence.pk, approve=True)
    assert "窗口受理" in err.value.message


def test_class_two_is_not_decided_at_the_window(staff: Any) -> None:
    case = accepted(staff)
    quick = subcase(case, "quick_filing")
    with pytest.raises(PermissionDenied) as err:
        subcase_decide_at_window(actor=staff.clerk, subcase_id=quick.pk, approve=True)
    assert err.value.message == "“经营备案（秒批）”不是一类事项，须由南明区市场监督管理局办理"


def test_class_three_is_registered_and_accepted_by_its_department(staff: Any) -> None:
    case = accepted(staff)
    subcase_decide_at_window(actor=staff.clerk, subcase_id=subcase(case, "business_licence").pk, approve=True)
    fire = subcase(case, "fire_safety_inspection")
    assert fire.status == S.REGISTERED
    assert fire.clock_started_on is None
    assert fire.promised_due is None
    with pytest.raises(InvalidTransition):
        subcase_claim(actor=staff.fire, subcase_id=fire.pk)
    subcase_accept_registered(actor=staff.fire, subcase_id=fire.pk)
    fire.refresh_from_db()
    assert fire.status == S.PENDING
    assert fire.clock_started_on == dt.date(2026, 3, 2)
    assert fire.promised_due == dt.date(2026, 3, 11)  # 7 working days
