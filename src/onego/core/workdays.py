"""Working days on the official Chinese calendar (行政许可法 Art. 82), as pure functions.

Where the calendar comes from, year by year:

- ENTERED: an administrator entered that year's State Council holiday notice (国务院办公厅关于
  某年部分节假日安排的通知). It overrides the library for that year, so a library error or a late
  change (e.g. an extra holiday announced mid-year) can be corrected without a release.
- LIBRARY: the maintained `chinese_calendar` package knows the year (2004 up to the last notice
  it has seen).
- PROVISIONAL: nobody knows the year yet. Monday–Friday count as working days, and every deadline
  that looked at such a day says so (`Deadline.provisional`), so it can be recomputed — and the
  applicant told — once the notice is entered.

Counting convention (the one used for 行政许可 time limits): the day of acceptance is day 0 and
counting starts on the next working day, so "n working days" ends on the n-th working day after
acceptance; n = 0 is due the same day (即办件).

Pauses (补正 supplements, 特别程序 special procedures excluded by Art. 45) are half-open calendar
intervals [start, end): the day the pause begins does not count, the day it ends counts again.
Half-open intervals make back-to-back pauses join without a day counted twice or lost.

Nothing here raises for a date in year 1..9999: an unknown year is PROVISIONAL, never an error.
The only exceptions are a programming error (negative n, a pause ending before it starts) and
Python's own OverflowError when a deadline would fall after 9999-12-31.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import chinese_calendar

__all__ = [
    "DayKind",
    "Deadline",
    "WarningLevel",
    "WorkingCalendar",
    "YearNotice",
    "YearSource",
    "check_notice",
    "check_notice_date",
    "library_notice",
    "library_years",
    "notice_warnings",
]

_ONE_DAY = dt.timedelta(days=1)
_WEEKDAY_NAMES = "一二三四五六日"


class DayKind(StrEnum):
    WORKDAY = "workday"
    HOLIDAY = "holiday"  # 法定节假日 and the rest days the notice joins to it (放假)
    WEEKEND = "weekend"
    ADJUSTED_WORKDAY = "adjusted_workday"  # 调休上班: a Saturday or Sunday that is a working day


class YearSource(StrEnum):
    LIBRARY = "library"
    ENTERED = "entered"
    PROVISIONAL = "provisional"


WarningLevel = Literal["green", "yellow", "red", "overdue"]


@dataclass(frozen=True)
class YearNotice:
    """One year's holiday notice: the days off (放假) and the weekend days worked (调休上班)."""

    year: int
    holidays: frozenset[dt.date]
    adjusted_workdays: frozenset[dt.date]
    # Names such as 春节 for display; not part of the hash because dicts are unhashable.
    names: Mapping[dt.date, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Deadline:
    """A computed due date.

    `due` is None only from `count_with_pauses` while a pause is still open (补正 materials not yet
    received, a special procedure not finished): the clock is stopped, so no date can be promised.
    `provisional` is True when any day between the start and the due date (or the open pause)
    lies in a year nobody has entered; `provisional_years` lists those years, so the caller knows
    which deadlines to recompute when a year's notice arrives.
    """

    due: dt.date | None
    provisional: bool = False
    provisional_years: tuple[int, ...] = ()


# --- the library ------------------------------------------------------------------------------


@functools.cache
def _library_knows(year: int) -> bool:
    # Ask the library itself rather than hard-coding its range: an upgraded package that has seen
    # the next notice is picked up without a code change.
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except (NotImplementedError, ValueError):
        return False
    return True


@functools.cache
def library_years() -> tuple[int, int]:
    """First and last year the installed library has a notice for (inclusive)."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def _library_name(d: dt.date) -> str:
    english = chinese_calendar.holidays.get(d) or chinese_calendar.workdays.get(d)
    if english is None:
        return ""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:  # a name the enum does not list: show it as the library spells it
        return str(english)


def library_notice(year: int) -> YearNotice | None:
    """The library's data for one year as a notice, or None when it does not know the year."""
    if not _library_knows(year):
        return None
    holidays = frozenset(d for d in chinese_calendar.holidays if d.year == year)
    adjusted = frozenset(d for d in chinese_calendar.workdays if d.year == year)
    names = {d: _library_name(d) for d in holidays | adjusted}
    return YearNotice(year=year, holidays=holidays, adjusted_workdays=adjusted, names=names)


# --- checking a notice --------------------------------------------------------------------------


def check_notice_date(year: int, day: dt.date, kind: DayKind) -> str | None:
    """What is wrong with listing `day` as `kind` in `year`'s notice, in Chinese; None when fine."""
    if day.year != year:
        return f"{day.isoformat()} 不属于 {year} 年，请在 {day.year} 年的放假安排中录入"
    if kind == DayKind.ADJUSTED_WORKDAY and day.weekday() < 5:
        return (
            f"{day.isoformat()} 是星期{_WEEKDAY_NAMES[day.weekday()]}，本来就是工作日，"
            "不能列为调休上班日（调休上班日应为周六或周日）"
        )
    if kind not in (DayKind.HOLIDAY, DayKind.ADJUSTED_WORKDAY):
        return f"{day.isoformat()}：放假安排只能列放假日或调休上班日"
    return None


def check_notice(notice: YearNotice) -> list[str]:
    """Every problem in a notice, in Chinese, in date order; empty when it can be stored."""
    problems: list[tuple[dt.date, str]] = []
    for day in notice.holidays:
        if msg := check_notice_date(notice.year, day, DayKind.HOLIDAY):
            problems.append((day, msg))
    for day in notice.adjusted_workdays:
        if msg := check_notice_date(notice.year, day, DayKind.ADJUSTED_WORKDAY):
            problems.append((day, msg))
    for day in notice.holidays & notice.adjusted_workdays:
        problems.append((day, f"{day.isoformat()} 同时列为放假日和调休上班日，只能是其中之一"))
    return [msg for _, msg in sorted(problems, key=lambda p: p[0])]


# Days off fixed on the Gregorian calendar by 《全国年节及纪念日放假办法》 (2007 revision; 5月2日 added
# by the 2024 revision, in force from 2025). The lunar ones (春节, 清明, 端午, 中秋) cannot be checked
# without a lunar calendar, so this only catches the common slip of an incomplete entry.
_FIXED_HOLIDAYS: tuple[tuple[int, int, int], ...] = (
    (2008, 1, 1),
    (2008, 5, 1),
    (2025, 5, 2),
    (2008, 10, 1),
    (2008, 10, 2),
    (2008, 10, 3),
)


def notice_warnings(notice: YearNotice) -> list[str]:
    """Signs that a notice is incomplete (not errors: the law may change), in Chinese."""
    warnings: list[str] = []
    if not notice.holidays:
        warnings.append(f"{notice.year} 年没有列出任何放假日")
        return warnings
    missing = [
        dt.date(notice.year, month, day)
        for since, month, day in _FIXED_HOLIDAYS
        if notice.year >= since and dt.date(notice.year, month, day) not in notice.holidays
    ]
    if missing:
        listed = "、".join(f"{d.month}月{d.day}日" for d in missing)
        warnings.append(f"{notice.year} 年的法定节假日 {listed} 没有列为放假日，请核对通知是否录入完整")
    return warnings


# --- the calendar -------------------------------------------------------------------------------


class WorkingCalendar:
    """The working-day calendar: entered notices first, then the library, then weekdays."""

    def __init__(self, notices: Mapping[int, YearNotice] | None = None) -> None:
        self._notices: dict[int, YearNotice] = dict(notices or {})

    @classmethod
    def from_notices(cls, notices: Iterable[YearNotice]) -> WorkingCalendar:
        return cls({n.year: n for n in notices})

    @property
    def entered_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._notices))

    def year_source(self, year: int) -> YearSource:
        if year in self._notices:
            return YearSource.ENTERED
        if _library_knows(year):
            return YearSource.LIBRARY
        return YearSource.PROVISIONAL

    def notice(self, year: int) -> YearNotice | None:
        """The notice in force for a year (entered, else the library's), None when provisional."""
        return self._notices.get(year) or library_notice(year)

    def day_kind(self, day: dt.date) -> DayKind:
        _require_date(day)
        entered = self._notices.get(day.year)
        if entered is not None:
            if day in entered.holidays:
                return DayKind.HOLIDAY
            if day in entered.adjusted_workdays:
                return DayKind.ADJUSTED_WORKDAY
        elif _library_knows(day.year):
            # The library's tables list every day off of a holiday period (weekends included)
            # and every weekend day worked, which is exactly the notice.
            if day in chinese_calendar.holidays:
                return DayKind.HOLIDAY
            if day in chinese_calendar.workdays:
                return DayKind.ADJUSTED_WORKDAY
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY

    def is_workday(self, day: dt.date) -> bool:
        return self.day_kind(day) in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)

    def day_name(self, day: dt.date) -> str:
        """The holiday a day belongs to (春节, 国庆节…) or "" for an ordinary day."""
        entered = self._notices.get(day.year)
        if entered is not None:
            return entered.names.get(day, "")
        if _library_knows(day.year):
            return _library_name(day)
        return ""

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The n-th working day after `start` (day 0); n = 0 is `start` itself (即办件)."""
        return self.count_with_pauses(start, (), n)

    def count_with_pauses(
        self, start: dt.date, pauses: Sequence[tuple[dt.date, dt.date | None]], n: int
    ) -> Deadline:
        """Like `add_working_days`, with the clock stopped during each [from, to) pause.

        Pauses may overlap and come in any order; a pause that ends before or on `start`, or that
        begins after the due date is reached, changes nothing. An open pause (to=None) that
        begins before the count completes gives `Deadline(due=None)`: the due date is unknown
        until the pause ends.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        _require_date(start)
        for begin, end in pauses:
            _require_date(begin)
            if end is not None:
                _require_date(end)
            if end is not None and end < begin:
                raise ValueError(f"pause ends ({end}) before it begins ({begin})")
        merged = _merge(pauses)
        provisional: set[int] = set()
        day = start
        remaining = n
        i = 0  # the first merged pause that has not ended before `day`
        while remaining > 0:
            day += _ONE_DAY
            while i < len(merged) and (end := merged[i][1]) is not None and end <= day:
                i += 1
            if i < len(merged) and merged[i][0] <= day:
                resume = merged[i][1]
                if resume is None:
                    return _deadline(None, provisional)
                # Jump over the pause at once; the resume day itself is examined next.
                day = resume - _ONE_DAY
                continue
            if self.year_source(day.year) == YearSource.PROVISIONAL:
                provisional.add(day.year)
            if self.is_workday(day):
                remaining -= 1
        return _deadline(day, provisional)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (the day-0 convention).

        Signed: negative when `end` is before `start`, so "working days left" goes below zero once
        a deadline has passed.
        """
        _require_date(start)
        _require_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            if self.is_workday(day):
                count += 1
        return count

    def warning_level(self, today: dt.date, due: dt.date, *, yellow_days: int = 2) -> WarningLevel:
        """Traffic light for a deadline: red on the due day, yellow within `yellow_days` working days."""
        if today > due:
            return "overdue"
        if today == due:
            return "red"
        if self.working_days_between(today, due) <= yellow_days:
            return "yellow"
        return "green"


def _merge(pauses: Sequence[tuple[dt.date, dt.date | None]]) -> list[tuple[dt.date, dt.date | None]]:
    """Overlapping or touching pauses as disjoint ones, in order; an open pause absorbs what follows."""
    merged: list[tuple[dt.date, dt.date | None]] = []
    for begin, end in sorted(pauses, key=lambda p: p[0]):
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None:
                break
            if begin <= last_end:
                merged[-1] = (last_begin, None if end is None else max(last_end, end))
                continue
        merged.append((begin, end))
    return merged


def _require_date(value: dt.date) -> None:
    # A datetime is a date to the type checker, but it would never equal the dates in the tables
    # (holidays silently ignored), and which day it is depends on its time zone: make the caller
    # say which local day it means (clock.today(), timezone.localdate(accepted_at)).
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected a date, got {type(value).__name__}: use the local calendar date")


def _deadline(due: dt.date | None, provisional: set[int]) -> Deadline:
    years = tuple(sorted(provisional))
    return Deadline(due=due, provisional=bool(years), provisional_years=years)
