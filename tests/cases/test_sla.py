"""Deadline arithmetic over the official calendar, without a database."""

from __future__ import annotations

import datetime as dt

from onego.cases import sla
from onego.core.workdays import WorkingCalendar

D = dt.date
CAL = WorkingCalendar()


def test_deadlines_count_working_days_from_day_zero() -> None:
    # 2025-09-25 (Thu) + 5: Sun 28 Sep is an adjusted working day, 1–8 Oct are off.
    d = sla.deadlines(CAL, sla.Clock(started_on=D(2025, 9, 25), promised_days=5, legal_days=20))
    assert d.promised.due == D(2025, 10, 9)
    assert d.legal.due is not None
    assert d.legal.due > d.promised.due
    assert not d.provisional


def test_a_clock_not_started_has_no_due_date() -> None:
    d = sla.deadlines(CAL, sla.Clock(started_on=None, promised_days=5, legal_days=20))
    assert d.promised.due is None
    assert d.legal.due is None


def test_an_open_pause_stops_the_clock() -> None:
    clock = sla.Clock(
        started_on=D(2026, 3, 2), promised_days=5, legal_days=20, pauses=((D(2026, 3, 3), None),)
    )
    assert clock.paused
    assert sla.deadlines(CAL, clock).promised.due is None


def test_a_closed_pause_moves_the_due_date_by_the_working_days_it_covered() -> None:
    start = D(2026, 3, 2)  # Monday
    plain = sla.deadlines(CAL, sla.Clock(started_on=start, promised_days=5, legal_days=5)).promised.due
    paused = sla.deadlines(
        CAL,
        sla.Clock(started_on=start, promised_days=5, legal_days=5, pauses=((D(2026, 3, 4), D(2026, 3, 6)),)),
    ).promised.due
    assert plain == D(2026, 3, 9)
    # Wed 4 and Thu 5 did not count; Fri 6 counts again.
    assert paused == D(2026, 3, 11)


def test_deadlines_over_an_unentered_year_are_provisional_and_name_the_year() -> None:
    d = sla.deadlines(CAL, sla.Clock(started_on=D(2026, 12, 15), promised_days=20, legal_days=20))
    assert d.provisional
    assert d.provisional_years == (2027,)


def test_a_far_future_year_never_crashes() -> None:
    d = sla.deadlines(CAL, sla.Clock(started_on=D(2090, 6, 1), promised_days=20, legal_days=45))
    assert d.promised.due is not None
    assert d.provisional


def test_colours_follow_the_promised_date() -> None:
    due = D(2026, 3, 13)  # Friday
    assert sla.colour(CAL, D(2026, 3, 2), due) == "green"
    assert sla.colour(CAL, D(2026, 3, 11), due) == "yellow"
    assert sla.colour(CAL, due, due) == "red"
    assert sla.colour(CAL, D(2026, 3, 16), due) == "overdue"
    assert sla.colour(CAL, D(2026, 3, 2), due, paused=True) == "paused"
    assert sla.colour(CAL, D(2026, 3, 2), None) == "none"


def test_next_change_is_the_day_the_light_turns() -> None:
    due = D(2026, 3, 13)
    assert sla.next_change(CAL, D(2026, 3, 2), due) == D(2026, 3, 11)  # green → yellow
    assert sla.next_change(CAL, D(2026, 3, 11), due) == D(2026, 3, 13)  # yellow → red
    assert sla.next_change(CAL, D(2026, 3, 13), due) == D(2026, 3, 14)  # red → overdue
    assert sla.next_change(CAL, D(2026, 3, 16), due) is None
    assert sla.next_change(CAL, D(2026, 3, 2), None) is None


def test_worst_colour_wins() -> None:
    assert sla.worst(["green", "red", "yellow"]) == "red"
    assert sla.worst(["paused", "none"]) == "paused"
    assert sla.worst([]) == "none"


def test_a_same_day_clock_released_after_hours_starts_on_the_next_working_day() -> None:
    friday = dt.date(2025, 3, 7)
    assert sla.clock_start_day(CAL, dt.datetime.combine(friday, dt.time(10, 0)), days=0) == friday
    # 21:00 on Friday: no working time left, so a 即办 item is due on Monday, not red "today" at once.
    assert sla.clock_start_day(CAL, dt.datetime.combine(friday, dt.time(21, 0)), days=0) == dt.date(
        2025, 3, 10
    )
    assert sla.clock_start_day(CAL, dt.datetime(2025, 3, 8, 9, 0), days=0) == dt.date(2025, 3, 10)  # Saturday
    # A clock with days to count starts on the day itself whatever the hour (the count begins tomorrow).
    assert sla.clock_start_day(CAL, dt.datetime.combine(friday, dt.time(21, 0)), days=5) == friday
