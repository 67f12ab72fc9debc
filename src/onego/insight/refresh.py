"""Refresh the rollups: find the days whose cases changed, rebuild those days' buckets whole.

`insight_refresh()` is the one writer of the rollups. It is idempotent (a day is rebuilt from the
cases, never incremented), so running it twice, or two at once (the second waits for the first's
row lock on `RefreshState`), gives the same rows.

Which days: the submission days of every case that changed since the watermark — the case itself,
one of its sub-cases, its evaluation or a rectification (their `updated_at`). The watermark is the
start time of the previous run minus `OVERLAP`, so a transaction that committed a little after a
run began (its rows carry an earlier `updated_at`) is still seen next time. Open cases turn overdue
with the date alone: on the first run of a new day, the days of open cases whose promised date
passed since the last run are rebuilt too. `full=True` rebuilds every day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from onego.cases.models import Case, Material, MaterialKind, SubCase, SubCaseKind, SubCaseTransition
from onego.cases.workflow import CASE_OPEN, SUBCASE_ACTIVE
from onego.core import clock
from onego.core.services import working_calendar
from onego.feedback.models import DepartmentRating, Evaluation, Rectification
from onego.insight import rules
from onego.insight.models import CaseDay, CaseMonth, DepartmentDay, DepartmentMonth, RefreshState

OVERLAP = dt.timedelta(minutes=5)
CHUNK = 2000  # ids per IN (...) list
DAYS_PER_BATCH = 31


@dataclass(frozen=True)
class RefreshReport:
    days: int
    cases: int
    case_rows: int
    department_rows: int
    month_rows: int
    full: bool

    def summary(self) -> str:
        what = "全量重算" if self.full else "增量刷新"
        return (
            f"汇总{what}：重算 {self.days} 天，{self.cases} 件办件，"
            f"办件汇总 {self.case_rows} 行，部门汇总 {self.department_rows} 行，月汇总 {self.month_rows} 行。"
        )


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _days_of(values: Iterable[dt.datetime | None]) -> set[dt.date]:
    return {_local_day(v) for v in values if v is not None}


def changed_since(since: dt.datetime) -> list[QuerySet[Any]]:
    """The submission times of the cases changed since `since`, one query per table that can change
    a bucket. The cases' and sub-cases' are answered by their `updated_at` index (ADR 0014)."""
    # No ORDER BY (the models' default orderings): the days are a set, and ordering by created_at would
    # tempt the planner to walk that index over the whole table instead.
    return [
        Case.objects.filter(updated_at__gte=since).order_by().values_list("submitted_at", flat=True),
        SubCase.objects.filter(updated_at__gte=since).order_by().values_list("case__submitted_at", flat=True),
        DepartmentRating.objects.filter(updated_at__gte=since)
        .order_by()
        .values_list("evaluation__case__submitted_at", flat=True),
        Rectification.objects.filter(updated_at__gte=since)
        .order_by()
        .values_list("case__submitted_at", flat=True),
        Evaluation.objects.filter(updated_at__gte=since)
        .order_by()
        .values_list("case__submitted_at", flat=True),
    ]


def dirty_days(*, since: dt.datetime | None, last_day: dt.date | None, today: dt.date) -> set[dt.date]:
    """Submission days whose buckets may have changed since `since` (every day when None)."""
    if since is None:
        return _days_of(
            Case.objects.exclude(submitted_at=None).values_list("submitted_at", flat=True).distinct()
        )
    days: set[dt.date] = set()
    for changed in changed_since(since):
        days |= _days_of(changed)
    if last_day is not None and last_day < today:
        # Open cases and sub-cases whose promised date passed since the last run: now overdue.
        days |= _days_of(
            Case.objects.filter(
                status__in=list(CASE_OPEN), promised_due__gte=last_day, promised_due__lt=today
            ).values_list("submitted_at", flat=True)
        )
        days |= _days_of(
            SubCase.objects.filter(
                status__in=list(SUBCASE_ACTIVE), promised_due__gte=last_day, promised_due__lt=today
            ).values_list("case__submitted_at", flat=True)
        )
        days |= _days_of(
            Rectification.objects.filter(status="open", due_on__gte=last_day, due_on__lt=today).values_list(
                "case__submitted_at", flat=True
            )
        )
    return days


def _batches(days: Iterable[dt.date]) -> Iterator[list[dt.date]]:
    ordered = sorted(days)
    for i in range(0, len(ordered), DAYS_PER_BATCH):
        yield ordered[i : i + DAYS_PER_BATCH]


def _facts(
    days: list[dt.date],
) -> tuple[list[rules.CaseFact], list[rules.SubCaseFact], list[rules.DepartmentFeedbackFact]]:
    wanted = set(days)
    start, end = _day_bounds(days[0], days[-1])
    rows = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end).values_list(
        "id",
        "submitted_at",
        "accepted_at",
        "concluded_at",
        "region__code",
        "package_code",
        "channel",
        "status",
        "promised_due",
        "legal_due",
        "snapshot__burden",
        "conclusion__outcome",
        "evaluation__level",
        "evaluation__voided_at",
    )
    cases: dict[Any, dict[str, Any]] = {}
    for (
        pk,
        submitted,
        accepted,
        concluded,
        region,
        package,
        channel,
        status,
        promised,
        legal,
        burden,
        outcome,
        level,
        voided,
    ) in rows:
        if submitted is None:
            continue
        day = _local_day(submitted)
        if day not in wanted:
            continue
        cases[pk] = {
            "day": day,
            "submitted_at": submitted,
            "accepted_at": accepted,
            "concluded_at": concluded,
            "region_code": region,
            "package_code": package,
            "channel": channel,
            "status": status,
            "promised_due": promised,
            "legal_due": legal,
            "burden": burden if isinstance(burden, dict) else {},
            "outcome": outcome or "",
            "rating": level if level is not None and voided is None else None,
        }
    ids = list(cases)
    uploads: dict[Any, int] = {}
    released: dict[Any, dt.datetime] = {}
    subcase_rows: list[tuple[Any, ...]] = []
    department_feedback: list[rules.DepartmentFeedbackFact] = []
    for chunk in _chunks(ids):
        uploads.update(
            Material.objects.filter(case_id__in=chunk, kind=MaterialKind.UPLOAD, replaced_at=None)
            .values("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
        released.update(
            SubCaseTransition.objects.filter(case_id__in=chunk, from_status="waiting")
            .values("subcase_id")
            .annotate(at=Min("at"))
            .values_list("subcase_id", "at")
        )
        subcase_rows += SubCase.objects.filter(case_id__in=chunk, kind=SubCaseKind.ITEM).values_list(
            "id",
            "case_id",
            "code",
            "department__code",
            "status",
            "prerequisites",
            "decided_at",
            "promised_due",
        )
        for case_id, department, level in DepartmentRating.objects.filter(
            evaluation__case_id__in=chunk, voided_at=None, evaluation__voided_at=None
        ).values_list("evaluation__case_id", "department__code", "level"):
            c = cases[case_id]
            department_feedback.append(
                rules.DepartmentFeedbackFact(
                    day=c["day"],
                    region_code=c["region_code"],
                    package_code=c["package_code"],
                    department_code=department,
                    rating=level,
                )
            )
        for case_id, department, status, on_time, due in Rectification.objects.filter(
            case_id__in=chunk
        ).values_list("case_id", "department__code", "status", "answered_on_time", "due_on"):
            c = cases[case_id]
            department_feedback.append(
                rules.DepartmentFeedbackFact(
                    day=c["day"],
                    region_code=c["region_code"],
                    package_code=c["package_code"],
                    department_code=department,
                    rectification_status=status,
                    answered_on_time=on_time,
                    rect_due_on=due,
                )
            )
    decided_by_case: dict[Any, dict[str, dt.datetime | None]] = defaultdict(dict)
    for _pk, case_id, code, _dept, status, _pre, decided, _due in subcase_rows:
        decided_by_case[case_id][code] = decided if status in rules.DECIDED_SUBCASE else None
    case_facts = [
        rules.CaseFact(uploads_made=uploads.get(pk, 0), **{k: v for k, v in c.items()})
        for pk, c in cases.items()
    ]
    subcase_facts = []
    for pk, case_id, _code, department, status, prerequisites, decided, due in subcase_rows:
        c = cases[case_id]
        holder = rules.held_by(prerequisites or [], decided_by_case[case_id])
        subcase_facts.append(
            rules.SubCaseFact(
                day=c["day"],
                region_code=c["region_code"],
                package_code=c["package_code"],
                department_code=department or "",
                status=status,
                case_accepted_at=c["accepted_at"],
                released_at=released.get(pk) or c["accepted_at"],
                decided_at=decided,
                promised_due=due,
                held_by=holder,
            )
        )
    return case_facts, subcase_facts, department_feedback


def rebuild_days(days: Iterable[dt.date], *, today: dt.date) -> tuple[int, int, int]:
    """Replace the buckets of `days` by sums over their cases; (cases, case rows, department rows)."""
    calendar = working_calendar()
    tz = timezone.get_current_timezone()
    n_cases = n_case_rows = n_dept_rows = 0
    for batch in _batches(days):
        case_facts, subcase_facts, feedback = _facts(batch)
        case_rows = rules.roll_cases(case_facts, calendar=calendar, today=today, tz=tz)
        dept_rows = rules.roll_departments(subcase_facts, feedback, calendar=calendar, today=today, tz=tz)
        CaseDay.objects.filter(day__in=batch).delete()
        DepartmentDay.objects.filter(day__in=batch).delete()
        CaseDay.objects.bulk_create(
            [
                CaseDay(day=d, region_code=r, package_code=p, channel=ch, **sums)
                for (d, r, p, ch), sums in case_rows.items()
            ],
            batch_size=1000,
        )
        DepartmentDay.objects.bulk_create(
            [
                DepartmentDay(day=d, region_code=r, package_code=p, department_code=dep, held_by=h, **sums)
                for (d, r, p, dep, h), sums in dept_rows.items()
            ],
            batch_size=1000,
        )
        n_cases += len(case_facts)
        n_case_rows += len(case_rows)
        n_dept_rows += len(dept_rows)
    return n_cases, n_case_rows, n_dept_rows


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def rebuild_months(months: Iterable[dt.date]) -> int:
    """Replace the monthly county rows of `months` by sums of their daily rows; returns rows written."""
    written = 0
    pairs: tuple[tuple[Any, Any, list[str], list[str]], ...] = (
        (CaseDay, CaseMonth, ["package_code", "channel"], rules.CASE_SUMS),
        (
            DepartmentDay,
            DepartmentMonth,
            ["package_code", "department_code", "held_by"],
            rules.DEPARTMENT_SUMS,
        ),
    )
    for month in sorted(set(months)):
        for daily, monthly, keys, sums in pairs:
            monthly.objects.filter(day=month).delete()
            rows = (
                daily.objects.filter(day__gte=month, day__lte=_month_end(month))
                .annotate(county=Substr("region_code", 1, 6))
                .values("county", *keys)
                .annotate(**{f"s_{n}": Sum(n) for n in sums})
                .order_by()
            )
            objs = [
                monthly(
                    day=month,
                    region_code=r["county"],
                    **{k: r[k] for k in keys},
                    **{n: r[f"s_{n}"] for n in sums},
                )
                for r in rows
            ]
            monthly.objects.bulk_create(objs, batch_size=1000)
            written += len(objs)
    return written


@transaction.atomic
def insight_refresh(*, full: bool = False) -> RefreshReport:
    """Bring the rollups up to date (idempotent; concurrent runs queue on the state row's lock)."""
    RefreshState.objects.get_or_create(key="rollups")
    state = RefreshState.objects.select_for_update().get(key="rollups")
    started = clock.now()
    today = clock.today()
    since = None if full or state.watermark is None else state.watermark - OVERLAP
    days = dirty_days(since=since, last_day=state.last_day, today=today)
    if since is None:
        # A full rebuild also drops buckets of days that no longer have cases.
        CaseDay.objects.exclude(day__in=days).delete()
        DepartmentDay.objects.exclude(day__in=days).delete()
        months = {_month(d) for d in days}
        CaseMonth.objects.exclude(day__in=months).delete()
        DepartmentMonth.objects.exclude(day__in=months).delete()
    cases, case_rows, dept_rows = rebuild_days(days, today=today)
    month_rows = rebuild_months(_month(d) for d in days)
    state.watermark = started
    state.last_day = today
    state.last_run_at = clock.now()
    state.last_days = len(days)
    state.save()
    return RefreshReport(
        days=len(days),
        cases=cases,
        case_rows=case_rows,
        department_rows=dept_rows,
        month_rows=month_rows,
        full=since is None,
    )


def refresh_state() -> RefreshState | None:
    return RefreshState.objects.filter(key="rollups").first()
