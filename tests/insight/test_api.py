"""The dashboard in /api/v1 (onego.api.insight): the page's figures, region scope and period rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onego.insight.refresh import insight_refresh
from tests.insight.conftest import People
from tests.insight.test_dashboard import PERIOD, client_for
from tests.insight.test_refresh import concluded_case

pytestmark = pytest.mark.django_db
URL = "/api/v1/insight/dashboard"


@pytest.fixture
def world(people: People, traveller: Any) -> People:
    concluded_case(people, traveller, "insight-api-0001")
    insight_refresh()
    return people


def test_the_api_answers_the_same_figures_as_the_page(world: People) -> None:
    c = client_for(world.supervisor)
    response = c.get(URL, {"region": "520102", **PERIOD})
    assert response.status_code == 200, response.content
    body = response.json()
    page = c.get(reverse("workbench:insight"), {"region": "520102", **PERIOD}).context["board"]
    assert (body["region"], body["start"], body["end"]) == ("520102", "2026-02-01", "2026-03-31")
    assert [f["key"] for f in body["figures"]] == [f.key for f in page.figures]
    assert body["headline"] == page.headline
    volume = body["figures"][0]
    assert volume["rows"][0]["total"] == 1
    assert volume["rows"][0]["offline"] == 1
    assert [c["key"] for c in volume["columns"]] == ["label", "online", "offline", "total", "online_share"]
    one = c.get(URL, {"region": "520102", "figure": "burden", **PERIOD}).json()
    assert [f["key"] for f in one["figures"]] == ["burden"]
    assert c.get(URL, {"figure": "nothing"}).status_code == 404


def test_another_region_is_not_found_and_others_are_refused(world: People) -> None:
    bj = client_for(world.bj_supervisor)
    assert bj.get(URL, {"region": "520102"}).status_code == 404
    own = bj.get(URL, {"region": "520500", **PERIOD})
    assert own.status_code == 200
    assert own.json()["headline"]["submitted"] == 0  # nothing of 南明区's case
    assert bj.get(URL).json()["region"] == "520500"  # the default: the widest region they oversee
    officer = client_for(world.officer).get(URL)
    assert officer.status_code == 403
    assert officer.json()["detail"]["code"] == "forbidden"
    from django.test import Client

    assert Client().get(URL).status_code == 401


def test_a_bad_month_names_its_field(world: People) -> None:
    c = client_for(world.supervisor)
    bad = c.get(URL, {"from": "2026-13"})
    assert bad.status_code == 400
    assert bad.json()["detail"]["field"] == "from"
    reversed_period = c.get(URL, {"from": "2026-04", "to": "2026-03"})
    assert reversed_period.status_code == 400
    assert reversed_period.json()["detail"]["field"] == "from"
