"""The working-day calendar as pure rules: no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onego.core.workdays import (
    DayKind,
    Deadline,
    WorkingCalendar,
    YearNotice,
    YearSource,
    check_notice,
    check_notice_date,
    library_notice,
    library_years,
    notice_warnings,
)

D = dt.date.fromisoformat
LIBRARY = WorkingCalendar()


def days(first: str, last: str) -> list[dt.date]:
    start, end = D(first), D(last)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# An invented 2027 notice for the tests (not the official one, which nobody has seen yet).
NOTICE_2027 = YearNotice(
    year=2027,
    holidays=frozenset(days("2027-01-01", "2027-01-03") + days("2027-02-05", "2027-02-13")),
    adjusted_workdays=frozenset({D("2027-01-31"), D("2027-02-20")}),
    names={D("2027-01-01"): "元旦", D("2027-02-05"): "春节"},
)


# --- the official calendar from the library -----------------------------------------------------


def test_library_knows_2004_to_at_least_2026() -> None:
    first, last = library_years()
    assert first == 2004
    assert last >= 2026


@pytest.mark.parametrize("day", days("2025-10-01", "2025-10-08"))
def test_national_day_2025_is_eight_days_off(day: dt.date) -> None:
    assert LIBRARY.day_kind(day) == DayKind.HOLIDAY
    assert not LIBRARY.is_workday(day)


@pytest.mark.parametrize("day", ["2025-09-28", "2025-10-11"])
def test_weekends_around_national_day_2025_are_worked(day: str) -> None:
    assert D(day).weekday() >= 5
    assert LIBRARY.day_kind(D(day)) == DayKind.ADJUSTED_WORKDAY
    assert LIBRARY.is_workday(D(day))


def test_spring_festival_2026_runs_15_to_23_february_with_two_saturdays_worked() -> None:
    assert all(LIBRARY.day_kind(d) == DayKind.HOLIDAY for d in days("2026-02-15", "2026-02-23"))
    assert LIBRARY.day_kind(D("2026-02-14")) == DayKind.ADJUSTED_WORKDAY
    assert LIBRARY.day_kind(D("2026-02-28")) == DayKind.ADJUSTED_WORKDAY
    assert LIBRARY.day_kind(D("2026-02-24")) == DayKind.WORKDAY
    assert LIBRARY.day_name(D("2026-02-17")) == "春节"


def test_spring_festival_2024_and_its_sundays_worked() -> None:
    assert all(LIBRARY.day_kind(d) == DayKind.HOLIDAY for d in days("2024-02-10", "2024-02-17"))
    assert LIBRARY.day_kind(D("2024-02-04")) == DayKind.ADJUSTED_WORKDAY
    assert LIBRARY.day_kind(D("2024-02-18")) == DayKind.ADJUSTED_WORKDAY


def test_ordinary_days_are_workdays_or_weekends() -> None:
    assert LIBRARY.day_kind(D("2025-11-19")) == DayKind.WORKDAY  # a Wednesday
    assert LIBRARY.day_kind(D("2025-11-22")) == DayKind.WEEKEND  # a Saturday
    assert LIBRARY.day_name(D("2025-11-19")) == ""


def test_library_names_are_chinese() -> None:
    assert LIBRARY.day_name(D("2025-09-28")) == "国庆节"
    assert LIBRARY.day_name(D("2026-01-01")) == "元旦"


def test_library_notice_is_the_years_data_and_none_for_unknown_years() -> None:
    notice = library_notice(2025)
    assert notice is not None
    assert D("2025-10-08") in notice.holidays
    assert notice.adjusted_workdays == {
        D(d) for d in ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
    }
    assert library_notice(2027) is None
    assert library_notice(2003) is None


# --- where a year comes from --------------------------------------------------------------------


def test_year_source_library_entered_or_provisional() -> None:
    cal = WorkingCalendar({2027: NOTICE_2027})
    assert cal.year_source(2025) == YearSource.LIBRARY
    assert cal.year_source(2027) == YearSource.ENTERED
    assert cal.year_source(2028) == YearSource.PROVISIONAL
    assert cal.year_source(2003) == YearSource.PROVISIONAL  # before the library's first year
    assert cal.entered_years == (2027,)


def test_unknown_year_counts_monday_to_friday() -> None:
    assert LIBRARY.day_kind(D("2027-01-01")) == DayKind.WORKDAY  # a Friday; surely 元旦, but unknown
    assert LIBRARY.day_kind(D("2027-01-02")) == DayKind.WEEKEND
    assert LIBRARY.notice(2027) is None


def test_entered_notice_overrides_the_library_for_its_year() -> None:
    # An entered 2025 without National Day: the entry wins (it is how a library error is corrected).
    cal = WorkingCalendar({2025: YearNotice(2025, frozenset({D("2025-01-01")}), frozenset())})
    assert cal.year_source(2025) == YearSource.ENTERED
    assert cal.is_workday(D("2025-10-01"))
    assert not cal.is_workday(D("2025-09-28"))  # no longer an adjusted workday
    assert cal.day_kind(D("2026-02-17")) == DayKind.HOLIDAY  # other years still from the library


def test_entered_notice_days_and_names() -> None:
    cal = WorkingCalendar.from_notices([NOTICE_2027])
    assert cal.day_kind(D("2027-01-01")) == DayKind.HOLIDAY
    assert cal.day_kind(D("2027-01-31")) == DayKind.ADJUSTED_WORKDAY
    assert cal.day_kind(D("2027-01-04")) == DayKind.WORKDAY
    assert cal.day_name(D("2027-02-05")) == "春节"
    assert cal.notice(2027) is NOTICE_2027


# --- counting: day 0 is the day of acceptance -----------------------------------------------------


def test_zero_working_days_is_due_the_same_day() -> None:
    assert LIBRARY.add_working_days(D("2025-10-01"), 0) == Deadline(due=D("2025-10-01"))
    assert LIBRARY.add_working_days(D("2025-11-19"), 0).due == D("2025-11-19")


def test_counting_starts_the_next_working_day() -> None:
    assert LIBRARY.add_working_days(D("2025-11-19"), 1).due == D("2025-11-20")  # Wed -> Thu
    assert LIBRARY.add_working_days(D("2025-11-21"), 1).due == D("2025-11-24")  # Fri -> Mon


def test_national_day_2025_is_skipped_and_its_sunday_worked() -> None:
    # Thu 25 Sep: Fri 26 (1), Sun 28 worked (2), Mon 29 (3), Tue 30 (4), then 1–8 Oct off, Thu 9 (5).
    assert LIBRARY.add_working_days(D("2025-09-25"), 5) == Deadline(due=D("2025-10-09"))
    assert LIBRARY.add_working_days(D("2025-09-30"), 1).due == D("2025-10-09")


def test_acceptance_on_a_holiday_counts_from_the_next_working_day() -> None:
    assert LIBRARY.add_working_days(D("2025-10-03"), 1).due == D("2025-10-09")


def test_twenty_working_days_across_spring_festival_2026() -> None:
    deadline = LIBRARY.add_working_days(D("2026-02-02"), 20)
    # 2–13 Feb: 9 days (3–6, 9–13), Sat 14 worked (10), 15–23 off, 24–27 (14), Sat 28 (15), 2–6 Mar (20).
    assert deadline == Deadline(due=D("2026-03-06"))
    assert LIBRARY.working_days_between(D("2026-02-02"), D("2026-03-06")) == 20


def test_deadline_within_2026_is_not_provisional() -> None:
    assert LIBRARY.add_working_days(D("2026-12-01"), 5) == Deadline(due=D("2026-12-08"))


def test_deadline_running_into_an_unknown_year_is_provisional_and_counted_on_weekdays() -> None:
    deadline = LIBRARY.add_working_days(D("2026-12-15"), 20)
    # 16–31 Dec: 12 working days; then Fri 1 Jan 2027 counted as a weekday (13), 4–8 (18), 11–12 (20).
    assert deadline == Deadline(due=D("2027-01-12"), provisional=True, provisional_years=(2027,))


def test_once_2027_is_entered_the_same_deadline_is_final_and_skips_its_holidays() -> None:
    deadline = WorkingCalendar({2027: NOTICE_2027}).add_working_days(D("2026-12-15"), 20)
    assert deadline == Deadline(due=D("2027-01-13"), provisional=False, provisional_years=())


def test_deadline_spanning_several_unknown_years_lists_them_all() -> None:
    deadline = LIBRARY.add_working_days(D("2026-12-30"), 300)
    assert deadline.provisional
    assert deadline.provisional_years == (2027, 2028)


def test_a_datetime_is_refused_because_its_day_depends_on_the_time_zone() -> None:
    accepted_at = dt.datetime(2025, 9, 30, 23, 30, tzinfo=dt.UTC)  # already 1 October in Beijing
    with pytest.raises(TypeError, match="local calendar date"):
        LIBRARY.add_working_days(accepted_at, 1)
    with pytest.raises(TypeError):
        LIBRARY.day_kind(accepted_at)
    with pytest.raises(TypeError):
        LIBRARY.count_with_pauses(D("2025-09-30"), [(accepted_at, None)], 1)


def test_negative_working_days_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="n must be"):
        LIBRARY.add_working_days(D("2025-11-19"), -1)


# --- working days between -----------------------------------------------------------------------


def test_working_days_between_counts_after_start_up_to_and_including_end() -> None:
    assert LIBRARY.working_days_between(D("2025-11-19"), D("2025-11-19")) == 0
    assert LIBRARY.working_days_between(D("2025-11-19"), D("2025-11-24")) == 3  # Thu, Fri, Mon
    assert LIBRARY.working_days_between(D("2025-09-30"), D("2025-10-09")) == 1


def test_working_days_between_is_negative_backwards() -> None:
    assert LIBRARY.working_days_between(D("2025-10-09"), D("2025-09-30")) == -1


# --- pauses (补正, 特别程序) ----------------------------------------------------------------------


def test_without_pauses_it_is_add_working_days() -> None:
    assert LIBRARY.count_with_pauses(D("2025-09-25"), [], 5) == LIBRARY.add_working_days(D("2025-09-25"), 5)


def test_pause_stops_the_clock_from_its_first_day_until_the_day_it_ends() -> None:
    # Tue 24 Nov 2026: Wed 25 (1); paused Thu 26 – Sun 29; Mon 30 counts again (2), Tue 1 Dec (3).
    pauses = [(D("2026-11-26"), D("2026-11-30"))]
    assert LIBRARY.count_with_pauses(D("2026-11-24"), pauses, 3) == Deadline(due=D("2026-12-01"))
    assert LIBRARY.add_working_days(D("2026-11-24"), 3).due == D("2026-11-27")


def test_back_to_back_pauses_equal_one_pause() -> None:
    joined = [(D("2026-11-26"), D("2026-11-30"))]
    split = [(D("2026-11-26"), D("2026-11-27")), (D("2026-11-27"), D("2026-11-30"))]
    start = D("2026-11-24")
    assert LIBRARY.count_with_pauses(start, split, 3) == LIBRARY.count_with_pauses(start, joined, 3)


def test_overlapping_pauses_in_any_order_pause_once() -> None:
    pauses = [(D("2026-11-27"), D("2026-12-02")), (D("2026-11-26"), D("2026-11-30"))]
    # Wed 25 (1); paused 26 Nov – 1 Dec; Wed 2 (2), Thu 3 (3).
    assert LIBRARY.count_with_pauses(D("2026-11-24"), pauses, 3).due == D("2026-12-03")


def test_empty_pause_changes_nothing() -> None:
    pauses = [(D("2026-11-25"), D("2026-11-25"))]
    assert LIBRARY.count_with_pauses(D("2026-11-24"), pauses, 3).due == D("2026-11-27")


def test_pause_before_acceptance_or_after_the_due_date_changes_nothing() -> None:
    pauses = [(D("2026-11-01"), D("2026-11-24")), (D("2026-12-01"), D("2026-12-10"))]
    assert LIBRARY.count_with_pauses(D("2026-11-24"), pauses, 3).due == D("2026-11-27")


def test_pause_over_a_year_end_into_an_unknown_year() -> None:
    # The pause hides no provisional day; counting resumes in 2027, which makes it provisional.
    pauses = [(D("2026-12-30"), D("2027-01-04"))]
    deadline = LIBRARY.count_with_pauses(D("2026-12-28"), pauses, 2)
    assert deadline == Deadline(due=D("2027-01-04"), provisional=True, provisional_years=(2027,))


def test_open_pause_leaves_the_due_date_unknown() -> None:
    pauses = [(D("2026-11-26"), None)]
    assert LIBRARY.count_with_pauses(D("2026-11-24"), pauses, 3) == Deadline(due=None)


def test_open_pause_after_the_count_is_complete_leaves_the_due_date() -> None:
    pauses = [(D("2026-11-26"), None)]
    assert LIBRARY.count_with_pauses(D("2026-11-24"), pauses, 1).due == D("2026-11-25")


def test_open_pause_absorbs_later_pauses() -> None:
    pauses = [(D("2026-11-26"), None), (D("2026-12-10"), D("2026-12-20"))]
    assert LIBRARY.count_with_pauses(D("2026-11-24"), pauses, 10).due is None


def test_pause_ending_before_it_begins_is_refused() -> None:
    with pytest.raises(ValueError, match="before it begins"):
        LIBRARY.count_with_pauses(D("2026-11-24"), [(D("2026-11-30"), D("2026-11-26"))], 3)


# --- warning levels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "level"),
    [
        ("2026-11-24", "green"),  # Tue; due Mon 30 Nov is 4 working days away
        ("2026-11-26", "yellow"),  # Thu; 2 working days away (Fri, Mon)
        ("2026-11-28", "yellow"),  # Sat; 1 working day away
        ("2026-11-30", "red"),  # the due day
        ("2026-12-01", "overdue"),
    ],
)
def test_warning_level(today: str, level: str) -> None:
    assert LIBRARY.warning_level(D(today), D("2026-11-30")) == level


def test_warning_level_counts_working_days_not_calendar_days() -> None:
    # Nine calendar days but one working day before the due date: National Day is no breathing room.
    assert LIBRARY.warning_level(D("2025-09-30"), D("2025-10-09")) == "yellow"
    assert LIBRARY.warning_level(D("2026-11-26"), D("2026-11-30"), yellow_days=1) == "green"


# --- checking a notice --------------------------------------------------------------------------


def test_valid_notice_has_no_problems() -> None:
    assert check_notice(NOTICE_2027) == []


def test_notice_problems_in_chinese() -> None:
    notice = YearNotice(
        year=2027,
        holidays=frozenset({D("2026-12-31"), D("2027-02-07")}),
        adjusted_workdays=frozenset({D("2027-02-07"), D("2027-02-08")}),
    )
    assert check_notice(notice) == [
        "2026-12-31 不属于 2027 年，请在 2026 年的放假安排中录入",
        "2027-02-07 同时列为放假日和调休上班日，只能是其中之一",
        "2027-02-08 是星期一，本来就是工作日，不能列为调休上班日（调休上班日应为周六或周日）",
    ]


def test_check_notice_date_accepts_a_weekend_holiday_and_a_weekend_adjusted_workday() -> None:
    assert check_notice_date(2027, D("2027-01-02"), DayKind.HOLIDAY) is None
    assert check_notice_date(2027, D("2027-01-31"), DayKind.ADJUSTED_WORKDAY) is None
    assert check_notice_date(2027, D("2027-01-04"), DayKind.WORKDAY) is not None


def test_notice_warnings_catch_an_incomplete_entry() -> None:
    only_spring = YearNotice(2027, frozenset(days("2027-02-05", "2027-02-13")), frozenset())
    (warning,) = notice_warnings(only_spring)
    assert "1月1日、5月1日、5月2日、10月1日、10月2日、10月3日" in warning
    assert notice_warnings(YearNotice(2027, frozenset(), frozenset())) == ["2027 年没有列出任何放假日"]


def test_every_library_year_passes_the_checks() -> None:
    first, last = library_years()
    for year in range(first, last + 1):
        notice = library_notice(year)
        assert notice is not None
        assert check_notice(notice) == [], year
        assert notice_warnings(notice) == [], year


# --- never crash on an unknown year -------------------------------------------------------------


@pytest.mark.parametrize("day", [dt.date.min, dt.date(1, 12, 31), dt.date(9999, 1, 1), dt.date.max])
def test_extreme_years_are_provisional_weekdays(day: dt.date) -> None:
    assert LIBRARY.year_source(day.year) == YearSource.PROVISIONAL
    assert LIBRARY.day_kind(day) in (DayKind.WORKDAY, DayKind.WEEKEND)
    assert LIBRARY.day_name(day) == ""


def test_deadlines_in_year_1_and_9999() -> None:
    assert LIBRARY.add_working_days(dt.date(1, 1, 1), 10).provisional_years == (1,)
    assert LIBRARY.add_working_days(dt.date(9999, 12, 1), 10).provisional_years == (9999,)


def test_a_deadline_after_9999_12_31_is_pythons_overflow() -> None:
    # The one documented exception: no date exists to return.
    with pytest.raises(OverflowError):
        LIBRARY.add_working_days(dt.date.max, 1)


CALENDARS = st.sampled_from([LIBRARY, WorkingCalendar({2027: NOTICE_2027})])
SAFE_DATES = st.dates(min_value=dt.date.min, max_value=dt.date(9999, 6, 30))


@given(cal=CALENDARS, day=st.dates())
def test_any_date_has_a_kind_and_a_source(cal: WorkingCalendar, day: dt.date) -> None:
    kind = cal.day_kind(day)
    assert cal.is_workday(day) == (kind in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY))
    assert cal.year_source(day.year) in YearSource


@settings(max_examples=300)
@given(cal=CALENDARS, start=SAFE_DATES, n=st.integers(min_value=0, max_value=60))
def test_add_working_days_properties(cal: WorkingCalendar, start: dt.date, n: int) -> None:
    deadline = cal.add_working_days(start, n)
    assert deadline.due is not None
    if n == 0:
        assert deadline == Deadline(due=start)
        return
    assert deadline.due > start
    assert cal.is_workday(deadline.due)
    assert cal.working_days_between(start, deadline.due) == n
    # The days looked at are (start, due]: every year they touch that nobody knows is listed.
    examined = range((start + dt.timedelta(days=1)).year, deadline.due.year + 1)
    expected = tuple(y for y in examined if cal.year_source(y) == YearSource.PROVISIONAL)
    assert deadline.provisional_years == expected
    assert deadline.provisional == bool(expected)


PAUSES = st.lists(
    st.tuples(
        st.integers(min_value=-5, max_value=80), st.one_of(st.none(), st.integers(min_value=0, max_value=30))
    ),
    max_size=4,
)


@settings(max_examples=300)
@given(cal=CALENDARS, start=SAFE_DATES, n=st.integers(min_value=0, max_value=40), raw=PAUSES)
def test_pauses_only_ever_delay(
    cal: WorkingCalendar, start: dt.date, n: int, raw: list[tuple[int, int | None]]
) -> None:
    pauses = [
        (
            start + dt.timedelta(days=offset),
            None if length is None else start + dt.timedelta(days=offset + length),
        )
        for offset, length in raw
    ]
    plain = cal.add_working_days(start, n)
    paused = cal.count_with_pauses(start, pauses, n)
    assert plain.due is not None
    if paused.due is None:
        # Only an open pause leaves the date unknown, and only one begun before the count completes.
        open_begins = [begin for begin, end in pauses if end is None]
        assert open_begins
        closed_only = cal.count_with_pauses(start, [p for p in pauses if p[1] is not None], n)
        assert closed_only.due is not None
        assert closed_only.due >= min(open_begins)
        return
    assert paused.due >= plain.due
    # Working days counted = working days elapsed minus those inside a pause.
    inside = {
        start + dt.timedelta(days=i)
        for i in range(1, (paused.due - start).days + 1)
        if any(
            b <= start + dt.timedelta(days=i) and (e is None or start + dt.timedelta(days=i) < e)
            for b, e in pauses
        )
    }
    assert cal.working_days_between(start, paused.due) - sum(1 for d in inside if cal.is_workday(d)) == n
