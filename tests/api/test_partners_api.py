"""The partner callback endpoint as a contract, and the staff view of a partner step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from onego.cases.models import PartnerCallback
from onego.cases.services.partners import partner_endpoint_set
from tests.cases.conftest import MONDAY, Staff
from tests.cases.factories import subcase
from tests.cases.partner_builders import (
    SECRET,
    callback_body,
    delivery_of,
    import_partner_catalog,
    run_deliveries,
    signed,
    started_case,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/partners/callbacks/{code}"


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def staff(db: None, tmp_path: Path, settings: Any) -> Staff:
    settings.DATA_DIR = tmp_path
    import_partner_catalog(tmp_path)
    return Staff()


@pytest.fixture
def sent(staff: Staff) -> Any:
    partner_endpoint_set(partner_code="gy-bank", url="local:", secret=SECRET)
    case = started_case(staff)
    assert run_deliveries() == ["sent"]
    return case


def partner_client() -> Client:
    # A partner has no session and no CSRF token: the signature is its credential.
    return Client(enforce_csrf_checks=True)


def send(body: bytes, headers: dict[str, str], code: str = "gy-bank") -> Any:
    return partner_client().post(
        URL.format(code=code), body, content_type="application/json", headers=headers
    )


def test_a_signed_callback_is_applied_once(sent: Any) -> None:
    body = callback_body(delivery_of(sent), "done", id="api-cb-1")
    headers = signed(body)
    first = send(body, headers)
    assert first.status_code == 200, first.content
    assert first.json() == {
        "status": "applied",
        "subcase": str(subcase(sent, "bank_account").pk),
        "subcase_status": "approved",
    }
    again = send(body, headers)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert PartnerCallback.objects.count() == 1


def test_bad_expired_and_missing_signatures_are_401(sent: Any) -> None:
    body = callback_body(delivery_of(sent), "done")
    for headers in (
        {**signed(body), "X-OneGo-Signature": "hmac-sha256=" + "f" * 64},
        signed(body, age=600),
        {},
        signed(body, secret="not-the-partners-secret-000"),
    ):
        res = send(body, headers)
        assert res.status_code == 401
        assert res.json()["detail"]["code"] == "bad_signature"
    assert send(body, signed(body), code="gz-bank").status_code == 401  # not connected
    assert subcase(sent, "bank_account").status == "pending"


def test_invalid_bodies_and_foreign_deliveries(sent: Any) -> None:
    junk = b"not json"
    assert send(junk, signed(junk)).status_code == 400
    wrong = callback_body("00000000-0000-0000-0000-000000000000", "done")
    assert send(wrong, signed(wrong)).status_code == 404
    body = callback_body(delivery_of(sent), "done", id="same-id")
    assert send(body, signed(body)).status_code == 200
    reused = callback_body(delivery_of(sent), "failed", id="same-id")
    res = send(reused, signed(reused))
    assert res.status_code == 409
    assert res.json()["detail"]["field"] == "id"


def test_staff_see_the_delivery_and_every_try(staff: Staff, sent: Any) -> None:
    bank = subcase(sent, "bank_account")
    client = Client()
    client.force_login(staff.lead)
    rows = client.get(f"/api/v1/subcases/{bank.pk}/partner").json()
    assert [(r["partner"], r["status"], r["attempts"]) for r in rows] == [("gy-bank", "sent", 1)]
    assert rows[0]["tries"][0]["http_status"] == 202
    assert client.post(f"/api/v1/subcases/{bank.pk}/partner/resend").status_code == 409  # already sent
    other = Client()
    other.force_login(staff.other_clerk)
    assert other.get(f"/api/v1/subcases/{bank.pk}/partner").status_code == 404
    food = subcase(sent, "food_business_permit")
    assert client.get(f"/api/v1/subcases/{food.pk}/partner").status_code == 404
