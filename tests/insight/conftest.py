"""A small world for insight: the cases test catalog, its staff and supervisors of two regions, and
time moved explicitly so the hours and working days the rollups sum are known."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine

from onego.accounts.models import Role
from tests.cases.factories import import_cases_catalog, make_staff

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 3, 2, 9, 30, tzinfo=TZ)


@pytest.fixture
def traveller() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(MONDAY, tick=False) as t:
        yield t


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
def people(db: None, tmp_path: Path, traveller: time_machine.Coordinates) -> People:
    import_cases_catalog(tmp_path)
    return People()
