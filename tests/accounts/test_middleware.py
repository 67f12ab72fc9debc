"""Staff sessions end after 30 idle minutes and, however busy, 10 hours after sign-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def real_limits(settings: Any) -> None:
    settings.ONEGO_STAFF_SESSION_IDLE_MINUTES = 30
    settings.ONEGO_STAFF_SESSION_MAX_HOURS = 10


@pytest.fixture
def officer() -> Any:
    return get_user_model().objects.create_user("officer", is_staff=True)


def at(minutes: float) -> Any:
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def test_an_idle_staff_session_ends_after_thirty_minutes(officer: Any) -> None:
    client = Client()
    with at(0):
        client.force_login(officer)
        assert client.get("/workbench/").status_code == 200
    with at(29):
        assert client.get("/workbench/").status_code == 200  # activity keeps it alive
    with at(29 + 31):
        response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith("/workbench/login/")


def test_a_busy_staff_session_still_ends_ten_hours_after_sign_in(officer: Any) -> None:
    client = Client()
    with at(0):
        client.force_login(officer)
    for minutes in range(20, 600, 20):
        with at(minutes):
            assert client.get("/workbench/").status_code == 200
    with at(601):
        assert client.get("/workbench/").status_code == 302


def test_the_staff_session_cookie_expires_with_the_idle_timeout(officer: Any) -> None:
    client = Client()
    client.force_login(officer)
    assert client.session.get_expiry_age() == 30 * 60


def test_applicant_sessions_are_not_stamped_as_staff(db: None) -> None:
    applicant = get_user_model().objects.create_user("someone")
    client = Client()
    client.force_login(applicant)
    assert "onego_staff_since" not in client.session
