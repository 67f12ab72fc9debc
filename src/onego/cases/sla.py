"""Time limits of cases and sub-cases, as pure functions over the working-day calendar.

A clock starts on day 0 (the day the case is accepted, or the day a waiting sub-case is released
or a 三类 sub-case is accepted by its department) and counts working days on the official calendar
(`onego.core.workdays`). Supplements (补正) and special procedures (特别程序, 行政许可法 Art. 45)
pause it: each pause is a half-open [from, to) interval of calendar days; an open pause means the
due date is not known (the clock is stopped).

Two limits run on the same clock: the promised one (承诺时限, what the service centre promised)
and the legal one (法定时限). Warnings (yellow/red/overdue) follow the promised limit; the legal one
is shown beside it.

A deadline that looks at a year nobody has entered is provisional (weekdays only); the caller
stores `provisional_years` so it can recompute when that year's notice arrives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from onego.core.workdays import Deadline, WorkingCalendar

Colour = Literal["none", "paused", "green", "yellow", "red", "overdue"]
RANK: dict[str, int] = {"none": 0, "paused": 0, "green": 1, "yellow": 2, "red": 3, "overdue": 4}
YELLOW_DAYS = 2  # working days before the due date at which the light turns yellow

Pause = tuple[dt.date, dt.date | None]


@dataclass(frozen=True)
class Clock:
    started_on: dt.date | None  # day 0; None: the clock has not started (waiting, not yet accepted)
    promised_days: int
    legal_days: int
    pauses: tuple[Pause, ...] = ()

    @property
    def paused(self) -> bool:
        return any(end is None for _, end in self.pauses)


@dataclass(frozen=True)
class Deadlines:
    promised: Deadline
    legal: Deadline

    @property
    def provisional(self) -> bool:
        return self.promised.provisional or self.legal.provisional

    @property
    def provisional_years(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.promised.provisional_years) | set(self.legal.provisional_years)))


NOT_STARTED = Deadlines(Deadline(None), Deadline(None))

# The end of the service centre's working day (local time): a 即办 item released later is due the next
# working day, not "today" at 21:00.
WORKDAY_ENDS = dt.time(17, 30)


def clock_start_day(calendar: WorkingCalendar, at: dt.datetime, *, days: int) -> dt.date:
    """Day 0 of a clock started at local time `at`.

    A clock with working days to count starts today whatever the hour (the count begins tomorrow). A
    same-day (即办, 0-day) clock needs working time left today: after hours or on a rest day it starts
    on the next working day, so it is not due (red) the moment it is released.
    """
    day = at.date()
    if days > 0 or (calendar.is_workday(day) and at.time() < WORKDAY_ENDS):
        return day
    return calendar.add_working_days(day, 1).due or day


def deadlines(calendar: WorkingCalendar, clock: Clock) -> Deadlines:
    """Promised and legal due dates; `due is None` while not started or while a pause is open."""
    if clock.started_on is None:
        return NOT_STARTED
    pauses: Sequence[Pause] = clock.pauses
    return Deadlines(
        promised=calendar.count_with_pauses(clock.started_on, pauses, clock.promised_days),
        legal=calendar.count_with_pauses(clock.started_on, pauses, clock.legal_days),
    )


def colour(
    calendar: WorkingCalendar,
    today: dt.date,
    due: dt.date | None,
    *,
    paused: bool = False,
    yellow_days: int = YELLOW_DAYS,
) -> Colour:
    """The traffic light of one deadline: paused while the clock is stopped, none when not started."""
    if paused:
        return "paused"
    if due is None:
        return "none"
    return calendar.warning_level(today, due, yellow_days=yellow_days)


def next_change(
    calendar: WorkingCalendar, today: dt.date, due: dt.date | None, *, yellow_days: int = YELLOW_DAYS
) -> dt.date | None:
    """The first day after `today` on which the light changes colour; None once overdue or unknown.

    The deadline check of a sub-case is scheduled for that day, so a warning goes out once, on time,
    without polling every sub-case every day.
    """
    if due is None:
        return None
    level = calendar.warning_level(today, due, yellow_days=yellow_days)
    if level == "overdue":
        return None
    day = today
    # At most a few weeks ahead in practice; bounded by the due date + 1 (overdue) in any case.
    while day <= due:
        day += dt.timedelta(days=1)
        if calendar.warning_level(day, due, yellow_days=yellow_days) != level:
            return day
    return due + dt.timedelta(days=1)


def worst(colours: Iterable[Colour]) -> Colour:
    out: Colour = "none"
    for c in colours:
        if RANK[c] > RANK[out] or (out == "none" and c == "paused"):
            out = c
    return out


def working_days_left(calendar: WorkingCalendar, today: dt.date, due: dt.date | None) -> int | None:
    """Working days from today to the due date (negative once overdue), None when unknown."""
    if due is None:
        return None
    return calendar.working_days_between(today, due)
