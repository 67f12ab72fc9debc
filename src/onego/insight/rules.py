"""The rollup arithmetic, pure: facts of cases and sub-cases in, bucket sums out (no database).

`refresh.py` reads the facts of the cases submitted on the days it rebuilds and hands them here;
tests build facts by hand. A fact carries local dates and aware datetimes; working days come from
the official calendar passed in (`onego.core.workdays.WorkingCalendar`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

ONLINE_CHANNELS = frozenset({"web", "app"})
CONCLUDED = "concluded"
NOT_ACCEPTED = "not_accepted"
WITHDRAWN = "withdrawn"
OPEN_STATUSES = frozenset({"accepted", "in_progress", "supplement", "ready_to_conclude"})
APPROVED_OUTCOMES = frozenset({"approved", "partly_approved"})
DECIDED_SUBCASE = frozenset({"approved", "rejected"})
OPEN_SUBCASE = frozenset({"registered", "pending", "claimed", "supplement", "special_procedure"})
SATISFIED_FROM = 3  # 基本满意
BAD_UP_TO = 2  # 不满意

CASE_SUMS = [
    "submitted",
    "online",
    "accepted",
    "not_accepted",
    "withdrawn",
    "concluded",
    "approved",
    "open_cases",
    "open_overdue",
    "accept_n",
    "accept_hours",
    "accept_workdays",
    "conclude_n",
    "conclude_hours",
    "conclude_workdays",
    "on_time",
    "legal_on_time",
    "fields_separate",
    "fields_to_type",
    "uploads_separate",
    "uploads_to_make",
    "uploads_made",
    "trips_separate",
    "trips_package",
    "days_serial",
    "days_taken",
    "rated",
    "rating_sum",
    "satisfied",
    "bad",
]
DEPARTMENT_SUMS = [
    "subcases",
    "decided",
    "handle_n",
    "handle_hours",
    "handle_workdays",
    "wait_n",
    "wait_hours",
    "wait_workdays",
    "on_time",
    "late",
    "open_overdue",
    "ratings",
    "rating_sum",
    "bad",
    "rectifications",
    "rect_answered",
    "rect_on_time",
    "rect_open_overdue",
]

CaseKey = tuple[dt.date, str, str, str]  # day, region, package, channel
DepartmentKey = tuple[dt.date, str, str, str, str]  # day, region, package, department, held_by


class Calendar(Protocol):
    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


@dataclass(frozen=True)
class CaseFact:
    day: dt.date  # submitted, local date
    region_code: str
    package_code: str
    channel: str
    status: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None = None
    concluded_at: dt.datetime | None = None
    promised_due: dt.date | None = None
    legal_due: dt.date | None = None
    outcome: str = ""
    burden: Mapping[str, Any] = field(default_factory=dict)
    uploads_made: int = 0
    rating: int | None = None  # the overall rating, None when not rated or voided


@dataclass(frozen=True)
class SubCaseFact:
    day: dt.date  # the case's submission day
    region_code: str
    package_code: str
    department_code: str
    status: str
    case_accepted_at: dt.datetime | None
    released_at: dt.datetime | None  # when it could start (accepted, or its prerequisites decided)
    decided_at: dt.datetime | None = None
    promised_due: dt.date | None = None
    held_by: str = ""  # the prerequisite decided last, when it waited for one


@dataclass(frozen=True)
class DepartmentFeedbackFact:
    day: dt.date
    region_code: str
    package_code: str
    department_code: str
    rating: int | None = None
    rectification_status: str = ""  # "" when this fact is a rating only
    answered_on_time: bool | None = None
    rect_due_on: dt.date | None = None


def hours(start: dt.datetime, end: dt.datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600.0)


def workdays(calendar: Calendar, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> int:
    """Working days after the start day up to and including the end day (the clock's day-0 rule)."""
    return max(0, calendar.working_days_between(start.astimezone(tz).date(), end.astimezone(tz).date()))


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def roll_cases(
    facts: Iterable[CaseFact], *, calendar: Calendar, today: dt.date, tz: dt.tzinfo
) -> dict[CaseKey, dict[str, float]]:
    out: dict[CaseKey, dict[str, float]] = defaultdict(lambda: dict.fromkeys(CASE_SUMS, 0))
    for f in facts:
        row = out[(f.day, f.region_code, f.package_code, f.channel)]
        row["submitted"] += 1
        row["online"] += f.channel in ONLINE_CHANNELS
        row["not_accepted"] += f.status == NOT_ACCEPTED
        row["withdrawn"] += f.status == WITHDRAWN
        b = f.burden
        row["fields_separate"] += _int(b.get("fields_separate"))
        row["fields_to_type"] += _int(b.get("fields_to_type"))
        row["uploads_separate"] += _int(b.get("uploads_separate"))
        row["uploads_to_make"] += _int(b.get("uploads_to_make"))
        row["uploads_made"] += f.uploads_made
        row["trips_separate"] += _int(b.get("trips_separate"))
        row["trips_package"] += _int(b.get("trips_package"))
        if f.accepted_at is not None:
            row["accepted"] += 1
            row["accept_n"] += 1
            row["accept_hours"] += hours(f.submitted_at, f.accepted_at)
            row["accept_workdays"] += workdays(calendar, f.submitted_at, f.accepted_at, tz)
        if f.status == CONCLUDED and f.accepted_at is not None and f.concluded_at is not None:
            row["concluded"] += 1
            row["approved"] += f.outcome in APPROVED_OUTCOMES
            taken = workdays(calendar, f.accepted_at, f.concluded_at, tz)
            row["conclude_n"] += 1
            row["conclude_hours"] += hours(f.accepted_at, f.concluded_at)
            row["conclude_workdays"] += taken
            concluded_on = f.concluded_at.astimezone(tz).date()
            row["on_time"] += f.promised_due is not None and concluded_on <= f.promised_due
            row["legal_on_time"] += f.legal_due is not None and concluded_on <= f.legal_due
            row["days_serial"] += _int(b.get("days_serial"))
            row["days_taken"] += taken
        if f.status in OPEN_STATUSES:
            row["open_cases"] += 1
            row["open_overdue"] += f.promised_due is not None and f.promised_due < today
        if f.rating is not None:
            row["rated"] += 1
            row["rating_sum"] += f.rating
            row["satisfied"] += f.rating >= SATISFIED_FROM
            row["bad"] += f.rating <= BAD_UP_TO
    return dict(out)


def roll_departments(
    subcases: Iterable[SubCaseFact],
    feedback: Iterable[DepartmentFeedbackFact],
    *,
    calendar: Calendar,
    today: dt.date,
    tz: dt.tzinfo,
) -> dict[DepartmentKey, dict[str, float]]:
    out: dict[DepartmentKey, dict[str, float]] = defaultdict(lambda: dict.fromkeys(DEPARTMENT_SUMS, 0))
    for s in subcases:
        row = out[(s.day, s.region_code, s.package_code, s.department_code, s.held_by)]
        row["subcases"] += 1
        if s.held_by and s.case_accepted_at is not None and s.released_at is not None:
            row["wait_n"] += 1
            row["wait_hours"] += hours(s.case_accepted_at, s.released_at)
            row["wait_workdays"] += workdays(calendar, s.case_accepted_at, s.released_at, tz)
        if s.status in DECIDED_SUBCASE and s.decided_at is not None:
            row["decided"] += 1
            if s.released_at is not None:
                row["handle_n"] += 1
                row["handle_hours"] += hours(s.released_at, s.decided_at)
                row["handle_workdays"] += workdays(calendar, s.released_at, s.decided_at, tz)
            if s.promised_due is not None:
                on_time = s.decided_at.astimezone(tz).date() <= s.promised_due
                row["on_time"] += on_time
                row["late"] += not on_time
        elif s.status in OPEN_SUBCASE:
            row["open_overdue"] += s.promised_due is not None and s.promised_due < today
    for fb in feedback:
        row = out[(fb.day, fb.region_code, fb.package_code, fb.department_code, "")]
        if fb.rating is not None:
            row["ratings"] += 1
            row["rating_sum"] += fb.rating
            row["bad"] += fb.rating <= BAD_UP_TO
        if fb.rectification_status:
            row["rectifications"] += 1
            row["rect_answered"] += fb.answered_on_time is not None
            row["rect_on_time"] += fb.answered_on_time is True
            row["rect_open_overdue"] += (
                fb.rectification_status == "open" and fb.rect_due_on is not None and fb.rect_due_on < today
            )
    return dict(out)


def held_by(prerequisites: Iterable[str], decided_at: Mapping[str, dt.datetime | None]) -> str:
    """The prerequisite that held a sub-case longest: the one decided last (or still undecided)."""
    codes = [c for c in prerequisites if c in decided_at]
    if not codes:
        return ""
    undecided = [c for c in codes if decided_at[c] is None]
    if undecided:
        return sorted(undecided)[0]
    return max(codes, key=lambda c: (decided_at[c], c))


# --- region scope -------------------------------------------------------------------------------------


def scope_prefix(code: str) -> str:
    """The prefix every region code under `code` shares (52 for 520000, 520102001 for a town)."""
    if len(code) == 6:
        if code[2:] == "0000":
            return code[:2]
        if code[4:] == "00":
            return code[:4]
        return code
    if len(code) == 12 and code[9:] == "000":
        return code[:9]
    return code


def child_length(code: str) -> int:
    """How many leading characters of a case's region code name the child of `code` it falls in."""
    prefix = scope_prefix(code)
    return {2: 4, 4: 6, 6: 9, 9: 12}.get(len(prefix), 12)


def child_code(prefix: str) -> str:
    """The region code of a child prefix (5201 → 520100; 520102001 → 520102001 as stored)."""
    return prefix + "00" if len(prefix) == 4 else prefix


# --- ratios for display ----------------------------------------------------------------------------


def share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def mean(total: float, n: float) -> float | None:
    return round(total / n, 2) if n else None


def reduction(before: float, after: float) -> float | None:
    return round((before - after) / before, 4) if before else None
