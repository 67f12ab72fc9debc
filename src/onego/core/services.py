"""Core services and selectors.

Working-day calendar: `working_calendar()` reads the entered holiday notices into a
`WorkingCalendar`; `calendar_enter_year()` is the one way a notice is written (admin, command line
and any future API call it). After it returns, deadlines computed provisionally over that year are
stale: the cases app recomputes them and tells the applicant (see docs/working-days.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.core.models import HolidayDate, HolidayDateKind, HolidayYear
from onego.core.workdays import WorkingCalendar, YearNotice, check_notice

# --- the working-day calendar -------------------------------------------------------------------


class NoticeInvalid(ValidationFailed):
    """A holiday notice that cannot be stored; `problems` lists every reason (Chinese)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("放假安排有误：" + "；".join(problems))
        self.problems = problems


def working_calendar() -> WorkingCalendar:
    """The calendar in force: entered notices over the library. One query.

    The table is tiny (a few dozen rows a year), so it is read fresh on every call instead of being
    cached and invalidated across processes; call it once per request or command and pass the
    calendar down rather than calling it per case.
    """
    holidays: dict[int, set[dt.date]] = {}
    adjusted: dict[int, set[dt.date]] = {}
    names: dict[int, dict[dt.date, str]] = {}
    # LEFT JOIN from the year, so a year entered with no dates at all still overrides the library.
    rows = HolidayYear.objects.values_list("year", "dates__date", "dates__kind", "dates__name")
    for year, day, kind, name in rows:
        holidays.setdefault(year, set())
        adjusted.setdefault(year, set())
        names.setdefault(year, {})
        if day is None:
            continue
        (holidays if kind == HolidayDateKind.HOLIDAY else adjusted)[year].add(day)
        if name:
            names[year][day] = name
    return WorkingCalendar(
        {
            year: YearNotice(
                year=year,
                holidays=frozenset(holidays[year]),
                adjusted_workdays=frozenset(adjusted[year]),
                names=names[year],
            )
            for year in holidays
        }
    )


@transaction.atomic
def calendar_enter_year(
    *,
    year: int,
    holidays: Sequence[tuple[dt.date, str]],
    adjusted_workdays: Sequence[tuple[dt.date, str]],
    source: str,
    entered_by: str,
) -> HolidayYear:
    """Store a year's holiday notice, replacing whatever was entered for that year before.

    `holidays` lists every day off (放假) of the year, weekends within a holiday period included;
    `adjusted_workdays` lists the weekend days worked (调休上班). Raises NoticeInvalid with every
    problem at once. The caller then recomputes provisional deadlines over `year`.
    """
    problems = _notice_problems(year, holidays, adjusted_workdays, source)
    if problems:
        raise NoticeInvalid(problems)

    row = HolidayYear.objects.select_for_update().filter(year=year).first()
    if row is None:
        row = HolidayYear(year=year)
    row.source = source.strip()
    row.entered_by = entered_by
    row.entered_at = clock.now()
    row.save()
    row.dates.all().delete()
    HolidayDate.objects.bulk_create(
        [HolidayDate(year=row, date=d, kind=HolidayDateKind.HOLIDAY, name=name) for d, name in holidays]
        + [
            HolidayDate(year=row, date=d, kind=HolidayDateKind.ADJUSTED_WORKDAY, name=name)
            for d, name in adjusted_workdays
        ]
    )
    return row


def _notice_problems(
    year: int,
    holidays: Sequence[tuple[dt.date, str]],
    adjusted_workdays: Sequence[tuple[dt.date, str]],
    source: str,
) -> list[str]:
    problems: list[str] = []
    if not 1 <= year <= 9999:
        return [f"年份 {year} 无效"]
    if not source.strip():
        problems.append("请填写依据文件（例如：国办发明电〔2026〕X号）")
    for label, entries in (("放假日", holidays), ("调休上班日", adjusted_workdays)):
        seen: set[dt.date] = set()
        for day, _ in entries:
            if day in seen:
                problems.append(f"{day.isoformat()} 在{label}中重复列出")
            seen.add(day)
    notice = YearNotice(
        year=year,
        holidays=frozenset(d for d, _ in holidays),
        adjusted_workdays=frozenset(d for d, _ in adjusted_workdays),
    )
    return problems + check_notice(notice)
