"""The API's one error shape: malformed input is the client's error (4xx, field named), never a 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from onego.accounts.models import Role
from onego.api.errors import ERRORS
from tests.cases.factories import import_cases_catalog, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tmp_path: Path) -> Client:
    import_cases_catalog(tmp_path)
    client = Client()
    client.force_login(make_staff("clerk", "nm-zwfw", Role.CLERK))
    return client


def shaped(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"detail"}
    assert set(body["detail"]) == {"code", "message", "field"}
    assert body["detail"]["message"]
    return dict(body["detail"])


@pytest.mark.parametrize("path", ["window-decision", "partner/resend"])
def test_a_malformed_subcase_id_is_not_found_rather_than_a_server_error(staff: Client, path: str) -> None:
    response = staff.post(
        f"/api/v1/subcases/not-a-uuid/{path}",
        {"approve": True, "opinion": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert shaped(response)["field"] == "subcase"


def test_a_multipart_body_without_a_boundary_is_a_bad_request(staff: Client) -> None:
    response = staff.generic("POST", "/api/v1/cases", b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code in (400, 422)
    assert shaped(response)["code"] == "invalid"


def test_a_body_that_does_not_match_the_schema_names_the_field(staff: Client) -> None:
    response = staff.post(
        "/api/v1/subcases/00000000-0000-0000-0000-000000000000/window-decision",
        {"approve": "perhaps"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert shaped(response)["field"] == "approve"


def test_no_session_and_a_failed_csrf_check_answer_in_the_error_shape(client: Client) -> None:
    assert shaped(client.get("/api/v1/inbox"))["code"] == "unauthenticated"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(get_user_model().objects.create_user("clerk", is_staff=True))
    refused = strict.post("/api/v1/cases", {}, content_type="application/json")
    assert refused.status_code == 403
    assert shaped(refused)["code"] == "forbidden"


def test_every_operation_documents_every_error_status_with_the_shared_schema(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ERRORS:
                answer = operation["responses"].get(str(status), {})
                ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
                if not ref.endswith("/ErrorOut"):
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == []


def test_an_unexpected_error_is_a_shaped_500_without_a_traceback(staff: Client, monkeypatch: Any) -> None:
    from onego.api import cases

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(cases, "inbox", boom)
    response = staff.get("/api/v1/inbox")
    assert response.status_code == 500
    assert shaped(response)["code"] == "server_error"
    assert "secret internals" not in response.content.decode()
