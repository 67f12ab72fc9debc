from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection

from onego.accounts.models import Role
from tests.cases.factories import import_cases_catalog, make_staff


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    # Row locks and real concurrency exist only on PostgreSQL; SQLite serialises writers anyway.
    if request.node.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set ONEGO_DATABASE_URL=postgres://...)")


MONDAY = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[time_machine.Coordinates]:
    """Case tests start on Monday 2 March 2026 (no holiday near); the clock keeps ticking."""
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def cases_catalog(db: None, tmp_path: Path) -> None:
    import_cases_catalog(tmp_path)


class Staff:
    """The people of the test region: a window clerk, officers of each department, a lead officer."""

    def __init__(self) -> None:
        self.clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
        self.other_clerk = make_staff("bj-clerk", "bj-zwfw", Role.CLERK)
        self.officer = make_staff("officer", "nm-scjg", Role.OFFICER)
        self.officer2 = make_staff("officer2", "nm-scjg", Role.OFFICER)
        self.lead = make_staff("lead", "nm-scjg", Role.LEAD_OFFICER)
        self.fire = make_staff("fire", "gy-xf", Role.OFFICER)
        self.supervisor = make_staff("supervisor", "nm-zwfw", Role.SUPERVISOR)


@pytest.fixture
def staff(cases_catalog: None) -> Staff:
    return Staff()


@pytest.fixture
def instant_rule(monkeypatch: pytest.MonkeyPatch, db: None, tmp_path: Path) -> Any:
    """Declare the 秒批 rule of the test catalog's instant item in its definition (and import it)."""
    from onego.catalog.models import ServiceItem
    from tests.cases import factories

    monkeypatch.setattr(factories, "DECLARE_QUICK_FILING_RULE", True)
    if ServiceItem.objects.filter(code="quick_filing").exists():
        factories.import_cases_catalog(tmp_path / "with-rule")
    return factories.QUICK_FILING_RULE
