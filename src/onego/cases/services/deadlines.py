"""Deadlines of cases and sub-cases: storing them, checking them on time, recomputing them.

- `refresh_subcase_deadlines` / `refresh_case_deadlines`: recompute from the clock (start, limits,
  pauses) and store due dates with the provisional flag; a sub-case's next check is scheduled.
- `run_deadline_check` (task body): warns yellow/red once each, and when a sub-case falls overdue
  notifies its department, escalates to the lead department and tells the applicant.
- `recompute_provisional_deadlines` / `calendar_year_entered`: after a year's holiday notice is
  entered, every provisional deadline is recomputed and applicants whose dates moved are told.
- `recover_deadline_checks`: the safety net for checks lost with a killed worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.selectors import members_of
from onego.cases import sla
from onego.cases.models import Case, ClockPause, SubCase, SubCaseKind
from onego.cases.services.common import lock_case, lock_subcase
from onego.cases.services.notify import notify_applicant, notify_staff
from onego.cases.tasks import check_subcase_deadline
from onego.cases.workflow import CASE_OPEN, SUBCASE_ACTIVE, SUBCASE_PAUSED, record_event
from onego.core import clock, fastsql
from onego.core.errors import NotFound
from onego.core.services import working_calendar
from onego.core.uow import unit_of_work
from onego.core.workdays import WorkingCalendar, YearSource

CHECK_TIME = dt.time(0, 5)  # local time a scheduled check runs on the day the colour changes


def _pauses(case: Case, subcase: SubCase | None = None) -> tuple[sla.Pause, ...]:
    qs = ClockPause.objects.filter(case=case)
    if subcase is not None:
        qs = qs.filter(subcase=subcase)
    return tuple(qs.values_list("started_on", "ended_on"))


def subcase_clock(subcase: SubCase, *, no_pauses: bool = False) -> sla.Clock:
    return sla.Clock(
        started_on=subcase.clock_started_on,
        promised_days=subcase.promised_days,
        legal_days=subcase.legal_days,
        pauses=() if no_pauses else _pauses(subcase.case, subcase),
    )


def case_clock(case: Case, *, no_pauses: bool = False) -> sla.Clock:
    return sla.Clock(
        started_on=case.clock_started_on,
        promised_days=case.promised_days,
        legal_days=case.legal_days,
        pauses=() if no_pauses else _pauses(case),
    )


def _store(obj: Case | SubCase, d: sla.Deadlines) -> bool:
    before = (obj.promised_due, obj.legal_due)
    obj.promised_due = d.promised.due
    obj.legal_due = d.legal.due
    obj.deadline_provisional = d.provisional
    obj.provisional_years = list(d.provisional_years)
    return before != (obj.promised_due, obj.legal_due)


# What `_store` sets; a sub-case also moves its check token with them.
CASE_DEADLINE_FIELDS = ("promised_due", "legal_due", "deadline_provisional", "provisional_years")
SUBCASE_DEADLINE_FIELDS = (*CASE_DEADLINE_FIELDS, "check_token")


def set_case_deadlines(case: Case, *, calendar: WorkingCalendar, no_pauses: bool = False) -> bool:
    """Recompute the case's due dates on the instance (CASE_DEADLINE_FIELDS, not saved); True when
    one of them moved. `no_pauses`: the clock has just started, so there are none to read."""
    return _store(case, sla.deadlines(calendar, case_clock(case, no_pauses=no_pauses)))


def refresh_case_deadlines(case: Case, *, calendar: WorkingCalendar) -> bool:
    """Recompute and store the case's due dates; True when one of them moved."""
    moved = set_case_deadlines(case, calendar=calendar)
    fastsql.save_fields(case, [*CASE_DEADLINE_FIELDS, "updated_at"])
    return moved


def set_subcase_deadlines(subcase: SubCase, *, calendar: WorkingCalendar, no_pauses: bool = False) -> bool:
    """Recompute a sub-case's due dates on the instance (not saved; SUBCASE_DEADLINE_FIELDS changed)
    and invalidate its scheduled check; True when they moved. The caller saves, then calls
    `schedule_deadline_check`.

    `no_pauses`: the caller knows the clock has never been paused (it starts now), so the pauses
    are not read.
    """
    moved = _store(subcase, sla.deadlines(calendar, subcase_clock(subcase, no_pauses=no_pauses)))
    subcase.check_token += 1
    return moved


def refresh_subcase_deadlines(subcase: SubCase, *, calendar: WorkingCalendar, today: dt.date) -> bool:
    """Recompute and store a sub-case's due dates and schedule its next check; True when they moved."""
    moved = set_subcase_deadlines(subcase, calendar=calendar)
    fastsql.save_fields(subcase, [*SUBCASE_DEADLINE_FIELDS, "updated_at"])
    schedule_deadline_check(subcase, calendar=calendar, today=today)
    return moved


