"""The catalog API is the contract partners and the app build on."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from onego.catalog.selectors import compile_for

pytestmark = pytest.mark.django_db


def test_openapi_document_and_docs_are_served(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/packages/{code}/compile" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_compile_endpoint_returns_what_the_service_computes(small_catalog: Path, client: Client) -> None:
    answers = {"has_licence": False, "floor_area": 500}
    response = client.post(
        "/api/v1/packages/open-restaurant/compile",
        {"region": "520100", "answers": answers},
        content_type="application/json",
    )
    assert response.status_code == 200
    expected = compile_for(package_code="open-restaurant", region_code="520100", answers=answers).to_dict()
    assert response.json() == expected


def test_compile_error_is_specific(small_catalog: Path, client: Client) -> None:
    response = client.post(
        "/api/v1/packages/open-restaurant/compile",
        {"region": "520100", "answers": {"floor_area": "abc"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"]["field"] == "floor_area"


def test_unknown_package_is_404(small_catalog: Path, client: Client) -> None:
    response = client.get("/api/v1/packages/nope")
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "not_found"


def test_packages_listed_by_region(small_catalog: Path, client: Client) -> None:
    assert [p["code"] for p in client.get("/api/v1/packages?region=520102").json()] == ["open-restaurant"]
    assert client.get("/api/v1/packages?region=530000").json() == []
    detail = client.get("/api/v1/packages/open-restaurant").json()
    assert [q["id"] for q in detail["questions"]] == ["has_licence", "floor_area"]
