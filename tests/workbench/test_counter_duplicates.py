"""At the counter, an open application of the same applicant and package is shown with a link before a
new one starts, and a second one needs the clerk's confirmation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from onego.cases.models import Case
from tests.cases.factories import PERSON_ID, online_applicant, submit
from tests.exchange.people import resident
from tests.workbench.conftest import People, page, signed_in

pytestmark = pytest.mark.django_db
START = "/workbench/counter/start/?region=520102&package=open-restaurant"


def started(clerk: Client) -> dict[str, str]:
    resident("张三", id_number=PERSON_ID, born=dt.date(1990, 3, 7), female=False)
    clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID, "name": "张三"})
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page(clerk.get(START)))
    assert key is not None
    return {
        "region": "520102",
        "package": "open-restaurant",
        "idempotency_key": key.group(1),
        "q_has_licence": "false",
        "q_floor_area": "500",
        "phone": "13812345678",
        "delivery_method": "electronic",
    }


def test_the_open_application_is_shown_with_a_link(people: People) -> None:
    existing = submit(online_applicant(), key="dup-counter-01", channel="web").case
    clerk = signed_in(people.clerk)
    started(clerk)
    html = page(clerk.get(START))
    assert f'href="/workbench/counter/cases/{existing.pk}/"' in html
    assert existing.reference in html
    assert 'name="confirm_duplicate"' in html


def test_a_second_application_needs_the_clerks_confirmation(people: People) -> None:
    submit(online_applicant(), key="dup-counter-02", channel="web")
    clerk = signed_in(people.clerk)
    data = started(clerk)
    refused = clerk.post("/workbench/counter/start/", data)
    assert refused.status_code == 409
    assert "已有一件未办结" in page(refused)
    assert Case.objects.count() == 1
    assert clerk.post("/workbench/counter/start/", {**data, "confirm_duplicate": "1"}).status_code == 302
    assert Case.objects.count() == 2


def test_a_double_click_is_not_a_duplicate(people: People) -> None:
    clerk = signed_in(people.clerk)
    data = started(clerk)
    assert clerk.post("/workbench/counter/start/", data).status_code == 302
    assert clerk.post("/workbench/counter/start/", data).status_code == 302
    assert Case.objects.count() == 1
