"""POST /api/v1/cases refuses a second open application for the same subject with 409 and the existing
case's id, unless the caller confirms; a retry with the same key stays idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from onego.cases.models import Case
from tests.api.test_cases_api import as_user, payload, post
from tests.cases.conftest import MONDAY, Staff
from tests.cases.factories import import_cases_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def clerk(db: None, tmp_path: Path) -> Client:
    import_cases_catalog(tmp_path)
    return as_user(Staff().clerk)


def test_a_second_application_is_refused_with_the_existing_id(clerk: Client) -> None:
    first = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "dup-api-00001"})
    assert first.status_code == 201
    second = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "dup-api-00002"})
    assert second.status_code == 409
    detail: dict[str, Any] = second.json()["detail"]
    assert detail["code"] == "duplicate_application"
    assert detail["existing_id"] == first.json()["id"]
    assert detail["field"] == "confirm_duplicate"
    assert Case.objects.count() == 1


def test_the_caller_may_confirm_a_second_application(clerk: Client) -> None:
    post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "dup-api-00003"})
    confirmed = post(
        clerk, "/api/v1/cases", payload(confirm_duplicate=True), **{"Idempotency-Key": "dup-api-00004"}
    )
    assert confirmed.status_code == 201
    assert Case.objects.count() == 2


def test_a_retry_with_the_same_key_returns_the_same_case(clerk: Client) -> None:
    first = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "dup-api-00005"})
    again = post(clerk, "/api/v1/cases", payload(), **{"Idempotency-Key": "dup-api-00005"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
