"""The exchange API is the contract the portal and partners build on: values leave masked."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from onego.accounts.models import Role
from onego.cases.models import Case
from onego.cases.services.submission import ApplicantIn, case_submit
from onego.exchange.models import Consent
from onego.ledger.models import LedgerEntry
from tests.cases.factories import make_staff
from tests.exchange.conftest import ANSWERS, Applicant

pytestmark = pytest.mark.django_db


def post(admin_client: Client, url: str, body: dict[str, Any]) -> Any:
    return admin_client.post(url, json.dumps(body, default=str), content_type="application/json")


def who(applicant: Applicant) -> dict[str, str]:
    return {"kind": "person", "key": applicant.subject.key}


def consent_body(applicant: Applicant, **extra: Any) -> dict[str, Any]:
    return {
        "package": "open-restaurant",
        "region": "520102",
        "answers": ANSWERS,
        "applicant": who(applicant),
        **extra,
    }


def test_preview_shows_registries_and_never_echoes_the_id_number(
    restaurant: None, applicant: Applicant, admin_client: Client
) -> None:
    response = post(admin_client, "/api/v1/exchange/consents/preview", consent_body(applicant))
    assert response.status_code == 200
    data = response.json()
    assert [r["registry"] for r in data["registries"]] == ["population", "elicence"]
    assert data["registries"][0]["elements"][0] == {
        "element": "person.name",
        "name": "姓名",
        "sensitive": False,
        "contract": "pkg.open-restaurant@v1",
        "used_by": ["food_business_permit"],
        "only_if_applicant": False,  # the applicant's own datum: read under their consent, no condition
    }
    assert applicant.subject.key not in response.content.decode()


@pytest.fixture
def clerk_user(restaurant: None) -> Any:
    """A window clerk of 南明区: the applicant is in front of them."""
    return make_staff("clerk", "nm-scjg", Role.CLERK)


@pytest.fixture
def clerk(clerk_user: Any) -> Client:
    client = Client()
    client.force_login(clerk_user)
    return client


@pytest.fixture
def case(clerk_user: Any, applicant: Applicant) -> Case:
    """The applicant's draft case, started at the counter."""
    return case_submit(
        actor=clerk_user,
        package_code="open-restaurant",
        region_code="520102",
        applicant=ApplicantIn(kind="person", identifier=applicant.subject.key, name=applicant.name),
        idempotency_key="exchange-api-0001",
        channel="counter",
        answers=ANSWERS,
        draft=True,
    ).case


def test_a_clerk_grants_and_prefills_for_the_applicant_in_front_of_them(
    applicant: Applicant, clerk: Client, case: Case
) -> None:
    granted = post(clerk, "/api/v1/exchange/consents", {"case_ref": case.pk, "ttl_days": 7})
    assert granted.status_code == 201, granted.content
    consent = granted.json()
    assert consent["status"] == "active"
    assert consent["channel"] == "window"
    assert consent["registries"]["population"]["elements"] == ["person.name", "person.id_number"]

    filled = post(clerk, "/api/v1/exchange/prefill", {"case_ref": case.pk, "consent_id": consent["id"]})
    assert filled.status_code == 200, filled.content
    data = filled.json()
    assert data["clicks"] == 1
    key = applicant.subject.key
    assert data["values"]["person.id_number"]["value"] == f"{key[:4]}{'*' * 10}{key[-4:]}"
    assert data["values"]["person.name"]["value"] == "王**"
    assert data["values"]["person.name"]["source_name"] == "人口库"
    assert key not in filled.content.decode()

    # Recorded as the clerk at the window, never as the citizen.
    actors = set(LedgerEntry.objects.filter(case_ref=str(case.pk)).values_list("kind", "actor").distinct())
    assert ("consent.granted", "dept:nm-scjg/user:clerk") in actors
    assert all(actor == "dept:nm-scjg/user:clerk" for _kind, actor in actors)
    assert LedgerEntry.objects.get(kind="consent.granted").payload["channel"] == "window"

    materials = clerk.get(f"/api/v1/exchange/cases/{case.pk}/materials").json()
    assert {m["material"] for m in materials} == {"resident_id_card", "business_licence"}

    reads = post(clerk, "/api/v1/exchange/reads", {"applicant": {"kind": "person", "key": key}})
    assert reads.status_code == 200
    assert [r["registry"] for r in reads.json()] == ["population", "elicence"]
    assert reads.json()[0]["purpose"] == "办理「开办餐饮店」"


def test_consent_on_a_case_that_does_not_exist_is_404_and_nothing_is_recorded(
    clerk: Client, applicant: Applicant
) -> None:
    response = post(
        clerk,
        "/api/v1/exchange/consents",
        consent_body(applicant, case_ref=str(uuid.uuid4())),
    )
    assert response.status_code == 404
    assert not Consent.objects.exists()
    assert not LedgerEntry.objects.filter(kind="consent.granted").exists()


