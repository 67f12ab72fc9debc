"""Real concurrency on PostgreSQL: two workers pulling and matching at once still make one offer each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from onego.catalog.services import catalog_import
from onego.core import clock
from onego.outreach.models import Offer, ReceivedEvent
from onego.outreach.services import match_events, pull_events
from onego.registries.demo_identities import demo_identity, seed_demo
from onego.registries.events import register_birth
from tests.cases.test_concurrency import race
from tests.outreach.conftest import STARTER

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set ONEGO_DATABASE_URL=postgres://...)")


def test_two_ticks_at_once_make_one_offer_per_parent(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
    catalog_import(path=STARTER)
    seed_demo()
    wu, huang = demo_identity("吴婷"), demo_identity("黄勇")
    for n in range(3):
        register_birth(
            mother_key=wu.key, father_key=huang.key, newborn_name=f"黄{n}", gender="2",
            birth_date=clock.today() - dt.timedelta(days=n), birth_region="520102", birth_place="贵阳市妇幼保健院",
        )  # fmt: skip
    _, errors = race(pull_events, pull_events, pull_events)
    assert errors == []
    assert ReceivedEvent.objects.count() == 3
    _, errors = race(match_events, match_events, match_events)
    assert errors == []
    assert Offer.objects.count() == 6  # three births, two parents, once each
    assert ReceivedEvent.objects.filter(matched_at__isnull=True).count() == 0
