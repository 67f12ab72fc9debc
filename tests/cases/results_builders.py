"""Builders for results tests: a case decided item by item, issued, and its results produced."""

from __future__ import annotations

from typing import Any

from onego.accounts.models import Role
from onego.cases.models import Case, Conclusion
from onego.cases.services.acceptance import case_accept, subcase_accept_registered
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.decisions import subcase_approve, subcase_claim, subcase_reject
from onego.cases.services.submission import ApplicantIn
from tests.cases.factories import ENTERPRISE_USCC, hold_inspection, make_staff, run_tasks, subcase, submit

ENTERPRISE_NAME = "南明区好味道餐饮有限公司"


class ResultsStaff:
    def __init__(self) -> None:
        self.clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
        self.officer = make_staff("officer", "nm-scjg", Role.OFFICER)
        self.officer2 = make_staff("officer2", "nm-scjg", Role.OFFICER)
        self.lead = make_staff("lead", "nm-scjg", Role.LEAD_OFFICER)
        self.fire = make_staff("fire", "gy-xf", Role.OFFICER)


def accepted_case(staff: ResultsStaff, *, enterprise: bool = True, key: str = "results-0001") -> Case:
    extra: dict[str, Any] = {}
    if enterprise:
        extra["applicant"] = ApplicantIn(kind="enterprise", identifier=ENTERPRISE_USCC, name=ENTERPRISE_NAME)
    return case_accept(actor=staff.clerk, case_id=submit(staff.clerk, key=key, **extra).case.pk)


def decide(case: Case, code: str, officer: Any, *, approve: bool = True) -> None:
    sc = subcase(case, code)
    if sc.status == "registered":
        subcase_accept_registered(actor=officer, subcase_id=sc.pk)
    if not sc.sole_approver:
        subcase_claim(actor=officer, subcase_id=sc.pk)
    if approve and sc.site_inspection:
        assert sc.department is not None
        hold_inspection(case, {sc.department.code: officer})
    if approve:
        subcase_approve(actor=officer, subcase_id=sc.pk, opinion=f"{sc.name}：符合条件，准予")
    else:
        subcase_reject(actor=officer, subcase_id=sc.pk, opinion=f"{sc.name}：材料不符合要求，不予")


def decide_all(staff: ResultsStaff, case: Case, *, reject: tuple[str, ...] = ()) -> None:
    if "business_licence" in reject:
        decide(case, "business_licence", staff.officer, approve=False)
        decide(case, "quick_filing", staff.officer, approve="quick_filing" not in reject)
        return
    decide(case, "business_licence", staff.officer)
    decide(case, "quick_filing", staff.officer, approve="quick_filing" not in reject)
    decide(case, "food_business_permit", staff.officer2, approve="food_business_permit" not in reject)
    decide(case, "fire_safety_inspection", staff.fire, approve="fire_safety_inspection" not in reject)


def concluded(
    staff: ResultsStaff,
    *,
    enterprise: bool = True,
    reject: tuple[str, ...] = (),
    produce: bool = True,
    key: str = "results-0001",
) -> Conclusion:
    """A case decided, its conclusion issued and (unless produce=False) its queued tasks run."""
    case = accepted_case(staff, enterprise=enterprise, key=key)
    decide_all(staff, case, reject=reject)
    conclusion = case_issue_conclusion(actor=staff.lead, case_id=case.pk, summary="")
    if produce:
        run_tasks()
        conclusion.refresh_from_db()
    return conclusion
