"""The refresh against cases built through the engine: sums, times, idempotence, increments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from onego.cases.services.acceptance import case_accept
from onego.cases.services.conclusion import case_issue_conclusion
from onego.insight.models import CaseDay, CaseMonth, DepartmentDay, DepartmentMonth
from onego.insight.refresh import insight_refresh
from tests.cases.factories import submit
from tests.cases.results_builders import decide_all
from tests.insight.conftest import MONDAY, People

pytestmark = pytest.mark.django_db


def concluded_case(people: People, traveller: time_machine.Coordinates, key: str) -> Any:
    """Submitted Monday 09:30, accepted 11:30, every item decided and concluded Wednesday 10:00."""
    traveller.move_to(MONDAY)
    result = submit(people.clerk, key=key)
    traveller.move_to(MONDAY + dt.timedelta(hours=2))
    case = case_accept(actor=people.clerk, case_id=result.case.pk)
    traveller.move_to(MONDAY + dt.timedelta(days=2, minutes=30))
    decide_all(people, case)
    return case_issue_conclusion(actor=people.lead, case_id=case.pk, summary="").case


def rows(model: Any) -> list[dict[str, Any]]:
    return sorted(
        ({k: v for k, v in r.items() if k != "id"} for r in model.objects.values()),
        key=lambda r: sorted(r.items()),
    )


def test_a_concluded_case_is_summed_into_its_submission_day(people: People, traveller: Any) -> None:
    case = concluded_case(people, traveller, "insight-0001")
    report = insight_refresh()
    assert report.cases == 1
    assert report.days == 1
    row = CaseDay.objects.get()
    assert (row.day, row.region_code, row.package_code, row.channel) == (
        dt.date(2026, 3, 2),
        "520102",
        case.package_code,
        "counter",
    )
    assert (row.submitted, row.online, row.accepted, row.concluded, row.approved) == (1, 0, 1, 1, 1)
    assert row.accept_n == 1
    assert row.accept_hours == pytest.approx(2.0)
    assert row.accept_workdays == 0
    assert row.conclude_n == 1
    assert row.conclude_hours == pytest.approx(46.5)
    assert row.conclude_workdays == 2
    assert row.on_time == 1
    assert row.open_cases == 0
    burden = case.snapshot["burden"]
    assert row.fields_separate == burden["fields_separate"]
    assert row.uploads_separate == burden["uploads_separate"]
    assert row.uploads_made == 4  # the four files of tests.cases.factories.uploads()
    assert row.days_serial == burden["days_serial"]
    assert row.days_taken == 2
    month = CaseMonth.objects.get()  # the same sums, by month and county
    assert (month.day, month.region_code, month.submitted, month.conclude_workdays) == (
        dt.date(2026, 3, 1),
        "520102",
        1,
        2,
    )
    assert sum(DepartmentMonth.objects.values_list("decided", flat=True)) == sum(
        DepartmentDay.objects.values_list("decided", flat=True)
    )
    departments = {r.department_code for r in DepartmentDay.objects.all()}
    assert departments == {sc.department.code for sc in case.subcases.all() if sc.department}
    decided = sum(r.decided for r in DepartmentDay.objects.all())
    assert decided == case.subcases.filter(kind="item").count()


def test_refresh_is_idempotent_and_a_full_rebuild_gives_the_same_rows(people: People, traveller: Any) -> None:
    concluded_case(people, traveller, "insight-0001")
    insight_refresh()
    first = (rows(CaseDay), rows(DepartmentDay), rows(CaseMonth), rows(DepartmentMonth))
    within_overlap = insight_refresh()  # the same changes are read again (the overlap): same rows
    assert within_overlap.days == 1
    assert (rows(CaseDay), rows(DepartmentDay), rows(CaseMonth), rows(DepartmentMonth)) == first
    traveller.shift(dt.timedelta(minutes=10))
    insight_refresh()  # still within the overlap of the previous run's start
    traveller.shift(dt.timedelta(minutes=10))
    assert insight_refresh().days == 0  # nothing changed since
    assert (rows(CaseDay), rows(DepartmentDay), rows(CaseMonth), rows(DepartmentMonth)) == first
    insight_refresh(full=True)
    assert (rows(CaseDay), rows(DepartmentDay), rows(CaseMonth), rows(DepartmentMonth)) == first


def test_only_days_with_changes_are_rebuilt(people: People, traveller: Any) -> None:
    concluded_case(people, traveller, "insight-0001")
    insight_refresh()
    traveller.shift(dt.timedelta(minutes=10))
    insight_refresh()  # past the overlap: the first case's changes are read for the last time
    traveller.move_to(MONDAY + dt.timedelta(days=3))
    submit(people.clerk, key="insight-0002")
    report = insight_refresh()
    assert report.days == 1
    assert report.cases == 1
    assert sorted(CaseDay.objects.values_list("day", "submitted")) == [
        (dt.date(2026, 3, 2), 1),
        (dt.date(2026, 3, 5), 1),
    ]
