"""Forging verification through the API fails: marks and material references are the server's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onego.cases.models import Case
from tests.api.test_cases_api import as_user, monday_morning, payload, post, staff  # noqa: F401
from tests.cases.factories import ENTERPRISE_USCC, prefilled

pytestmark = pytest.mark.django_db
KEY = {"Idempotency-Key": "forge-key-000001"}


@pytest.fixture
def clerk(staff: Any) -> Client:  # noqa: F811
    return as_user(staff.clerk)


def test_a_submission_claiming_verified_values_is_refused_and_nothing_is_stored(clerk: Client) -> None:
    forged = payload(verified={"enterprise.uscc": "prefill:run-1", "enterprise.name": "prefill:run-1"})
    response = post(clerk, "/api/v1/cases", forged, **KEY)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]["field"] == "verified"
    assert not Case.objects.exists()


def test_a_material_reference_the_exchange_did_not_verify_is_refused(clerk: Client) -> None:
    body = payload()
    body["materials"][2] = {"material": "lease_contract", "reference": "HT-FORGED-1"}
    response = post(clerk, "/api/v1/cases", body, **KEY)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]["field"] == "material:lease_contract"
    assert not Case.objects.exists()


def test_a_correction_claiming_verified_values_is_refused(clerk: Client) -> None:
    created = post(clerk, "/api/v1/cases", payload(draft=True, form={}, materials=[]), **KEY).json()
    response = post(
        clerk,
        f"/api/v1/cases/{created['id']}/correct",
        {"form": {"premises.area": 500}, "verified": {"premises.area": "prefill:x"}},
    )
    assert response.status_code == 400
    assert response.json()["detail"]["field"] == "verified"
    assert Case.objects.get().verified == {}


def test_values_the_exchange_delivered_to_the_case_are_verified_by_the_server(clerk: Client) -> None:
    created = post(clerk, "/api/v1/cases", payload(draft=True, form={}, materials=[]), **KEY).json()
    case = Case.objects.get(pk=created["id"])
    run = prefilled(case, {"enterprise.uscc": ENTERPRISE_USCC})
    body = payload()
    response = post(
        clerk,
        f"/api/v1/cases/{case.pk}/correct",
        {"form": body["form"], "materials": body["materials"], "version": created["version"]},
    )
    assert response.status_code == 200, response.content
    assert Case.objects.get().verified == {"enterprise.uscc": f"prefill:{run.pk}"}
    edited = post(
        clerk,
        f"/api/v1/cases/{case.pk}/correct",
        {"form": {"enterprise.uscc": ENTERPRISE_USCC[:-1] + "0"}},
    )
    assert edited.status_code == 200, edited.content
    assert Case.objects.get().verified == {}


# --- who files, and through which channel, is the server's ----------------------------------------------


def test_an_officer_cannot_file_a_case_in_a_citizens_name(staff: Any) -> None:  # noqa: F811
    response = post(as_user(staff.officer), "/api/v1/cases", payload(channel="web"), **KEY)
    assert response.status_code == 403, response.content
    assert response.json()["detail"]["field"] == "region"
    assert not Case.objects.exists()


def test_a_clerk_cannot_file_outside_their_region(staff: Any) -> None:  # noqa: F811
    response = post(as_user(staff.other_clerk), "/api/v1/cases", payload(), **KEY)
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_superuser_without_a_window_cannot_file_either(staff: Any) -> None:  # noqa: F811
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", None)
    assert post(as_user(admin), "/api/v1/cases", payload(), **KEY).status_code == 403
    assert not Case.objects.exists()


def test_the_channel_is_the_servers_a_clerk_files_at_the_counter(clerk: Client) -> None:
    refused = post(clerk, "/api/v1/cases", payload(channel="web"), **KEY)
    assert refused.status_code == 400
    assert refused.json()["detail"]["field"] == "channel"
    body = payload()
    del body["channel"]
    created = post(clerk, "/api/v1/cases", body, **KEY)
    assert created.status_code == 201, created.content
    assert Case.objects.get().channel == "counter"


def test_the_api_checks_file_content_a_gif_named_pdf_is_refused(clerk: Client) -> None:
    import base64

    gif = base64.b64encode(b"GIF89a/*\x01\x00\x01\x00*/=1;alert(document.domain)//").decode()
    body = payload()
    body["materials"][2] = {"material": "lease_contract", "filename": "id.pdf", "content_base64": gif}
    response = post(clerk, "/api/v1/cases", body, **KEY)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]["field"] == "material:lease_contract"
    assert not Case.objects.exists()