def _run_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, CHECK_TIME), timezone.get_current_timezone())


def schedule_deadline_check(subcase: SubCase, *, calendar: WorkingCalendar, today: dt.date) -> None:
    """Enqueue the check for the day the sub-case's light next changes (now, if already due)."""
    # Partner steps are followed through the partner API (with its own retries), not escalated here.
    if (
        subcase.kind != SubCaseKind.ITEM
        or subcase.status not in SUBCASE_ACTIVE
        or subcase.promised_due is None
    ):
        return
    level = sla.colour(calendar, today, subcase.promised_due)
    if sla.RANK[level] > sla.RANK[subcase.warned_level or "green"]:
        check_subcase_deadline.enqueue(str(subcase.pk), subcase.check_token)
        return
    day = sla.next_change(calendar, today, subcase.promised_due)
    if day is not None:
        check_subcase_deadline.using(run_after=_run_at(day)).enqueue(str(subcase.pk), subcase.check_token)


def run_deadline_check(*, subcase_id: str, token: int) -> str:
    """Warn once per level, escalate once when overdue, schedule the next check. Idempotent."""
    with unit_of_work():
        try:
            case, subcase = lock_subcase(subcase_id)
        except NotFound:
            return "missing"
        if subcase.check_token != token:
            return "stale"
        if subcase.status not in SUBCASE_ACTIVE or subcase.promised_due is None:
            return "closed"
        calendar = working_calendar()
        today = clock.today()
        level = sla.colour(calendar, today, subcase.promised_due, paused=subcase.status in SUBCASE_PAUSED)
        if (
            level in ("yellow", "red", "overdue")
            and sla.RANK[level] > sla.RANK[subcase.warned_level or "green"]
        ):
            _warn(case, subcase, level)
            subcase.warned_level = level
            subcase.save(update_fields=["warned_level", "escalated_at", "updated_at"])
        day = sla.next_change(calendar, today, subcase.promised_due)
        if day is not None:
            # The next check carries a new token: this one is used up, so a redelivery of it is "stale"
            # and does not schedule a second chain of checks.
            subcase.check_token += 1
            subcase.save(update_fields=["check_token", "updated_at"])
            check_subcase_deadline.using(run_after=_run_at(day)).enqueue(str(subcase.pk), subcase.check_token)
        return level


def _department_people(subcase: SubCase) -> list[Any]:
    if subcase.assignee is not None:
        return [subcase.assignee]
    return members_of(subcase.department_id, DECIDING_ROLES) if subcase.department_id else []


def _warn(case: Case, subcase: SubCase, level: str) -> None:
    due = subcase.promised_due.isoformat() if subcase.promised_due else ""
    if level in ("yellow", "red"):
        words = "今天到期" if level == "red" else "即将到期"
        notify_staff(
            users=_department_people(subcase),
            case=case,
            kind=f"deadline_{level}",
            subject=f"“{subcase.name}”{words}",
            body=f"办件 {case.reference} 中的“{subcase.name}”承诺办结日为 {due}，{words}，请及时办理。",
        )
        return
    # Overdue: the department, the lead department (escalation) and the applicant are told.
    lead = case.lead_department
    reason = f"已超过承诺办结日（{due}），已上报牵头部门{lead.name if lead else ''}督办"
    subcase.escalated_at = clock.now()
    record_event(subcase, actor=None, action="escalate", reason=reason, label="系统", bump=False)
    record_event(
        case, actor=None, action="escalate", reason=f"“{subcase.name}”{reason}", label="系统", bump=False
    )
    leads = members_of(lead.pk, [Role.LEAD_OFFICER]) if lead is not None else []
    notify_staff(
        users=[*_department_people(subcase), *leads],
        case=case,
        kind="overdue",
        subject=f"“{subcase.name}”已超期",
        body=f"办件 {case.reference} 中的“{subcase.name}”{reason}。",
    )
    notify_applicant(
        case=case,
        kind="overdue",
        subject="办理超期提醒",
        body=f"您的办件中“{subcase.name}”已超过承诺办结时限（{due}），已由牵头部门督办，我们将尽快办结。",
    )


# --- recomputation -----------------------------------------------------------------------------


@dataclass
class RecomputeReport:
    checked: int = 0
    changed: list[str] = field(default_factory=list)  # "GY-…: 承诺办结日 2027-01-12 → 2027-01-14"

    def summary(self) -> str:
        lines = [
            f"检查了 {self.checked} 件暂定期限的办件，{len(self.changed)} 件的期限有变化。",
            *self.changed,
        ]
        return "\n".join(lines)


