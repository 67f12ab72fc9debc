"""The exchange API is the contract the portal and partners build on: values leave masked."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from onego.exchange.models import Consent
from tests.exchange.conftest import ANSWERS, Applicant
from tests.exchange.people import unknown_person

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
    }
    assert applicant.subject.key not in response.content.decode()


def test_grant_prefill_and_reads_through_the_api(
    restaurant: None, applicant: Applicant, admin_client: Client
) -> None:
    case_ref = str(uuid.uuid4())
    granted = post(
        admin_client, "/api/v1/exchange/consents", consent_body(applicant, case_ref=case_ref, ttl_days=7)
    )
    assert granted.status_code == 201
    consent = granted.json()
    assert consent["status"] == "active"
    assert consent["registries"]["population"]["elements"] == ["person.name", "person.id_number"]

    filled = post(
        admin_client,
        "/api/v1/exchange/prefill",
        {"case_ref": case_ref, "consent_id": consent["id"], "applicant": who(applicant)},
    )
    assert filled.status_code == 200
    data = filled.json()
    assert data["clicks"] == 1
    key = applicant.subject.key
    assert data["values"]["person.id_number"]["value"] == f"{key[:4]}{'*' * 10}{key[-4:]}"
    assert data["values"]["person.name"]["value"] == "王**"
    assert data["values"]["person.name"]["source_name"] == "人口库"
    assert key not in filled.content.decode()

    materials = admin_client.get(f"/api/v1/exchange/cases/{case_ref}/materials").json()
    assert {m["material"] for m in materials} == {"resident_id_card", "business_licence"}

    reads = admin_client.get("/api/v1/exchange/reads", {"kind": "person", "key": key})
    assert reads.status_code == 200
    assert [r["registry"] for r in reads.json()] == ["population", "elicence"]
    assert reads.json()[0]["purpose"] == "办理「开办餐饮店」"


def test_declining_through_the_api_records_a_declined_consent(
    restaurant: None, applicant: Applicant, admin_client: Client
) -> None:
    response = post(
        admin_client,
        "/api/v1/exchange/consents",
        consent_body(applicant, case_ref=str(uuid.uuid4()), decision="decline"),
    )
    assert response.status_code == 201
    assert response.json()["status"] == "declined"
    assert Consent.objects.get().decision == "declined"


def test_withdrawn_consent_makes_prefill_forbidden(
    restaurant: None, applicant: Applicant, admin_client: Client
) -> None:
    case_ref = str(uuid.uuid4())
    consent = post(
        admin_client, "/api/v1/exchange/consents", consent_body(applicant, case_ref=case_ref)
    ).json()
    withdrawn = post(
        admin_client, f"/api/v1/exchange/consents/{consent['id']}/withdraw", {"applicant": who(applicant)}
    )
    assert withdrawn.json()["status"] == "withdrawn"
    refused = post(
        admin_client,
        "/api/v1/exchange/prefill",
        {"case_ref": case_ref, "consent_id": consent["id"], "applicant": who(applicant)},
    )
    assert refused.status_code == 403
    assert refused.json()["detail"]["code"] == "forbidden"
    assert "撤回" in refused.json()["detail"]["message"]


def test_someone_elses_consent_is_404(restaurant: None, applicant: Applicant, admin_client: Client) -> None:
    case_ref = str(uuid.uuid4())
    consent = post(
        admin_client, "/api/v1/exchange/consents", consent_body(applicant, case_ref=case_ref)
    ).json()
    stranger = {"kind": "person", "key": unknown_person().key}
    response = post(
        admin_client, f"/api/v1/exchange/consents/{consent['id']}/withdraw", {"applicant": stranger}
    )
    assert response.status_code == 404


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
        client.get("/api/v1/exchange/reads", {"kind": "person", "key": "11010519491231002X"}).status_code
        == 401
    )
    assert client.get("/api/v1/exchange/contracts").status_code == 200
