"""The consent and prefill operations are documented with typed schemas and their error responses."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def spec(db: None) -> dict:  # type: ignore[type-arg]
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_consent_and_prefill_take_the_case_not_the_applicant_and_document_their_errors(spec: dict) -> None:  # type: ignore[type-arg]
    paths = spec["paths"]
    for path in ("/api/v1/exchange/consents", "/api/v1/exchange/prefill"):
        operation = paths[path]["post"]
        assert {"400", "403", "404", "409"} <= set(operation["responses"]), path
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        properties = spec["components"]["schemas"][ref]["properties"]
        assert "case_ref" in properties
        assert "applicant" not in properties, path  # the applicant is the case's, never the caller's
    consent = spec["components"]["schemas"]["ConsentOut"]["properties"]
    assert consent["channel"]["enum"] == ["web", "window"]


def test_submission_documents_that_verification_and_channel_are_the_servers(spec: dict) -> None:  # type: ignore[type-arg]
    submit = spec["components"]["schemas"]["SubmitIn"]["properties"]
    assert "Not accepted" in submit["verified"]["description"]
    assert "Decided by the server" in submit["channel"]["description"]
