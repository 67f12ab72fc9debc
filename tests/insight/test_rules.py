"""The rollup arithmetic on hand-built facts (no database)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from onego.core.workdays import WorkingCalendar
from onego.insight import rules

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MON = dt.date(2026, 3, 2)
CAL = WorkingCalendar()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def case(**kw: object) -> rules.CaseFact:
    base: dict[str, object] = {
        "day": MON,
        "region_code": "520102",
        "package_code": "newborn-birth",
        "channel": "web",
        "status": "concluded",
        "submitted_at": at(MON, 9),
        "accepted_at": at(MON, 11),
        "concluded_at": at(MON + dt.timedelta(days=3), 16),
        "promised_due": MON + dt.timedelta(days=3),
        "legal_due": MON + dt.timedelta(days=10),
        "outcome": "approved",
        "burden": {
            "fields_separate": 40,
            "fields_to_type": 12,
            "uploads_separate": 6,
            "uploads_to_make": 2,
            "trips_separate": 4,
            "trips_package": 1,
            "days_serial": 10,
        },
        "uploads_made": 2,
        "rating": 5,
    }
    base.update(kw)
    return rules.CaseFact(**base)  # type: ignore[arg-type]


def test_cases_sum_into_their_bucket_with_hours_and_working_days() -> None:
    facts = [
        case(),
        case(channel="counter", concluded_at=at(MON + dt.timedelta(days=7), 10), rating=2),  # late
        case(
            status="in_progress",
            concluded_at=None,
            outcome="",
            rating=None,
            promised_due=MON + dt.timedelta(days=1),
        ),  # open, overdue by the 5th
        case(status="not_accepted", accepted_at=None, concluded_at=None, outcome="", rating=None),
    ]
    rows = rules.roll_cases(facts, calendar=CAL, today=MON + dt.timedelta(days=3), tz=TZ)
    web = rows[(MON, "520102", "newborn-birth", "web")]
    assert (web["submitted"], web["online"], web["accepted"], web["concluded"]) == (3, 3, 2, 1)
    assert web["not_accepted"] == 1
    assert web["open_cases"] == 1
    assert web["open_overdue"] == 1
    assert web["accept_hours"] == 4.0
    assert web["accept_workdays"] == 0
    assert web["conclude_hours"] == 77.0
    assert web["conclude_workdays"] == 3
    assert web["on_time"] == 1
    assert web["days_serial"] == 10
    assert web["days_taken"] == 3
    assert web["fields_separate"] == 120
    assert web["uploads_made"] == 6
    assert (web["rated"], web["rating_sum"], web["satisfied"], web["bad"]) == (1, 5, 1, 0)
    counter = rows[(MON, "520102", "newborn-birth", "counter")]
    assert counter["concluded"] == 1
    assert counter["on_time"] == 0
    assert counter["legal_on_time"] == 1
    assert counter["conclude_workdays"] == 5  # Mon → next Mon: five working days
    assert counter["bad"] == 1
    assert counter["online"] == 0


def test_a_sub_case_waits_for_its_prerequisite_then_is_handled() -> None:
    accepted = at(MON, 10)
    released = at(MON + dt.timedelta(days=1), 10)
    facts = [
        rules.SubCaseFact(
            day=MON,
            region_code="520102",
            package_code="p",
            department_code="nm-health",
            status="approved",
            case_accepted_at=accepted,
            released_at=released,
            decided_at=at(MON + dt.timedelta(days=2), 12),
            promised_due=MON + dt.timedelta(days=1),
            held_by="birth_certificate",
        ),
        rules.SubCaseFact(
            day=MON,
            region_code="520102",
            package_code="p",
            department_code="nm-health",
            status="claimed",
            case_accepted_at=accepted,
            released_at=accepted,
            promised_due=MON + dt.timedelta(days=1),
        ),
    ]
    feedback = [
        rules.DepartmentFeedbackFact(
            day=MON, region_code="520102", package_code="p", department_code="nm-health", rating=1
        ),
        rules.DepartmentFeedbackFact(
            day=MON,
            region_code="520102",
            package_code="p",
            department_code="nm-health",
            rectification_status="open",
            rect_due_on=MON + dt.timedelta(days=2),
        ),
    ]
    rows = rules.roll_departments(facts, feedback, calendar=CAL, today=MON + dt.timedelta(days=4), tz=TZ)
    held = rows[(MON, "520102", "p", "nm-health", "birth_certificate")]
    assert (held["wait_n"], held["wait_hours"], held["wait_workdays"]) == (1, 24.0, 1)
    assert (held["handle_n"], held["handle_hours"], held["late"], held["on_time"]) == (1, 26.0, 1, 0)
    plain = rows[(MON, "520102", "p", "nm-health", "")]
    assert plain["subcases"] == 1
    assert plain["open_overdue"] == 1
    assert (plain["ratings"], plain["bad"], plain["rectifications"], plain["rect_open_overdue"]) == (
        1,
        1,
        1,
        1,
    )


def test_the_prerequisite_that_held_longest_is_the_one_decided_last_or_still_undecided() -> None:
    decided = {"a": at(MON, 9), "b": at(MON, 15), "c": None}
    assert rules.held_by(["a", "b"], decided) == "b"
    assert rules.held_by(["a", "b", "c"], decided) == "c"
    assert rules.held_by(["x"], decided) == ""
    assert rules.held_by([], decided) == ""


def test_region_prefixes_and_children_by_level() -> None:
    assert [rules.scope_prefix(c) for c in ("520000", "520100", "520102", "520102016", "520102016002")] == [
        "52",
        "5201",
        "520102",
        "520102016",
        "520102016002",
    ]
    assert [rules.child_length(c) for c in ("520000", "520100", "520102", "520102016")] == [4, 6, 9, 12]
    assert rules.child_code("5201") == "520100"
    assert rules.child_code("520102016") == "520102016"


def test_ratios_are_none_without_a_denominator() -> None:
    assert rules.share(1, 0) is None
    assert rules.mean(5, 0) is None
    assert rules.reduction(0, 0) is None
    assert rules.share(1, 4) == 0.25
    assert rules.reduction(10, 4) == 0.6
