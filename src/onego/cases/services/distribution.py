"""Parallel distribution and what follows every sub-case decision.

- `distribute`: at acceptance, one sub-case per applicable item and partner step of the case's
  compiled package; those without prerequisites start at once (each in its department's inbox),
  the others wait.
- `start_subcase`: a sub-case enters its department's inbox (三类: is registered for the
  department's own acceptance), its clock starts, and an instant-approval item is decided by its
  rule on the spot.
- `apply_decision`: approve/reject a sub-case (the one path for officers, sole approvers, the
  window clerk and rules), record it in the ledger, release or cancel what waits on it, and fire
  the join.

All run inside the caller's transaction with the Case row locked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from onego.cases import instant, sla
from onego.cases.formdata import form_fields, form_values, seal_values, sensitive_elements, shown
from onego.cases.models import Case, InstantDecision, SubCase, SubCaseKind
from onego.cases.results import dispatch_partner_step
from onego.cases.services.common import locked_subcases, record_decision, remember_subcases, text_digest
from onego.cases.services.conclusion import fire_join
from onego.cases.services.deadlines import (
    SUBCASE_DEADLINE_FIELDS,
    schedule_deadline_check,
    set_subcase_deadlines,
)
from onego.cases.services.produced import record_produced_values
from onego.cases.workflow import SubCaseStatus, change_status, record_event, record_events
from onego.catalog.models import Department
from onego.core import clock, fastsql
from onego.core.workdays import WorkingCalendar

S = SubCaseStatus


def distribute(case: Case, *, actor: Any, calendar: WorkingCalendar, today: dt.date) -> list[SubCase]:
    entries = case.snapshot["entries"]
    departments = Department.objects.in_bulk(
        [e["department_code"] for e in entries if e["department_code"]], field_name="code"
    )
    subcases = [
        SubCase(
            case=case,
            code=e["code"],
            name=e["name"],
            kind=SubCaseKind.ITEM if e["kind"] == "item" else SubCaseKind.PARTNER,
            partner_kind=e.get("partner_kind") or "",
            department=departments.get(e["department_code"]) if e["department_code"] else None,
            status=S.WAITING,
            prerequisites=list(e["after"]),
            stage=e["stage"],
            window_class=e.get("window_class") or 2,
            sole_approver=bool(e.get("sole_approver")),
            instant_approval=bool(e.get("instant_approval")),
            site_inspection=bool(e.get("site_inspection")),
            promised_days=e["days"],
            legal_days=e["legal_days"],
        )
        for e in entries
    ]
    fastsql.insert_rows(SubCase, subcases)
    remember_subcases(case, subcases)
    names = {s.code: s.name for s in subcases}
    waiting = [s for s in subcases if s.prerequisites]
    record_events(
        waiting,
        actor=actor,
        action="wait",
        reasons=[
            "等待前置事项{}准予后自动开始".format("、".join(f"“{names.get(p, p)}”" for p in s.prerequisites))
            for s in waiting
        ],
    )
    for subcase in list(subcases):
        # No re-read needed: these rows were inserted by this transaction (so nobody else can hold
        # them), and every step of this action works on these instances (`locked_subcases`).
        if not subcase.prerequisites and subcase.status == S.WAITING:
            start_subcase(case, subcase, actor=actor, calendar=calendar, today=today, reason="受理后并联分发")
    return subcases


def start_subcase(
    case: Case, subcase: SubCase, *, actor: Any, calendar: WorkingCalendar, today: dt.date, reason: str
) -> None:
    if subcase.kind == SubCaseKind.ITEM and subcase.window_class == 3:
        # 三类: registered at the window, the department does its own acceptance (and starts the clock).
        change_status(
            subcase, S.REGISTERED, actor=actor, action="register", reason=f"{reason}；三类事项，转部门受理"
        )
        return
    begin_clock(
        case, subcase, actor=actor, calendar=calendar, today=today, reason=reason, action="distribute"
    )


def begin_clock(
    case: Case,
    subcase: SubCase,
    *,
    actor: Any,
    calendar: WorkingCalendar,
    today: dt.date,
    reason: str,
    action: str,
) -> None:
    """The sub-case enters its inbox today (day 0 of its clock)."""
    fresh_clock = subcase.clock_started_on is None
    # A 即办 item released after working hours starts (and is due) on the next working day.
    at = timezone.localtime(clock.now())
    subcase.clock_started_on = (
        sla.clock_start_day(calendar, at, days=subcase.promised_days) if at.date() == today else today
    )
    # The due dates are stored with the status change, in one UPDATE. A clock that starts for the
    # first time has no pauses yet, so they need not be read.
    set_subcase_deadlines(subcase, calendar=calendar, no_pauses=fresh_clock)
    change_status(
        subcase,
        S.PENDING,
        actor=actor,
        action=action,
        reason=reason,
        extra_fields=["clock_started_on", *SUBCASE_DEADLINE_FIELDS],
    )
    schedule_deadline_check(subcase, calendar=calendar, today=today)
    if subcase.kind == SubCaseKind.PARTNER:
        dispatch_partner_step(subcase=subcase)
    elif subcase.instant_approval:
        run_instant(case, subcase, calendar=calendar, today=today)


def run_instant(
    case: Case, subcase: SubCase, *, calendar: WorkingCalendar, today: dt.date
) -> InstantDecision | None:
    rule = instant.rule_for(subcase.code)
    if rule is None:
        record_event(
            subcase,
            actor=None,
            action="instant_referred",
            reason="该事项可秒批，但尚未声明秒批规则，转人工办理",
            label="系统",
        )
        return None
    result = instant.evaluate(rule, form_values(case), case.verified or {})
    sensitive = sensitive_elements(case.snapshot)
    types = {code: f["type"] for code, f in form_fields(case.snapshot).items()}
    decision = InstantDecision.objects.create(
        subcase=subcase,
        rule_code=rule.code,
        rule_title=rule.title,
        approved=result.approved,
        inputs=seal_values(result.inputs, sensitive),
        shown_inputs={
            k: shown(v, sensitive=k in sensitive, data_type=types.get(k, ""))
            for k, v in result.inputs.items()
        },
        sources=result.sources,
        reasons=result.reasons,
    )
    label = f"秒批规则 {rule.code}"
    if not result.approved:
        record_event(
            subcase, actor=None, action="instant_referred", reason="；".join(result.reasons), label=label
        )
        return decision
    apply_decision(
        case,
        subcase,
        approve=True,
        opinion=f"秒批准予：{rule.title}。" + "；".join(result.reasons),
        user=None,
        label=label,
        action="instant_approve",
        ledger_as=f"rule:{rule.code}",
        calendar=calendar,
        today=today,
        payload={
            "rule": rule.code,
            "inputs_sm3": text_digest(repr(sorted((k, str(v)) for k, v in result.inputs.items()))),
            "sources": result.sources,
        },
    )
    return decision


def apply_decision(
    case: Case,
    subcase: SubCase,
    *,
    approve: bool,
    opinion: str,
    user: Any,
    label: str,
    action: str,
    ledger_as: str,
    calendar: WorkingCalendar,
    today: dt.date,
    payload: dict[str, Any] | None = None,
) -> None:
    """Decide a sub-case; the caller checked who may and from which state."""
    to = S.APPROVED if approve else S.REJECTED
    subcase.opinion = opinion
    subcase.decided_by = user
    subcase.decided_by_label = label
    subcase.decided_at = clock.now()
    change_status(
        subcase,
        to,
        actor=user,
        label=label,
        action=action,
        reason=opinion,
        extra_fields=["opinion", "decided_by", "decided_by_label", "decided_at", "assignee"],
    )
    record_decision(
        case=case,
        actor=ledger_as,
        subject=f"subcase:{subcase.pk}",
        decision=f"subcase.{to.value}",
        payload={
            "item": subcase.code,
            "department": subcase.department.code if subcase.department else "",
            "action": action,
            "opinion_sm3": text_digest(opinion),
            **(payload or {}),
        },
    )
    record_produced_values(case, subcase)
    follow_decision(case, subcase, actor=user, calendar=calendar, today=today)


def follow_decision(
    case: Case, decided: SubCase, *, actor: Any, calendar: WorkingCalendar, today: dt.date
) -> None:
    """Release or cancel what waits on `decided`, then see whether the case is decided."""
    release_dependants(case, decided, actor=actor, calendar=calendar, today=today)
    fire_join(case, items=[s for s in locked_subcases(case) if s.kind == SubCaseKind.ITEM])


def release_dependants(
    case: Case, decided: SubCase, *, actor: Any, calendar: WorkingCalendar, today: dt.date
) -> None:
    """Start what waited only on `decided` (approved), or cancel what waited on it (not approved)."""
    siblings = locked_subcases(case)
    for i, sibling in enumerate(siblings):
        if sibling.pk == decided.pk and sibling is not decided:
            siblings[i] = decided  # a caller's own instance of it: keep the one that changed
    waiting = [s for s in siblings if s.status == S.WAITING and decided.code in s.prerequisites]
    for subcase in waiting:
        if subcase.status != S.WAITING:
            continue  # started or cancelled meanwhile, by a decision taken inside this loop
        if decided.status == S.APPROVED:
            statuses = {s.code: s.status for s in siblings}
            if not all(statuses.get(p) == S.APPROVED for p in subcase.prerequisites):
                continue
            start_subcase(
                case,
                subcase,
                actor=None,
                calendar=calendar,
                today=today,
                reason=f"前置事项“{decided.name}”已准予，自动开始办理",
            )
        else:
            cancel_subcase(
                case,
                subcase,
                reason=f"前置事项“{decided.name}”{SubCaseStatus(decided.status).label}，本事项无法办理，已取消",
                calendar=calendar,
                today=today,
            )


def cancel_subcase(
    case: Case, subcase: SubCase, *, reason: str, calendar: WorkingCalendar, today: dt.date
) -> None:
    subcase.opinion = reason
    subcase.decided_at = clock.now()
    subcase.decided_by_label = "系统"
    change_status(
        subcase,
        S.CANCELLED,
        actor=None,
        label="系统",
        action="cancel",
        reason=reason,
        extra_fields=["opinion", "decided_at", "decided_by_label"],
    )
    # Cancelling cascades: whatever waited on this one cannot happen either.
    release_dependants(case, subcase, actor=None, calendar=calendar, today=today)
