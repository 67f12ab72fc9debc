from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from onego.accounts.models import Role
from onego.cases.models import Case
from onego.cases.services.acceptance import case_accept
from onego.cases.services.decisions import subcase_decide_at_window
from tests.cases.factories import import_cases_catalog, make_staff, subcase, submit

MONDAY = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def monday_morning() -> Iterator[time_machine.Coordinates]:
    """Workbench case tests start on Monday 2 March 2026 (no holiday near); the clock keeps ticking."""
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


class People:
    """The test region's staff (南明区): a window clerk, officers, a lead officer; fire at 贵阳市."""

    def __init__(self) -> None:
        self.clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
        self.officer = make_staff("officer", "nm-scjg", Role.OFFICER)
        self.officer2 = make_staff("officer2", "nm-scjg", Role.OFFICER)
        self.lead = make_staff("lead", "nm-scjg", Role.LEAD_OFFICER)
        self.fire = make_staff("fire", "gy-xf", Role.OFFICER)
        self.bijie_clerk = make_staff("bj-clerk", "bj-zwfw", Role.CLERK)


@pytest.fixture
def people(db: None, tmp_path: Path, monday_morning: Any, settings: Any) -> People:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    import_cases_catalog(tmp_path)
    return People()


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def accepted_case(people: People, **overrides: Any) -> Case:
    """A new 500 m² restaurant accepted at the counter, its business licence (一类) decided there: the
    food permit (二类) and the filing wait in 南明区市场监管's inbox, the fire inspection (三类) is
    registered for 贵阳市消防."""
    case = submit(people.clerk, **overrides).case
    case = case_accept(actor=people.clerk, case_id=case.pk, at_counter=True)
    subcase_decide_at_window(
        actor=people.clerk, subcase_id=subcase(case, "business_licence").pk, approve=True, opinion="准予登记"
    )
    return case


def page(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def instant_rule(monkeypatch: pytest.MonkeyPatch, db: None, tmp_path: Path) -> Any:
    """Declare the 秒批 rule of the test catalog's instant item in its definition (and import it)."""
    from onego.catalog.models import ServiceItem
    from tests.cases import factories

    monkeypatch.setattr(factories, "DECLARE_QUICK_FILING_RULE", True)
    if ServiceItem.objects.filter(code="quick_filing").exists():
        factories.import_cases_catalog(tmp_path / "with-rule")
    return factories.QUICK_FILING_RULE
