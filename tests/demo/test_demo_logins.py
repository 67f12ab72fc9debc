"""Demo staff logins: every role the workbench shows, in the starter catalog's 贵阳市 and 南明区 departments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model

from onego.accounts.models import Membership
from onego.catalog.models import Package
from onego.catalog.services import catalog_import
from onego.demo.accounts import DEMO_LOGINS, ensure_demo_logins

pytestmark = pytest.mark.django_db
STARTER = Path(__file__).resolve().parents[2] / "src" / "onego" / "catalog" / "starter"


@pytest.fixture
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seats(username: str) -> set[tuple[str, str]]:
    return set(Membership.objects.filter(user__username=username).values_list("department__code", "role"))


def test_setup_gives_each_staff_login_its_memberships_once(fast_passwords: None) -> None:
    catalog_import(path=STARTER)
    ensure_demo_logins()
    ensure_demo_logins()  # idempotent
    assert seats("clerk") == {("gy-government-service", "clerk"), ("nm-government-service", "clerk")}
    # Officers sit in the province's, 贵阳市's and 南明区's department of their type (where one exists).
    assert seats("officer-market") == {
        ("gz-market-regulation", "officer"),
        ("gy-market-regulation", "officer"),
        ("nm-market-regulation", "officer"),
    }
    assert ("nm-disease-control", "officer") in seats("officer-cdc")
    assert ("gz-human-resources", "officer") in seats("officer-hr")
    for username in ("officer-health", "officer-police", "officer-medins", "officer-hr", "officer-tax"):
        assert 2 <= len(seats(username)) <= 3, username
    # A lead officer for every lead department type of the starter packages.
    lead_types = set(Package.objects.values_list("lead_department_type__code", flat=True))
    led = {
        m.department.type.code
        for m in Membership.objects.filter(role="lead_officer").select_related("department__type")
    }
    assert lead_types <= led
    assert get_user_model().objects.filter(username__in=[d.username for d in DEMO_LOGINS]).count() == len(
        DEMO_LOGINS
    )
    assert authenticate(username="clerk", password="onego-demo-staff") is not None


def test_setup_before_the_catalog_is_imported_adds_the_memberships_later(fast_passwords: None) -> None:
    ensure_demo_logins()
    assert seats("clerk") == set()
    catalog_import(path=STARTER)
    ensure_demo_logins()
    assert len(seats("clerk")) == 2
