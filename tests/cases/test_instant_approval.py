"""秒批 in a case: decided at once over verified data, recorded with its rule and data, reviewable."""

from __future__ import annotations

from typing import Any

import pytest

from onego.cases.models import Case, Conclusion, InstantDecision
from onego.cases.services.acceptance import case_accept
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.decisions import subcase_approve, subcase_review_instant
from onego.cases.workflow import CaseStatus, InvalidTransition, SubCaseStatus
from onego.core.errors import Conflict
from onego.ledger.models import LedgerEntry
from tests.cases.factories import (
    ENTERPRISE_USCC,
    cases_package,
    import_cases_catalog,
    make_staff,
    subcase,
    submit,
)

pytestmark = pytest.mark.django_db
S = SubCaseStatus
VERIFIED = ["enterprise.uscc", "enterprise.name"]  # delivered by a prefill of the case


def accept(staff: Any, **kw: Any) -> Case:
    return case_accept(actor=staff.clerk, case_id=submit(staff.clerk, **kw).case.pk)


def test_verified_data_is_approved_at_acceptance_with_rule_and_data_recorded(
    staff: Any, instant_rule: Any
) -> None:
    case = accept(staff, verified=VERIFIED)
    quick = subcase(case, "quick_filing")
    assert quick.status == S.APPROVED
    assert quick.decided_by is None
    assert quick.decided_by_label == "秒批规则 quick_filing.v1"
    decision = InstantDecision.objects.get(subcase=quick)
    assert decision.approved
    assert decision.rule_code == "quick_filing.v1"
    # Neither element is marked sensitive in the catalog (a USCC is public), so both show as read.
    assert decision.shown_inputs == {
        "enterprise.uscc": ENTERPRISE_USCC,
        "enterprise.name": "南明区好味道餐饮有限公司",
    }
    # The marks are the server's: the prefill run of this case that delivered both values.
    assert set(decision.sources) == set(VERIFIED)
    assert all(mark.startswith("prefill:") for mark in decision.sources.values())
    assert decision.reasons == ["满足：统一社会信用代码有效", "满足：名称已登记"]
    entry = LedgerEntry.objects.get(subject_ref=f"subcase:{quick.pk}")
    assert entry.actor == "rule:quick_filing.v1"
    assert entry.payload["rule"] == "quick_filing.v1"


def test_unverified_data_goes_to_an_officer_with_the_reason(staff: Any, instant_rule: Any) -> None:
    case = accept(staff)
    quick = subcase(case, "quick_filing")
    assert quick.status == S.PENDING
    assert quick.transitions.get(action="instant_referred").reason.startswith("数据未经共享核验，转人工办理")
    assert not InstantDecision.objects.get(subcase=quick).approved


def test_an_eligible_item_without_a_declared_rule_is_handled_by_hand(staff: Any) -> None:
    case = accept(staff, verified=VERIFIED)
    quick = subcase(case, "quick_filing")
    assert quick.status == S.PENDING
    assert (
        quick.transitions.get(action="instant_referred").reason
        == "该事项可秒批，但尚未声明秒批规则，转人工办理"
    )


def test_an_officer_upholds_an_instant_decision(staff: Any, instant_rule: Any) -> None:
    case = accept(staff, verified=VERIFIED)
    quick = subcase(case, "quick_filing")
    decision = subcase_review_instant(
        actor=staff.officer, subcase_id=quick.pk, uphold=True, opinion="核对无误"
    )
    assert decision.review_verdict == "upheld"
    assert decision.reviewed_by == staff.officer
    with pytest.raises(Conflict):
        subcase_review_instant(actor=staff.officer, subcase_id=quick.pk, uphold=True, opinion="再看一次")


def test_overturning_reopens_the_item_and_withdraws_a_prepared_conclusion(
    tmp_path: Any, db: None, instant_rule: Any
) -> None:
    # A package of the instant item alone: the join fires at acceptance.
    import_cases_catalog(
        tmp_path,
        [
            cases_package(
                items=[{"item": "quick_filing", "binding": "bound"}],
                partner_steps=[],
                questions=[],
                scenarios=[],
            )
        ],
    )
    clerk = make_staff("clerk", "nm-zwfw", "clerk")
    officer = make_staff("officer", "nm-scjg", "officer")
    case = case_accept(
        actor=clerk,
        case_id=submit(
            clerk,
            answers={},
            form_data={"enterprise.name": "南明区好味道餐饮有限公司", "enterprise.uscc": ENTERPRISE_USCC},
            materials=[],
            verified=VERIFIED,
        ).case.pk,
    )
    assert case.status == CaseStatus.READY_TO_CONCLUDE
    quick = subcase(case, "quick_filing")
    subcase_review_instant(actor=officer, subcase_id=quick.pk, uphold=False, opinion="名称疑似重名，人工核实")
    case.refresh_from_db()
    quick.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert not Conclusion.objects.filter(case=case).exists()
    assert quick.status == S.CLAIMED
    assert quick.assignee == officer
    subcase_approve(actor=officer, subcase_id=quick.pk, opinion="核实无误")
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_TO_CONCLUDE


def test_overturning_after_the_conclusion_is_refused(tmp_path: Any, db: None, instant_rule: Any) -> None:
    import_cases_catalog(
        tmp_path,
        [
            cases_package(
                items=[{"item": "quick_filing", "binding": "bound"}],
                partner_steps=[],
                questions=[],
                scenarios=[],
            )
        ],
    )
    clerk = make_staff("clerk", "nm-zwfw", "clerk")
    lead = make_staff("lead", "nm-scjg", "lead_officer")
    form = {"enterprise.name": "南明区好味道餐饮有限公司", "enterprise.uscc": ENTERPRISE_USCC}
    case = case_accept(
        actor=clerk,
        case_id=submit(clerk, answers={}, form_data=form, materials=[], verified=VERIFIED).case.pk,
    )
    case_issue_conclusion(actor=lead, case_id=case.pk)
    with pytest.raises(InvalidTransition) as err:
        subcase_review_instant(
            actor=lead, subcase_id=subcase(case, "quick_filing").pk, uphold=False, opinion="有误"
        )
    assert err.value.message == "办件已办结，秒批决定不能在此撤回，请依法定程序撤销"
