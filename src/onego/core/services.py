"""Core services and selectors.

Working-day calendar: `working_calendar()` gives the entered holiday notices as a
`WorkingCalendar`; `calendar_enter_year()` is the one way a notice is written (admin, command line
and any future API call it). After it returns, deadlines computed provisionally over that year are
stale: the cases app recomputes them and tells the applicant (see docs/working-days.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import types
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

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


# The calendar last built in this process, with the digest of the notices it was built from.
# Every process (web worker, task worker, command) keeps its own, and none is used without asking
# the database first, so a year entered in one process is seen by the next call in any other.
_built: tuple[tuple[Any, ...], WorkingCalendar] | None = None
_LIBRARY_ONLY = WorkingCalendar()  # no year entered


def working_calendar() -> WorkingCalendar:
    """The calendar in force: entered notices over the library.

    One query per call, answered with one row whatever the number of notices: how many years are
    entered and a digest of every entered day. The notices themselves are read and built (a second
    query) only when the digest differs from the one this process last built from, and never while
    no year is entered. Still call it once per request or command and pass the calendar down.
    """
    global _built
    # The digest is read before the rows: a change committed in between gives a calendar newer than
    # its digest, which the next call rebuilds; never an old calendar under a new digest.
    digest = _notices_digest()
    if digest is None:
        return _read_calendar()
    if not digest[0]:
        return _LIBRARY_ONLY
    built = _built
    if built is not None and built[0] == digest:
        return built[1]
    calendar = _read_calendar()
    _built = (digest, calendar)
    return calendar


def _notices_digest() -> tuple[Any, ...] | None:
    """The number of entered years and a digest of exactly what the calendar is built from (each
    year with its days, kinds and names), computed by the database; None on a database this does
    not know, where nothing is cached.

    A digest of the content rather than a revision counter or timestamps: it changes with every
    write however it is made (the service, the admin, a delete, `QuerySet.update`, raw SQL, another
    process), needs no trigger or extra table, and a rolled-back write leaves it as it was. The
    tables are a few dozen rows a year, so digesting them costs the database next to nothing; what
    it saves is sending the rows and building the calendar. Plain SQL, because the ORM spends more
    CPU building an aggregate statement (about 0.6 ms) than this whole call takes.
    """
    sql = _digest_sql(connection.vendor)
    if sql is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


@functools.cache
def _digest_sql(vendor: str) -> str | None:
    q = connection.ops.quote_name
    years, dates = q(HolidayYear._meta.db_table), q(HolidayDate._meta.db_table)
    year, date, kind, name = q("year"), q("date"), q("kind"), q("name")
    joined = f"{years} y LEFT JOIN {dates} d ON d.{q('year_id')} = y.{q('id')}"
    # Fields joined by the unit separator, rows by the record separator (neither is typed in a name).
    if vendor == "postgresql":
        line = f"concat_ws(chr(31), y.{year}, d.{date}, d.{kind}, d.{name})"
        return (
            f"SELECT COUNT(DISTINCT y.{q('id')}),"  # noqa: S608 - quoted names only, no values
            f" md5(string_agg({line}, chr(30) ORDER BY y.{year}, d.{date})) FROM {joined}"
        )
    # SQLite has no md5: the text itself (a few KB at most, and no network). Its group_concat takes
    # the rows in the subquery's order; were it ever not to, the cost is a rebuild, not a stale hit.
    if vendor == "sqlite":
        line = (
            f"y.{year} || char(31) || IFNULL(d.{date}, '') || char(31) || IFNULL(d.{kind}, '')"
            f" || char(31) || IFNULL(d.{name}, '')"
        )
        return (
            "SELECT COUNT(DISTINCT yid), group_concat(line, char(30)) FROM"  # noqa: S608 - as above
            f" (SELECT y.{q('id')} AS yid, {line} AS line FROM {joined} ORDER BY y.{year}, d.{date})"
        )
    return None


def _read_calendar() -> WorkingCalendar:
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
                # Read-only: one built calendar is shared by every caller in the process.
                names=types.MappingProxyType(names[year]),
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
