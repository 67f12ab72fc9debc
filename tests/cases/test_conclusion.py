"""The join and the one conclusion issued by the lead department."""

from __future__ import annotations

from typing import Any

import pytest

from onego.cases.models import Case, CaseTransition, Conclusion, Notification
from onego.cases.services.acceptance import case_accept, subcase_accept_registered
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.decisions import subcase_approve, subcase_claim, subcase_reject
from onego.cases.workflow import CaseStatus, InvalidTransition, Outcome
from onego.core.errors import PermissionDenied
from onego.ledger.models import LedgerEntry
from tests.cases.factories import hold_inspection, subcase, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(staff: Any) -> Case:
    return case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)


def decide(staff: Any, case: Case, code: str, officer: Any, *, approve: bool = True) -> None:
    sc = subcase(case, code)
    if sc.status == "registered":
        subcase_accept_registered(actor=officer, subcase_id=sc.pk)
    if not sc.sole_approver:
        subcase_claim(actor=officer, subcase_id=sc.pk)
    if approve and sc.site_inspection:
        hold_inspection(case, {sc.department.code: officer})
    if approve:
        subcase_approve(actor=officer, subcase_id=sc.pk, opinion=f"{code} 同意")
    else:
        subcase_reject(actor=officer, subcase_id=sc.pk, opinion=f"{code} 不符合条件")


def decide_all(staff: Any, case: Case, *, reject: str = "") -> None:
    decide(staff, case, "business_licence", staff.officer)
    decide(staff, case, "quick_filing", staff.officer)
    decide(staff, case, "food_business_permit", staff.officer2, approve=reject != "food_business_permit")
    decide(staff, case, "fire_safety_inspection", staff.fire, approve=reject != "fire_safety_inspection")


def test_the_join_waits_for_the_last_item_then_prepares_one_conclusion(staff: Any, case: Case) -> None:
    decide(staff, case, "business_licence", staff.officer)
    decide(staff, case, "quick_filing", staff.officer)
    decide(staff, case, "food_business_permit", staff.officer2)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert not Conclusion.objects.filter(case=case).exists()
    decide(staff, case, "fire_safety_inspection", staff.fire)
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_TO_CONCLUDE
    conclusion = Conclusion.objects.get(case=case)
    assert conclusion.outcome == Outcome.APPROVED
    assert [o["code"] for o in conclusion.opinions] == [
        "business_licence",
        "quick_filing",
        "fire_safety_inspection",
        "food_business_permit",
    ]
    assert CaseTransition.objects.filter(case=case, action="join").count() == 1
    # The lead department is told it can issue the conclusion.
    assert Notification.objects.filter(case=case, kind="ready_to_conclude", recipient=staff.lead).exists()


def test_the_partner_step_does_not_hold_up_the_conclusion(staff: Any, case: Case) -> None:
    decide_all(staff, case)
    assert subcase(case, "bank_account").status == "pending"
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_TO_CONCLUDE


def test_some_rejected_is_partly_approved(staff: Any, case: Case) -> None:
    decide_all(staff, case, reject="fire_safety_inspection")
    assert Conclusion.objects.get(case=case).outcome == Outcome.PARTLY_APPROVED


def test_a_rejected_first_item_cancels_the_rest_and_concludes_as_rejected(staff: Any, case: Case) -> None:
    decide(staff, case, "business_licence", staff.officer, approve=False)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS  # quick_filing is still open
    decide(staff, case, "quick_filing", staff.officer, approve=False)
    conclusion = Conclusion.objects.get(case=case)
    assert conclusion.outcome == Outcome.REJECTED
    statuses = {o["code"]: o["status"] for o in conclusion.opinions}
    assert statuses["food_business_permit"] == "cancelled"


def test_only_the_lead_department_issues_the_conclusion(staff: Any, case: Case) -> None:
    decide_all(staff, case)
    for someone in (staff.officer, staff.fire, staff.clerk):
        with pytest.raises(PermissionDenied) as err:
            case_issue_conclusion(actor=someone, case_id=case.pk)
        assert err.value.message == "结论由牵头部门（南明区市场监督管理局）负责人出具"


def test_issuing_concludes_the_case_with_every_opinion(staff: Any, case: Case) -> None:
    decide_all(staff, case, reject="fire_safety_inspection")
    conclusion = case_issue_conclusion(actor=staff.lead, case_id=case.pk, summary="部分准予，消防检查未通过")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED
    assert case.concluded_at is not None
    assert conclusion.issued_by == staff.lead
    assert conclusion.results_status == "pending"  # results (licences, PDF) are not produced yet
    opinions = {o["code"]: o["opinion"] for o in conclusion.opinions}
    assert opinions["fire_safety_inspection"] == "fire_safety_inspection 不符合条件"
    message = Notification.objects.filter(case=case, kind="concluded", channel="sms").get()
    assert "部分准予" in message.subject
    assert "fire_safety_inspection 不符合条件" in message.body
    entry = LedgerEntry.objects.get(subject_ref=f"conclusion:{conclusion.pk}")
    assert entry.payload["decision"] == "conclusion.partly_approved"


def test_a_conclusion_cannot_be_issued_early_or_twice(staff: Any, case: Case) -> None:
    with pytest.raises(InvalidTransition) as early:
        case_issue_conclusion(actor=staff.lead, case_id=case.pk)
    assert early.value.message == "还有事项未作出决定，办件当前为“办理中”，暂不能出具结论"
    decide_all(staff, case)
    case_issue_conclusion(actor=staff.lead, case_id=case.pk)
    with pytest.raises(InvalidTransition) as twice:
        case_issue_conclusion(actor=staff.lead, case_id=case.pk)
    assert twice.value.message == "该办件已出具结论，不能重复出具"
    assert Conclusion.objects.filter(case=case).count() == 1


def test_approving_inside_a_concluded_case_is_refused(staff: Any, case: Case) -> None:
    decide_all(staff, case)
    case_issue_conclusion(actor=staff.lead, case_id=case.pk)
    with pytest.raises(InvalidTransition) as err:
        subcase_approve(actor=staff.officer, subcase_id=subcase(case, "quick_filing").pk)
    assert err.value.message == "办件已办结，不能再办理其中的事项"
