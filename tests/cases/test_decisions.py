"""Department work: claim, decide, sole approvers, prerequisites, reassignment, refusals with reasons."""

from __future__ import annotations

from typing import Any

import pytest

from onego.cases.access import access_subcase_for_officer
from onego.cases.models import Case, SubCaseTransition
from onego.cases.services.acceptance import case_accept, subcase_accept_registered
from onego.cases.services.decisions import (
    subcase_approve,
    subcase_claim,
    subcase_reassign,
    subcase_reject,
)
from onego.cases.workflow import CaseStatus, InvalidTransition, SubCaseStatus
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.ledger.models import LedgerEntry
from tests.cases.factories import subcase, submit

pytestmark = pytest.mark.django_db
S = SubCaseStatus


@pytest.fixture
def case(staff: Any) -> Case:
    return case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)


def approve_licence(staff: Any, case: Case) -> None:
    # business_licence is a sole-approver item: one officer decides it in one step.
    subcase_approve(
        actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion="准予设立登记"
    )


def test_a_sole_approver_decides_in_one_step(staff: Any, case: Case) -> None:
    approve_licence(staff, case)
    licence = subcase(case, "business_licence")
    assert licence.status == S.APPROVED
    assert licence.assignee == staff.officer == licence.decided_by
    row = SubCaseTransition.objects.get(subcase=licence, action="sole_approve")
    assert (row.from_status, row.to_status, row.reason) == ("pending", "approved", "准予设立登记")
    entry = LedgerEntry.objects.filter(kind="case.decision", subject_ref=f"subcase:{licence.pk}").get()
    assert entry.actor == "dept:nm-scjg/user:officer"
    assert entry.payload["decision"] == "subcase.approved"
    assert "opinion_sm3" in entry.payload


def test_other_items_are_claimed_before_they_are_decided(staff: Any, case: Case) -> None:
    quick = subcase(case, "quick_filing")
    with pytest.raises(InvalidTransition) as err:
        subcase_approve(actor=staff.officer, subcase_id=quick.pk)
    assert err.value.message == "请先认领“经营备案（秒批）”，再作出决定"
    subcase_claim(actor=staff.officer, subcase_id=quick.pk)
    with pytest.raises(Conflict) as err2:
        subcase_approve(actor=staff.officer2, subcase_id=quick.pk)
    assert err2.value.message == "“经营备案（秒批）”已由officer认领办理"
    subcase_approve(actor=staff.officer, subcase_id=quick.pk, opinion="同意备案")
    assert subcase(case, "quick_filing").status == S.APPROVED


def test_claiming_twice_is_harmless_for_the_same_officer_and_a_conflict_for_another(
    staff: Any, case: Case
) -> None:
    quick = subcase(case, "quick_filing")
    subcase_claim(actor=staff.officer, subcase_id=quick.pk)
    subcase_claim(actor=staff.officer, subcase_id=quick.pk)
    with pytest.raises(Conflict):
        subcase_claim(actor=staff.officer2, subcase_id=quick.pk)


def test_an_approved_prerequisite_releases_what_waits_on_it(staff: Any, case: Case) -> None:
    approve_licence(staff, case)
    food = subcase(case, "food_business_permit")
    assert food.status == S.PENDING
    assert food.clock_started_on is not None
    assert SubCaseTransition.objects.filter(subcase=food, action="distribute").get().reason == (
        "前置事项“营业执照（设立登记）”已准予，自动开始办理"
    )
    assert subcase(case, "bank_account").status == S.PENDING  # the partner step too
    assert subcase(case, "fire_safety_inspection").status == S.REGISTERED  # 三类


def test_a_rejected_prerequisite_cancels_what_waits_on_it_with_the_reason(staff: Any, case: Case) -> None:
    subcase_reject(
        actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion="名称不符合规定"
    )
    for code in ("food_business_permit", "fire_safety_inspection", "bank_account"):
        row = subcase(case, code)
        assert row.status == S.CANCELLED
        assert row.opinion == "前置事项“营业执照（设立登记）”不予，本事项无法办理，已取消"


def test_a_rejection_needs_a_reason(staff: Any, case: Case) -> None:
    with pytest.raises(ValidationFailed) as err:
        subcase_reject(actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion=" ")
    assert err.value.field == "opinion"


