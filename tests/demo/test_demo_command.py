"""`onego demo setup | seed`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from onego.registries.demo_identities import DEMO_IDENTITIES
from onego.registries.models import Enterprise, Resident

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_setup_creates_the_demo_identities_once_and_prints_them() -> None:
    first = run("setup")
    count = Resident.objects.count()
    assert run("setup") == first
    assert Resident.objects.count() == count
    for identity in DEMO_IDENTITIES:
        assert identity.key in first


def test_seed_creates_people_and_enterprises_and_prints_counts() -> None:
    output = run("seed", "--people", "120", "--enterprises", "4", "--seed", "3")
    assert Resident.objects.count() == 120
    assert Enterprise.objects.count() == 4
    assert "120" in output
    assert "people/s" in output


def test_seed_reports_errors_as_command_errors() -> None:
    run("seed", "--people", "10", "--seed", "3")
    with pytest.raises(CommandError, match="随机种子 3"):
        run("seed", "--people", "10", "--seed", "3")
