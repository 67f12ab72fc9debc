"""The cases API as a contract: status codes, shapes, the idempotency header, staff-only access."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from onego.cases.models import Case
from tests.cases.conftest import MONDAY, Staff
from tests.cases.factories import PERSON_ID, full_form, import_cases_catalog

pytestmark = pytest.mark.django_db


def pdf(name: str) -> dict[str, str]:
    return {"filename": name, "content_base64": base64.b64encode(b"%PDF-1.4 " + name.encode()).decode()}


def payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "package": "open-restaurant",
        "region": "520102",
        "applicant": {"kind": "person", "identifier": PERSON_ID, "name": "张三"},
        "channel": "counter",
        "answers": {"has_licence": False, "floor_area": 500},
        "form": full_form(),
        "materials": [
            {"material": "resident_id_card", **pdf("id.pdf")},  # not verified by the exchange here: uploaded
            {"material": "food_safety_plan", **pdf("plan.pdf")},
            {"material": "floor_plan", **pdf("floor.pdf")},
            {"material": "lease_contract", **pdf("lease.pdf")},
        ],
        "contact": {"phone": "13812345678"},
    }
    body.update(overrides)
    return body


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def staff(db: None, tmp_path: Path) -> Staff:
    import_cases_catalog(tmp_path)
    return Staff()


@pytest.fixture
def clerk(staff: Any) -> Client:
    return as_user(staff.clerk)


def test_submit_is_idempotent_by_header(clerk: Client) -> None:
    first = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "api-key-000001"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "pre_reviewed"
    assert body["reference"].startswith("NM-")
    assert body["applicant"] == "张*"
    assert PERSON_ID not in first.content.decode()
    again = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "api-key-000001"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    changed = post(
        clerk, "/api/v1/cases", payload(delivery_method="pickup"), **{"Idempotency-Key": "api-key-000001"}
    )
    assert changed.status_code == 409
    assert changed.json()["detail"]["field"] == "idempotency_key"
    assert Case.objects.count() == 1


def test_submit_without_the_header_is_refused(clerk: Client) -> None:
    assert post(clerk, "/api/v1/cases", payload()).status_code == 422


def test_only_signed_in_staff_may_call(staff: Any) -> None:
    assert (
        post(Client(), "/api/v1/cases", payload(), **{"Idempotency-Key": "api-key-000002"}).status_code == 401
    )
    nobody = get_user_model().objects.create_user(username="citizen", password=None)
    assert as_user(nobody).get("/api/v1/inbox").status_code == 401


def test_an_incomplete_submission_comes_back_with_its_printable_notice(clerk: Client) -> None:
    form = full_form()
    del form["enterprise.name"]
    res = post(
        clerk, "/api/v1/cases", payload(form=form, materials=[]), **{"Idempotency-Key": "api-key-000003"}
    )
    body = res.json()
    assert body["status"] == "needs_correction"
    assert [p["field"] for p in body["notices"][0]["problems"]] == [
        "enterprise.name",
        "material:resident_id_card",
        "material:lease_contract",
        "material:food_safety_plan",
        "material:floor_plan",
    ]
    page = clerk.get(f"/api/v1/cases/{body['id']}/notices/1")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "一次性告知书" in page.content.decode()
    text = clerk.get(f"/api/v1/cases/{body['id']}/notices/1?format=text").content.decode()
    assert text.startswith("一次性告知书（第1号）")


def test_the_whole_flow_through_the_api(staff: Any, clerk: Client) -> None:
    case = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "api-key-000004"}).json()
    accepted = post(
        clerk, f"/api/v1/cases/{case['id']}/accept", {"at_counter": True, "version": case["version"]}
    )
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["lead_department"] == "南明区市场监督管理局"
    assert body["accepted_by"] == "clerk"
    subs = {s["code"]: s for s in body["subcases"]}
    assert subs["business_licence"]["deadline"]["colour"] == "yellow"

    officer = as_user(staff.officer)
    inbox = officer.get("/api/v1/inbox").json()
    assert [r["code"] for r in inbox] == ["quick_filing", "business_licence"]

    licence = subs["business_licence"]
    ok = post(
        officer,
        f"/api/v1/subcases/{licence['id']}/approve",
        {"opinion": "准予", "version": licence["version"]},
    )
    assert ok.status_code == 200
    stale = post(
        as_user(staff.officer2), f"/api/v1/subcases/{licence['id']}/approve", {"version": licence["version"]}
    )
    assert stale.status_code == 409

    fire = as_user(staff.fire)
    fire_id = subs["fire_safety_inspection"]["id"]
    assert post(officer, f"/api/v1/subcases/{fire_id}/accept", {}).status_code == 403
    assert post(fire, f"/api/v1/subcases/{fire_id}/accept", {}).status_code == 200
    assert post(fire, f"/api/v1/subcases/{fire_id}/claim", {}).status_code == 200
    rejected = post(fire, f"/api/v1/subcases/{fire_id}/reject", {"opinion": "疏散通道不足"})
    assert rejected.status_code == 200

    # 食品经营许可 needs a site inspection: one appointment, then the department's findings.
    food = as_user(staff.officer2)
    when = (MONDAY + dt.timedelta(hours=2)).isoformat()
    planned = post(
        food, f"/api/v1/cases/{case['id']}/inspections", {"scheduled_for": when, "place": "花果园"}
    )
    assert planned.status_code == 201, planned.content
    found = {"department": "nm-scjg", "findings": "后厨布局合理", "conclusion": "pass"}
    held = post(food, f"/api/v1/inspections/{planned.json()['id']}/findings", {"findings": [found]})
    assert held.json()["status"] == "held"

    for code, who in (("quick_filing", officer), ("food_business_permit", food)):
        sid = subs[code]["id"]
        assert post(who, f"/api/v1/subcases/{sid}/claim", {}).status_code == 200
        assert post(who, f"/api/v1/subcases/{sid}/approve", {"opinion": "同意"}).status_code == 200

    lead = as_user(staff.lead)
    assert post(officer, f"/api/v1/cases/{case['id']}/conclusion", {}).status_code == 403
    done = post(lead, f"/api/v1/cases/{case['id']}/conclusion", {"summary": "部分准予"})
    assert done.status_code == 200
    final = done.json()
    assert final["status"] == "concluded"
    assert final["conclusion"]["outcome"] == "partly_approved"
    assert len(final["conclusion"]["opinions"]) == 4
    actions = [e["action"] for e in final["timeline"]]
    assert actions[0] == "create"
    assert actions[-1] == "conclude"
    again = post(officer, f"/api/v1/subcases/{subs['quick_filing']['id']}/approve", {})
    assert again.status_code == 409
    assert again.json()["detail"]["message"] == "办件已办结，不能再办理其中的事项"


def test_a_case_of_another_region_is_not_found(staff: Any, clerk: Client) -> None:
    case = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "api-key-000005"}).json()
    res = as_user(staff.other_clerk).get(f"/api/v1/cases/{case['id']}")
    assert res.status_code == 404
    assert (
        res.json()
        == as_user(staff.other_clerk).get("/api/v1/cases/00000000-0000-0000-0000-000000000000").json()
    )


def test_supplement_round_trip(staff: Any, clerk: Client) -> None:
    case = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "api-key-000006"}).json()
    body = post(clerk, f"/api/v1/cases/{case['id']}/accept", {}).json()
    quick = next(s for s in body["subcases"] if s["code"] == "quick_filing")
    officer = as_user(staff.officer)
    post(officer, f"/api/v1/subcases/{quick['id']}/claim", {})
    asked = post(
        officer,
        f"/api/v1/subcases/{quick['id']}/supplement",
        {"items": [{"target": "enterprise.name", "message": "名称与营业执照不一致"}]},
    ).json()
    assert asked["status"] == "supplement"
    assert asked["supplement"]["items"][0]["name"] == "企业名称"
    answered = post(
        clerk, f"/api/v1/cases/{case['id']}/supplement", {"form": {"enterprise.name": "好味道餐饮"}}
    )
    assert answered.status_code == 200
    assert answered.json()["status"] == "in_progress"
