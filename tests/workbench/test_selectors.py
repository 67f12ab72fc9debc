"""The workbench's reads: what a list shows is read in a number of queries that does not grow with its rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onego.accounts.selectors import staff_of
from onego.cases.access import can_see_case
from onego.cases.models import Case
from onego.core.services import working_calendar
from onego.workbench.selectors import applicant_cases, led_case_rows, led_cases
from tests.cases.factories import PERSON_ID, submit
from tests.workbench.conftest import People, accepted_case

pytestmark = pytest.mark.django_db


def queries_of(fn: Callable[..., object], *args: object) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn(*args)
    return len(ctx.captured_queries)


def submitted(people: People, n: int) -> list[Case]:
    return [submit(people.clerk, key=f"selector-key-{i:04d}").case for i in range(n)]


def test_the_applicants_cases_are_those_the_rule_lets_the_user_see(people: People) -> None:
    accepted = accepted_case(people)  # 贵阳市消防 has a sub-case in it
    waiting = submitted(people, 1)[0]  # not accepted: no sub-case yet
    for user in (people.clerk, people.fire, people.bijie_clerk, people.officer):
        staff = staff_of(user)
        expected = [c.pk for c in (waiting, accepted) if can_see_case(user, staff, c)]
        assert [c.pk for c in applicant_cases(user, staff, "person", PERSON_ID)] == expected
    fire = staff_of(people.fire)
    assert [c.pk for c in applicant_cases(people.fire, fire, "person", PERSON_ID)] == [accepted.pk]
    assert applicant_cases(people.bijie_clerk, staff_of(people.bijie_clerk), "person", PERSON_ID) == []


@pytest.mark.parametrize("who", ["bijie_clerk", "fire"])
def test_the_applicants_cases_cost_the_same_queries_for_one_case_or_many(people: People, who: str) -> None:
    # Staff of a department outside the cases' region: each case's visibility turns on its sub-cases.
    user = getattr(people, who)
    staff = staff_of(user)
    accepted_case(people)
    one = queries_of(applicant_cases, user, staff, "person", PERSON_ID)
    submitted(people, 3)
    assert queries_of(applicant_cases, user, staff, "person", PERSON_ID) == one


def test_the_led_cases_cost_the_same_queries_for_one_case_or_many(people: People) -> None:
    staff = staff_of(people.lead)
    calendar, today = working_calendar(), dt.date(2026, 3, 2)

    def rows() -> None:
        led_case_rows(led_cases(staff, ["in_progress"]), calendar=calendar, today=today)

    accepted_case(people)
    one = queries_of(rows)
    for i in range(2):
        accepted_case(people, key=f"led-key-{i:04d}")
    assert len(led_case_rows(led_cases(staff, ["in_progress"]), calendar=calendar, today=today)) == 3
    assert queries_of(rows) == one
