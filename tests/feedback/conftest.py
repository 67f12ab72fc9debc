"""A small world for 好差评: the cases test catalog, its staff plus supervisors, and cases the
applicant may rate — reached through the engine's own services (accept, withdraw, conclude)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from onego.accounts.models import Role
from onego.cases.models import Case
from onego.cases.services.submission import case_withdraw
from tests.cases.factories import import_cases_catalog, make_staff
from tests.cases.results_builders import accepted_case

MONDAY = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


class People:
    def __init__(self) -> None:
        self.clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
        self.officer = make_staff("officer", "nm-scjg", Role.OFFICER)
        self.officer2 = make_staff("officer2", "nm-scjg", Role.OFFICER)
        self.lead = make_staff("lead", "nm-scjg", Role.LEAD_OFFICER)
        self.fire = make_staff("fire", "gy-xf", Role.OFFICER)
        self.supervisor = make_staff("supervisor", "nm-zwfw", Role.SUPERVISOR)
        self.bj_supervisor = make_staff("bj-supervisor", "bj-zwfw", Role.SUPERVISOR)


@pytest.fixture
def people(db: None, tmp_path: Path) -> People:
    import_cases_catalog(tmp_path)
    return People()


def withdrawn_case(people: Any, key: str = "feedback-0001") -> Case:
    """Accepted (sub-cases with their departments), then withdrawn by the clerk for the applicant."""
    case = accepted_case(people, enterprise=False, key=key)
    return case_withdraw(actor=people.clerk, case_id=case.pk, reason="申请人不再开办")


@pytest.fixture
def rateable(people: People) -> Case:
    return withdrawn_case(people)


VILLAGE = "520102016002"


@pytest.fixture
def village(people: People) -> Any:
    """新华路社区 (a 12-digit village code) under 南明区, for reports."""
    from onego.catalog.models import Region

    county = Region.objects.get(code="520102")
    township = Region.objects.create(code="520102016", name="新华路街道", level="township", parent=county)
    return Region.objects.create(code=VILLAGE, name="新华路社区", level="village", parent=township)