def _describe(before: tuple[dt.date | None, ...], after: tuple[dt.date | None, ...]) -> list[str]:
    words = ("承诺办结日", "法定办结日")
    return [
        f"{w} {b.isoformat() if b else '—'} → {a.isoformat() if a else '—'}"
        for w, b, a in zip(words, before, after, strict=True)
        if b != a
    ]


def recompute_case(case: Case, *, calendar: WorkingCalendar, today: dt.date) -> list[str]:
    """Recompute a locked case and its running sub-cases; the changes, in words."""
    changes: list[str] = []
    before = (case.promised_due, case.legal_due)
    refresh_case_deadlines(case, calendar=calendar)
    changes += [f"办件{c}" for c in _describe(before, (case.promised_due, case.legal_due))]
    running = (
        SubCase.objects.select_for_update()
        .filter(case=case, status__in=SUBCASE_ACTIVE)
        .exclude(clock_started_on=None)
    )
    for subcase in running:
        subcase.case = case
        sb = (subcase.promised_due, subcase.legal_due)
        refresh_subcase_deadlines(subcase, calendar=calendar, today=today)
        changes += [f"“{subcase.name}”{c}" for c in _describe(sb, (subcase.promised_due, subcase.legal_due))]
    return changes


def recompute_provisional_deadlines(*, year: int | None = None) -> RecomputeReport:
    """Recompute the open cases whose deadlines were provisional over `year` — or, without a year,
    over any year the calendar now knows (entered by an administrator, or in an upgraded library).

    Cases whose provisional years are all still unknown are skipped without a lock, so running this
    from a schedule is cheap. One transaction per case: a long run never holds many locks and can be
    re-run safely. Applicants whose dates moved are told; every change is on the case's timeline.
    """
    calendar = working_calendar()
    today = clock.today()
    report = RecomputeReport()
    years_of: dict[Any, set[int]] = {}
    open_cases = Case.objects.filter(status__in=CASE_OPEN)
    for pk, years in open_cases.filter(deadline_provisional=True).values_list("pk", "provisional_years"):
        years_of.setdefault(pk, set()).update(years)
    subcases = SubCase.objects.filter(case__status__in=CASE_OPEN, deadline_provisional=True)
    for pk, years in subcases.values_list("case_id", "provisional_years"):
        years_of.setdefault(pk, set()).update(years)
    for pk, years in years_of.items():
        if year is not None and year not in years:
            continue
        if year is None and all(calendar.year_source(y) == YearSource.PROVISIONAL for y in years):
            continue
        with unit_of_work():
            case = lock_case(pk)
            if case.status not in CASE_OPEN:
                continue
            report.checked += 1
            changes = recompute_case(case, calendar=calendar, today=today)
            if not changes:
                continue
            text = "；".join(changes)
            report.changed.append(f"{case.reference}: {text}")
            record_event(
                case,
                actor=None,
                action="deadline_changed",
                reason=f"按公布的放假安排重新计算期限：{text}",
                label="系统",
            )
            notify_applicant(
                case=case,
                kind="deadline_changed",
                subject="办结期限已更新",
                body=f"国务院公布放假安排后，您的办件期限已重新计算：{text}。",
            )
    return report


def calendar_year_entered(*, year: int) -> RecomputeReport:
    """Call after `onego.core.services.calendar_enter_year(year=…)` returned (admin, import, API)."""
    return recompute_provisional_deadlines(year=year)


def recover_deadline_checks() -> int:
    """Re-run the check of every sub-case whose warning is due but was not sent.

    A check chain is lost only when a worker dies while running it; the symptom is exactly this —
    the light has moved past the last warning sent. Only such sub-cases get a new check (also those
    whose check is merely still queued: the second run finds the warning sent and does nothing), so
    running this from a schedule costs little. Returns how many checks were enqueued.
    """
    calendar = working_calendar()
    today = clock.today()
    # Yellow starts 2 working days before the due date; two weeks covers the longest holiday.
    horizon = today + dt.timedelta(days=14)
    rows = SubCase.objects.filter(
        status__in=SUBCASE_ACTIVE, kind=SubCaseKind.ITEM, promised_due__lte=horizon
    ).values_list("pk", "promised_due", "warned_level", "status")
    lost = [
        pk
        for pk, due, warned, status in rows
        if status not in SUBCASE_PAUSED
        and sla.RANK[sla.colour(calendar, today, due)] > sla.RANK[warned or "green"]
    ]
    for pk in lost:
        with unit_of_work():
            try:
                _, subcase = lock_subcase(pk)
            except NotFound:
                continue
            # A fresh token: a late run of the lost chain, should it ever come, is then stale.
            subcase.check_token += 1
            subcase.save(update_fields=["check_token", "updated_at"])
            check_subcase_deadline.enqueue(str(subcase.pk), subcase.check_token)
    return len(lost)
