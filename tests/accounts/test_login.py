"""Staff sign-in: failed passwords lock the account and the client address; time or an administrator unlocks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from onego.accounts.models import LockoutScope, LoginFailure, LoginLockout

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
START = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
def officer() -> Any:
    return get_user_model().objects.create_user("officer", password=PASSWORD, is_staff=True)


def attempt(client: Client, username: str, password: str) -> Any:
    return client.post("/workbench/login/", {"username": username, "password": password})


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == "/workbench/"


def test_thirty_wrong_passwords_lock_the_account_so_the_right_one_is_refused(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(30):
            assert attempt(client, "officer", "wrong").status_code == 200
        refused = attempt(client, "officer", PASSWORD)
    assert refused.status_code == 200
    assert "已锁定" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    lockout = LoginLockout.objects.get(scope=LockoutScope.ACCOUNT, key="officer")
    assert lockout.failures == 5  # the fifth wrong password locked it
    assert lockout.locked_until == START + dt.timedelta(minutes=15)


def test_the_lockout_ends_by_itself_after_its_time(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(client, "officer", "wrong")
        assert not signed_in(attempt(client, "officer", PASSWORD))
    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        assert signed_in(attempt(client, "officer", PASSWORD))


def test_a_successful_sign_in_forgets_earlier_failures_of_the_account(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            attempt(client, "officer", "wrong")
        assert signed_in(attempt(client, "officer", PASSWORD))
        client.post("/workbench/logout/")
        for _ in range(4):
            attempt(client, "officer", "wrong")
        assert signed_in(attempt(client, "officer", PASSWORD))
    assert not LoginLockout.objects.exists()


def test_many_names_tried_from_one_address_lock_that_address_only(officer: Any) -> None:
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    with time_machine.travel(START, tick=False):
        for n in range(20):
            attempt(guesser, f"user{n}", "wrong")  # 20 names, one failure each: no account is locked
        refused = attempt(guesser, "officer", PASSWORD)
        assert "此网络地址" in refused.content.decode()
        assert signed_in(attempt(Client(REMOTE_ADDR="198.51.100.2"), "officer", PASSWORD))
    assert LoginLockout.objects.get().scope == LockoutScope.ADDRESS
    assert LoginLockout.objects.get().key == "203.0.113.7"


def test_administrators_see_lockouts_and_release_them(officer: Any, admin_client: Client) -> None:
    client = Client()
    with time_machine.travel(START, tick=True):
        for _ in range(5):
            attempt(client, "officer", "wrong")
        lockout = LoginLockout.objects.get()
        listing = admin_client.get("/admin/accounts/loginlockout/")
        assert listing.status_code == 200
        assert "officer" in listing.content.decode()
        released = admin_client.post(
            "/admin/accounts/loginlockout/", {"action": "release", "_selected_action": [str(lockout.pk)]}
        )
        assert released.status_code == 302
        lockout.refresh_from_db()
        assert lockout.released_at is not None
        assert lockout.released_by is not None
        assert lockout.released_by.username == "admin"
        assert signed_in(attempt(client, "officer", PASSWORD))


def test_unknown_names_are_counted_like_known_ones_so_lockouts_do_not_reveal_accounts(db: None) -> None:
    client = Client()
    with time_machine.travel(START, tick=False):
        replies = [attempt(client, "nobody", "wrong").content.decode() for _ in range(6)]
    assert "已锁定" in replies[-1]
    assert LoginLockout.objects.filter(key="nobody").exists()
    assert not LoginFailure.objects.filter(username="nobody").exists()  # folded into the lockout


def test_the_admin_sends_visitors_to_the_staff_login_page(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/workbench/login/?next=/admin/")