def test_officers_and_superusers_cannot_grant_consent_a_clerk_of_the_city_can(
    case: Case, admin_client: Client
) -> None:
    officer = Client()
    officer.force_login(make_staff("officer", "nm-scjg", Role.OFFICER))
    assert post(officer, "/api/v1/exchange/consents", {"case_ref": case.pk}).status_code in (403, 404)
    assert post(admin_client, "/api/v1/exchange/consents", {"case_ref": case.pk}).status_code == 403
    assert not Consent.objects.exists()
    city = Client()
    city.force_login(make_staff("gy-clerk", "gy-scjg", Role.CLERK))  # 贵阳市 contains 南明区
    assert post(city, "/api/v1/exchange/consents", {"case_ref": case.pk}).status_code == 201


def test_declining_through_the_api_records_a_declined_consent(clerk: Client, case: Case) -> None:
    response = post(clerk, "/api/v1/exchange/consents", {"case_ref": case.pk, "decision": "decline"})
    assert response.status_code == 201
    assert response.json()["status"] == "declined"
    assert Consent.objects.get().decision == "declined"


def test_withdrawn_consent_makes_prefill_forbidden(applicant: Applicant, clerk: Client, case: Case) -> None:
    consent = post(clerk, "/api/v1/exchange/consents", {"case_ref": case.pk}).json()
    withdrawn = post(clerk, f"/api/v1/exchange/consents/{consent['id']}/withdraw", {})
    assert withdrawn.json()["status"] == "withdrawn"
    # Recorded as the clerk at the window who withdrew it, not as the citizen.
    assert LedgerEntry.objects.get(kind="consent.withdrawn").actor == "dept:nm-scjg/user:clerk"
    refused = post(clerk, "/api/v1/exchange/prefill", {"case_ref": case.pk, "consent_id": consent["id"]})
    assert refused.status_code == 403
    assert refused.json()["detail"]["code"] == "forbidden"
    assert "撤回" in refused.json()["detail"]["message"]


def test_a_consent_the_user_may_not_act_on_cannot_be_withdrawn(clerk: Client, case: Case) -> None:
    consent = post(clerk, "/api/v1/exchange/consents", {"case_ref": case.pk}).json()
    url = f"/api/v1/exchange/consents/{consent['id']}/withdraw"
    outside = Client()
    outside.force_login(make_staff("fire", "gy-xf", Role.OFFICER))  # another department
    officer = Client()
    officer.force_login(make_staff("officer", "nm-scjg", Role.OFFICER))
    assert post(outside, url, {}).status_code in (403, 404)
    assert post(officer, url, {}).status_code in (403, 404)
    assert post(clerk, f"/api/v1/exchange/consents/{uuid.uuid4()}/withdraw", {}).status_code == 404
    assert post(clerk, "/api/v1/exchange/consents/not-a-uuid/withdraw", {}).status_code == 404
    assert Consent.objects.get().withdrawn_at is None
    assert not LedgerEntry.objects.filter(kind="consent.withdrawn").exists()


def test_the_id_number_never_travels_in_a_url(applicant: Applicant, clerk: Client, case: Case) -> None:
    """Review finding (issue 19): `GET /exchange/reads?key=<ID>` put ID numbers into access logs."""
    key = applicant.subject.key
    assert clerk.get("/api/v1/exchange/reads", {"kind": "person", "key": key}).status_code == 405
    schema = clerk.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            assert not names & {"key", "id_number", "applicant"}, (path, names)


def test_an_invalid_id_number_is_refused_with_the_field(restaurant: None, admin_client: Client) -> None:
    body = {
        "package": "open-restaurant",
        "region": "520102",
        "answers": ANSWERS,
        "applicant": {"kind": "person", "key": "520102199001011230"},
    }
    response = post(admin_client, "/api/v1/exchange/consents/preview", body)
    assert response.status_code == 400
    assert response.json()["detail"]["field"] == "applicant.key"


def test_contracts_in_force_are_listed(restaurant: None, admin_client: Client) -> None:
    data = admin_client.get("/api/v1/exchange/contracts").json()
    assert [(c["label"], c["consumer_code"]) for c in data] == [("pkg.open-restaurant@v1", "open-restaurant")]


def test_personal_data_endpoints_need_a_staff_session(client: Client) -> None:
    assert (
        post(
            client, "/api/v1/exchange/reads", {"applicant": {"kind": "person", "key": "11010519491231002X"}}
        ).status_code
        == 401
    )
    assert client.get("/api/v1/exchange/contracts").status_code == 200