def test_deciding_twice_is_refused_with_who_decided(staff: Any, case: Case) -> None:
    approve_licence(staff, case)
    with pytest.raises(InvalidTransition) as err:
        subcase_reject(
            actor=staff.officer2, subcase_id=subcase(case, "business_licence").pk, opinion="不同意"
        )
    assert (
        err.value.message == "“营业执照（设立登记）”已准予（officer（南明区市场监督管理局）），不能重复办理"
    )


def test_officers_act_only_in_their_department(staff: Any, case: Case) -> None:
    approve_licence(staff, case)
    fire = subcase(case, "fire_safety_inspection")
    # The market officer sees the case (a sub-case of theirs is in it) but the fire item is not theirs.
    with pytest.raises(PermissionDenied) as err:
        subcase_accept_registered(actor=staff.officer, subcase_id=fire.pk)
    assert (
        err.value.message
        == "只能办理本部门的子件：“公众聚集场所投入使用营业前消防安全检查”由贵阳市消防救援支队办理"
    )


def test_someone_unrelated_gets_the_same_not_found_as_for_a_missing_sub_case(staff: Any, case: Case) -> None:
    import uuid

    from tests.cases.factories import make_staff

    stranger = make_staff("stranger", "gz-yc", "officer")
    with pytest.raises(NotFound) as mine:
        access_subcase_for_officer(stranger, subcase(case, "quick_filing").pk)
    with pytest.raises(NotFound) as missing:
        access_subcase_for_officer(stranger, uuid.uuid4())
    assert mine.value.message == missing.value.message == "没有找到该子件"


def test_a_stale_version_is_a_conflict(staff: Any, case: Case) -> None:
    quick = subcase(case, "quick_filing")
    subcase_claim(actor=staff.officer, subcase_id=quick.pk, expected_version=quick.version)
    with pytest.raises(Conflict) as err:
        subcase_approve(actor=staff.officer, subcase_id=quick.pk, expected_version=quick.version)
    assert err.value.field == "version"


def test_nothing_can_be_decided_once_the_case_is_concluded(staff: Any, case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CONCLUDED)
    with pytest.raises(InvalidTransition) as err:
        approve_licence(staff, case)
    assert err.value.message == "办件已办结，不能再办理其中的事项"


def test_reassignment_within_the_department(staff: Any, case: Case) -> None:
    quick = subcase(case, "quick_filing")
    subcase_claim(actor=staff.officer, subcase_id=quick.pk)
    with pytest.raises(PermissionDenied):
        subcase_reassign(actor=staff.officer2, subcase_id=quick.pk, to_user=staff.officer2, reason="我来")
    with pytest.raises(ValidationFailed) as err:
        subcase_reassign(actor=staff.officer, subcase_id=quick.pk, to_user=staff.fire, reason="请协办")
    assert err.value.field == "to_user"
    subcase_reassign(actor=staff.officer, subcase_id=quick.pk, to_user=staff.officer2, reason="休假")
    quick.refresh_from_db()
    assert quick.assignee == staff.officer2
    assert quick.status == S.CLAIMED
    assert SubCaseTransition.objects.get(subcase=quick, action="reassign").reason == "转交officer2办理：休假"
    # The lead officer may hand a pending item to someone directly.
    food_case = case
    approve_licence(staff, food_case)
    food = subcase(food_case, "food_business_permit")
    subcase_reassign(actor=staff.lead, subcase_id=food.pk, to_user=staff.officer2, reason="分派")
    food.refresh_from_db()
    assert food.status == S.CLAIMED
    assert food.assignee == staff.officer2


def test_a_partner_reports_its_step_through_the_service(staff: Any, case: Case) -> None:
    from onego.cases.services.decisions import subcase_partner_report

    approve_licence(staff, case)
    bank = subcase(case, "bank_account")
    with pytest.raises(PermissionDenied):
        access_subcase_for_officer(staff.officer, bank.pk)  # officers cannot act for the bank
    subcase_partner_report(partner="icbc-gy", subcase_id=bank.pk, outcome="started", reference="ICBC-001")
    subcase_partner_report(partner="icbc-gy", subcase_id=bank.pk, outcome="done", note="账户已开立")
    again = subcase_partner_report(
        partner="icbc-gy", subcase_id=bank.pk, outcome="done"
    )  # a repeated callback
    assert again.status == S.APPROVED
    assert again.external_ref == "ICBC-001"
    assert [t.action for t in again.transitions.order_by("at")][-2:] == ["partner_started", "partner_done"]
    with pytest.raises(NotFound):
        subcase_partner_report(partner="icbc-gy", subcase_id=subcase(case, "quick_filing").pk, outcome="done")
