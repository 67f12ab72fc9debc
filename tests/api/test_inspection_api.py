"""联合踏勘 through the API: schedule, list, record findings per department, cancel; approval waits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from onego.cases.services.acceptance import case_accept
from onego.cases.services.decisions import subcase_approve
from tests.cases.conftest import MONDAY, Staff
from tests.cases.factories import import_cases_catalog, subcase, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def staff(db: None, tmp_path: Path, settings: Any) -> Staff:
    settings.DATA_DIR = tmp_path
    import_cases_catalog(tmp_path)
    return Staff()


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_schedule_record_and_then_approve(staff: Staff) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    subcase_approve(actor=staff.officer, subcase_id=subcase(case, "business_licence").pk)
    food = subcase(case, "food_business_permit")
    market = as_user(staff.officer2)
    assert post(market, f"/api/v1/subcases/{food.pk}/claim", {}).status_code == 200
    refused = post(market, f"/api/v1/subcases/{food.pk}/approve", {"opinion": "同意"})
    assert refused.status_code == 409
    assert refused.json()["detail"]["field"] == "inspection"

    when = (MONDAY + dt.timedelta(hours=1)).isoformat()
    bad = post(market, f"/api/v1/cases/{case.pk}/inspections", {"scheduled_for": when, "place": " "})
    assert bad.status_code == 400
    made = post(market, f"/api/v1/cases/{case.pk}/inspections", {"scheduled_for": when, "place": "花果园"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "scheduled"
    assert body["lead_department"] == "南明区市场监督管理局"
    assert [(p["code"], p["department"]) for p in body["participants"]] == [
        ("food_business_permit", "南明区市场监督管理局")
    ]
    again = post(market, f"/api/v1/cases/{case.pk}/inspections", {"scheduled_for": when, "place": "花果园"})
    assert again.status_code == 409

    url = f"/api/v1/inspections/{body['id']}/findings"
    part = {"department": "nm-scjg", "findings": "后厨布局合理", "conclusion": "pass"}
    assert post(as_user(staff.fire), url, {"findings": [part]}).status_code == 403
    assert post(as_user(staff.other_clerk), url, {"findings": [part]}).status_code == 404
    assert post(market, url, {"findings": [{**part, "conclusion": "fine"}]}).status_code == 422
    held = post(market, url, {"findings": [part]})
    assert held.status_code == 200
    assert held.json()["status"] == "held"
    assert held.json()["participants"][0]["conclusion_label"] == "符合要求"

    listed = market.get(f"/api/v1/cases/{case.pk}/inspections").json()
    assert [i["id"] for i in listed] == [body["id"]]
    approved = post(market, f"/api/v1/subcases/{food.pk}/approve", {"opinion": "踏勘合格"})
    assert approved.status_code == 200
    timeline = [e["action_label"] for e in approved.json()["timeline"]]
    assert "安排联合踏勘" in timeline
    assert "踏勘意见" in timeline
    assert "联合踏勘完成" in timeline


def test_cancel_through_the_api(staff: Staff) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    market = as_user(staff.officer2)
    when = (MONDAY + dt.timedelta(days=1)).isoformat()
    made = post(market, f"/api/v1/cases/{case.pk}/inspections", {"scheduled_for": when, "place": "花果园"})
    assert made.status_code == 201  # the food permit still waits on the licence: inspected with the rest
    url = f"/api/v1/inspections/{made.json()['id']}/cancel"
    assert post(market, url, {"reason": "申请人改期"}).json()["status"] == "cancelled"
    assert post(market, url, {"reason": "again"}).status_code == 409
    assert post(market, "/api/v1/inspections/not-an-id/cancel", {"reason": "x"}).status_code == 404
