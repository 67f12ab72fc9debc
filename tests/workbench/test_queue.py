"""The acceptance queue page (/workbench/queue/) and its API twin (GET /api/v1/acceptance-queue)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.cases.factories import online_applicant, submit
from tests.workbench.conftest import People, page, signed_in

pytestmark = pytest.mark.django_db


def test_the_clerk_sees_the_online_submission_with_a_link_to_accept_it(people: People) -> None:
    case = submit(online_applicant(), key="queue-page-0001", channel="web").case
    submit(people.clerk, key="queue-page-0002", channel="counter")
    html = page(signed_in(people.clerk).get("/workbench/queue/"))
    assert "<h1>待受理</h1>" in html
    assert case.reference in html
    assert f'href="/workbench/counter/cases/{case.pk}/"' in html
    assert "共 1 件" in html
    assert "<caption" in html  # the table is described for screen readers
    assert "张三" not in html  # masked: 张*


def test_the_clerks_navigation_links_the_queue(people: People) -> None:
    html = page(signed_in(people.clerk).get("/workbench/"))
    assert 'href="/workbench/queue/"' in html
    officer = page(signed_in(people.officer).get("/workbench/"))
    assert 'href="/workbench/queue/"' not in officer


def test_a_clerk_of_another_region_sees_an_empty_queue(people: People) -> None:
    submit(online_applicant(), key="queue-page-0003", channel="web")
    html = page(signed_in(people.bijie_clerk).get("/workbench/queue/"))
    assert "目前没有等待受理的网上申请" in html


def test_an_officer_is_told_the_page_is_for_clerks(people: People) -> None:
    response = signed_in(people.officer).get("/workbench/queue/")
    assert response.status_code == 403


def test_the_api_lists_the_same_rows(people: People) -> None:
    case = submit(online_applicant(), key="queue-api-0001", channel="web").case
    body = signed_in(people.clerk).get("/api/v1/acceptance-queue").json()
    assert body["count"] == 1
    row = body["rows"][0]
    assert row["reference"] == case.reference
    assert row["channel"] == "web"
    assert row["consent_channel"] == "none"
    assert row["applicant"] == "张*"
    assert isinstance(row["waiting_minutes"], int)


def test_the_api_keeps_each_clerk_to_their_centre(people: People) -> None:
    submit(online_applicant(), key="queue-api-0002", channel="web")
    assert signed_in(people.bijie_clerk).get("/api/v1/acceptance-queue").json() == {"count": 0, "rows": []}
    refused = signed_in(people.officer).get("/api/v1/acceptance-queue")
    assert refused.status_code == 403
    assert refused.json()["detail"]["field"] == "role"
    assert Client().get("/api/v1/acceptance-queue").status_code == 401


def test_the_queue_is_in_the_openapi_document(people: Any) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/acceptance-queue" in schema["paths"]
