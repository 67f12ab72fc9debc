"""Acceptance (受理) at the comprehensive window or online, and the departments' own acceptance.

Any clerk of a region containing the case's region accepts any package (无差别受理). The clerk and
the lead department become the first handlers (首办责任) and stay on the case until its
conclusion. Acceptance starts the case clock (day 0 = today) and distributes the sub-cases.

The window class (窗口分类) of each item decides what the counter does with it:
- 一类: decided at the window by the accepting clerk (`decisions.subcase_decide_at_window`), when the
  case was accepted at the counter; accepted online it goes to the back office like 二类;
- 二类: accepted here, decided in the department's back office;
- 三类: registered here and handed over; the department accepts it itself
  (`subcase_accept_registered`), which starts that sub-case's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onego.accounts.models import Role
from onego.accounts.selectors import Staff, StaffSeat, staff_of
from onego.cases.access import CaseRef, access_case_ref_by_id, access_subcase_ref_for_officer, region_contains
from onego.cases.models import Case, OneTimeNotice
from onego.cases.services.common import (
    check_version,
    ensure_case_running,
    ledger_actor,
    lock_case,
    lock_subcase,
    record_decision,
    text_digest,
)
from onego.cases.services.deadlines import CASE_DEADLINE_FIELDS, set_case_deadlines
from onego.cases.services.distribution import begin_clock, distribute
from onego.cases.services.notify import notify_applicant
from onego.cases.workflow import (
    CaseStatus,
    InvalidTransition,
    SubCaseStatus,
    change_status,
    check_case_transition,
)
from onego.catalog.rules.graph import critical_path
from onego.catalog.selectors import DepartmentResolver
from onego.core import clock
from onego.core.errors import PermissionDenied, ValidationFailed
from onego.core.services import working_calendar
from onego.core.uow import unit_of_work


def _clerk_seat(actor: Any, case: Case | CaseRef, staff: Staff | None = None) -> StaffSeat:
    seats = [
        s
        for s in (staff if staff is not None else staff_of(actor)).seats
        if s.role == Role.CLERK and region_contains(s.region_code, case.region.code)
    ]
    if not seats:
        raise PermissionDenied(f"只有{case.region.name}或其上级的综合窗口受理员可以受理该办件", field="case")
    # The window nearest the applicant's region (the longest code prefix) is the first handler.
    return max(seats, key=lambda s: len(s.region_code.rstrip("0")))


def case_limits(snapshot: Mapping[str, Any]) -> tuple[int, int]:
    """Promised and legal working days of the whole case: the package's promise, else the longest
    prerequisite chain of promised days; the legal limit is the longest chain of legal days."""
    items = [e for e in snapshot["entries"] if e["kind"] == "item"]
    after = {e["code"]: list(e["after"]) for e in items}
    codes = list(after)
    promised_chain, _ = critical_path(codes, after, {e["code"]: e["days"] for e in items})
    legal_chain, _ = critical_path(codes, after, {e["code"]: e["legal_days"] for e in items})
    promised = snapshot.get("timing", {}).get("package_promised_days") or promised_chain
    return int(promised), int(max(legal_chain, promised))


@unit_of_work
def case_accept(
    *, actor: Any, case_id: Any, at_counter: bool = False, expected_version: int | None = None
) -> Case:
    """Accept a pre-reviewed case, record the first handlers, start the clock, distribute."""
    staff = staff_of(actor)
    seen = access_case_ref_by_id(actor, case_id, staff=staff)
    seat = _clerk_seat(actor, seen, staff)
    case = lock_case(seen.pk, related=("region", "package__lead_department_type"))
    check_version(case, expected_version)
    if case.status == CaseStatus.NEEDS_CORRECTION:
        notice = OneTimeNotice.objects.filter(case=case, resolved_at=None).order_by("-number").first()
        number = f"（一次性告知书第{notice.number}号）" if notice else ""
        raise InvalidTransition(f"申请材料尚未补齐{number}，补齐前不能受理", field="status")
    if case.status == CaseStatus.SUBMITTED:
        raise InvalidTransition("办件尚未通过预审，不能受理", field="status")
    check_case_transition(case.status, CaseStatus.ACCEPTED)

    lead_type = case.package.lead_department_type.code
    lead = DepartmentResolver(case.region).resolve(lead_type, "village")
    if lead is None:
        raise ValidationFailed(f"{case.region.name}没有配置牵头部门（{lead_type}），不能受理", field="case")
    calendar = working_calendar()
    today = clock.today()
    now = clock.now()
    case.accepted_at = now
    case.accepted_by = actor
    case.accepted_at_counter = at_counter
    case.accepting_department_id = seat.department_id
    case.lead_department = lead
    case.clock_started_on = today
    case.promised_days, case.legal_days = case_limits(case.snapshot)
    change_status(
        case,
        CaseStatus.ACCEPTED,
        actor=actor,
        label=f"{actor.get_full_name() or actor.get_username()}（{seat.department_name}）",
        action="accept",
        reason=f"{'窗口' if at_counter else '网上'}受理；牵头部门：{lead.name}",
        extra_fields=[
            "accepted_at",
            "accepted_by",
            "accepted_at_counter",
            "accepting_department",
            "lead_department",
            "clock_started_on",
            "promised_days",
            "legal_days",
        ],
    )
    record_decision(
        case=case,
        actor=ledger_actor(actor, seat.department_code),
        subject=f"case:{case.pk}",
        decision="case.accepted",
        payload={"lead_department": lead.code, "at_counter": at_counter},
    )
    # Saved with the status change below; the clock started just now, so it has no pauses yet.
    set_case_deadlines(case, calendar=calendar, no_pauses=True)
    change_status(
        case,
        CaseStatus.IN_PROGRESS,
        actor=None,
        label="系统",
        action="distribute",
        reason="并联分发至各部门",
        extra_fields=CASE_DEADLINE_FIELDS,
    )
    distribute(case, actor=actor, calendar=calendar, today=today)
    due = case.promised_due.isoformat() if case.promised_due else "待定"
    provisional = "（暂定，待国务院公布该年放假安排后确定）" if case.deadline_provisional else ""
    notify_applicant(
        case=case,
        kind="accepted",
        subject="申请已受理",
        body=f"您申请的“{case.package_name}”已受理，承诺办结日为 {due}{provisional}。受理人：{seat.department_name}。",
    )
    return case


@unit_of_work
def case_refuse(*, actor: Any, case_id: Any, reason: str) -> Case:
    """不予受理, in writing with the reason (the applicant is told)."""
    if not reason.strip():
        raise ValidationFailed("不予受理必须说明理由", field="reason")
    staff = staff_of(actor)
    seen = access_case_ref_by_id(actor, case_id, staff=staff)
    seat = _clerk_seat(actor, seen, staff)
    case = lock_case(seen.pk)
    change_status(case, CaseStatus.NOT_ACCEPTED, actor=actor, action="refuse", reason=reason)
    record_decision(
        case=case,
        actor=ledger_actor(actor, seat.department_code),
        subject=f"case:{case.pk}",
        decision="case.not_accepted",
        payload={"reason_sm3": text_digest(reason)},
    )
    notify_applicant(
        case=case, kind="not_accepted", subject="申请不予受理", body=f"您的申请不予受理，理由：{reason}"
    )
    return case


@unit_of_work
def subcase_accept_registered(*, actor: Any, subcase_id: Any, expected_version: int | None = None) -> Any:
    """三类: the department accepts a sub-case registered at the window; its clock starts today."""
    seen = access_subcase_ref_for_officer(actor, subcase_id)
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    ensure_case_running(case)
    check_version(subcase, expected_version)
    if subcase.status != SubCaseStatus.REGISTERED:
        raise InvalidTransition(
            f"只有已登记待部门受理的子件可以受理，当前为“{SubCaseStatus(subcase.status).label}”",
            field="status",
        )
    begin_clock(
        case,
        subcase,
        actor=actor,
        calendar=working_calendar(),
        today=clock.today(),
        reason="部门受理",
        action="department_accept",
    )
    return subcase
