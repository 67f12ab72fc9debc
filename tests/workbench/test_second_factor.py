"""Staff second factor (TOTP): enrol with a QR code, then every sign-in asks for the code."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from onego.accounts.models import Role
from tests.cases.factories import import_cases_catalog, make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def required(settings: Any) -> None:
    settings.ONEGO_STAFF_OTP_REQUIRED = True


@pytest.fixture
def officer() -> Any:
    return get_user_model().objects.create_user("officer", password=PASSWORD, is_staff=True)


def code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def password_step(client: Client, next_url: str = "/workbench/") -> Any:
    return client.post("/workbench/login/", {"username": "officer", "password": PASSWORD, "next": next_url})


def test_a_right_password_alone_does_not_open_the_workbench_when_the_second_factor_is_required(
    required: None, officer: Any
) -> None:
    client = Client()
    response = password_step(client)
    assert response["Location"] == "/workbench/login/verify/?next=%2Fworkbench%2F"
    for url in ("/workbench/", "/workbench/inbox/", "/workbench/designer/"):
        assert client.get(url)["Location"].startswith("/workbench/login/verify/")
    assert client.get("/api/v1/cases/00000000-0000-0000-0000-000000000000").status_code == 401
    admin = client.get("/admin/", follow=True).redirect_chain
    assert admin[-1][0].startswith("/workbench/login/verify/")
    # the login page itself does not let the half-signed-in user around the code
    assert client.get("/workbench/login/")["Location"].startswith("/workbench/login/verify/")


def test_staff_enrol_by_scanning_a_qr_code_and_confirming_the_first_code(
    required: None, officer: Any
) -> None:
    client = Client()
    password_step(client)
    enrol = client.get("/workbench/login/verify/?next=/workbench/")
    body = enrol.content.decode()
    assert "<svg" in body
    assert "绑定并登录" in body
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert client.get("/workbench/login/verify/").content.decode().count("<svg") == 1
    assert TOTPDevice.objects.filter(user=officer).count() == 1  # reloading keeps the same secret
    wrong = client.post("/workbench/login/verify/", {"token": "000000", "next": "/workbench/"})
    assert wrong.status_code == 400
    assert "动态口令不正确" in wrong.content.decode()
    done = client.post("/workbench/login/verify/", {"token": code(device), "next": "/workbench/"})
    assert done["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_an_enrolled_user_enters_the_code_at_every_sign_in_and_a_wrong_one_is_refused(
    required: None, officer: Any
) -> None:
    device = TOTPDevice.objects.create(user=officer, name="x", confirmed=True)
    client = Client()
    password_step(client, "/workbench/inbox/")
    form = client.get("/workbench/login/verify/?next=/workbench/inbox/").content.decode()
    assert "<svg" not in form
    assert "验证并登录" in form
    assert client.post("/workbench/login/verify/", {"token": "12345"}).status_code == 400
    assert client.get("/workbench/")["Location"].startswith("/workbench/login/verify/")
    ok = client.post("/workbench/login/verify/", {"token": code(device), "next": "/workbench/inbox/"})
    assert ok["Location"] == "/workbench/inbox/"


def test_the_code_page_does_not_redirect_to_another_site(required: None, officer: Any) -> None:
    device = TOTPDevice.objects.create(user=officer, name="x", confirmed=True)
    client = Client()
    password_step(client)
    ok = client.post("/workbench/login/verify/", {"token": code(device), "next": "https://evil.example/"})
    assert ok["Location"] == "/workbench/"


def test_in_development_the_second_factor_is_off_so_demo_logins_keep_working(
    settings: Any, officer: Any
) -> None:
    settings.ONEGO_STAFF_OTP_REQUIRED = False
    client = Client()
    assert password_step(client)["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200


def test_staff_pages_do_not_offer_the_applicants_sign_in_link(client: Client) -> None:
    staff_login = client.get("/workbench/login/").content.decode()
    assert 'href="/login/"' not in staff_login
    assert 'href="/login/"' in client.get("/").content.decode()  # the public portal still offers it


def test_the_case_api_refuses_a_member_whose_session_has_not_passed_the_second_factor(
    required: None, tmp_path: Any
) -> None:
    import_cases_catalog(tmp_path)
    clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
    client = Client()
    client.force_login(clerk)
    assert client.get("/api/v1/inbox").status_code == 401
    device = TOTPDevice.objects.create(user=clerk, name="x", confirmed=True)
    assert client.post("/workbench/login/verify/", {"token": code(device)}).status_code == 302
    assert client.get("/api/v1/inbox").status_code == 200
