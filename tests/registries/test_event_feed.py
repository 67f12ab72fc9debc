"""The registries' event feed: published once per key, read by cursor in sequence order, the same over
signed HTTP as in process, and refused to unsigned callers."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.registries import gateway as g
from onego.registries import models as m
from onego.registries.base import RegistryError, RegistryUnavailable
from onego.registries.demo_identities import demo_identity, seed_demo
from onego.registries.events import publish, publish_due_events, register_birth, statutory_retirement_date
from tests.registries.test_http_adapter import SECRET, over_http, signed_post

WU, HUANG = demo_identity("吴婷"), demo_identity("黄勇")


def birth(name: str = "黄小满") -> m.BirthCertificate:
    return register_birth(
        mother_key=WU.key,
        father_key=HUANG.key,
        newborn_name=name,
        gender="2",
        birth_date=clock.today(),
        birth_region="520102",
        birth_place="贵阳市妇幼保健院",
    )


@pytest.mark.django_db
def test_a_birth_is_one_event_naming_both_parents_and_facts_without_identifiers() -> None:
    seed_demo()
    cert = birth()
    [event] = g.read_events("birth_medical", after=0)
    assert event.kind == "birth_registered"
    assert event.key == f"birth:{cert.number}"
    assert {(p.role, p.key) for p in event.people} == {("mother", WU.key), ("father", HUANG.key)}
    assert event.facts == {
        "birth.days_ago": 0,
        "birth.in_province": True,
        "birth.region": "520102",
        "birth.registered": False,
    }
    with connection.cursor() as cursor:  # the column itself: the field decrypts on read
        cursor.execute("SELECT people_sealed, facts FROM registries_registryevent")
        [(people, facts)] = cursor.fetchall()
    assert WU.key not in str(people)
    assert WU.key not in json.dumps(facts)


@pytest.mark.django_db
def test_the_feed_is_read_by_cursor_in_sequence_order() -> None:
    seed_demo()
    birth("一")
    birth("二")
    publish_due_events()  # 王芳's demo certificate
    events = g.read_events("birth_medical", after=0)
    sequences = [e.sequence for e in events]
    assert sequences == sorted(sequences)
    assert len(events) == 3
    assert g.read_events("birth_medical", after=sequences[0], limit=1) == [events[1]]
    assert g.read_events("birth_medical", after=sequences[-1]) == []


@pytest.mark.django_db
def test_publishing_is_idempotent_by_key_and_refuses_a_kind_the_registry_does_not_publish() -> None:
    seed_demo()
    args: dict[str, Any] = {
        "registry": "disability",
        "kind": "licence_expiring",
        "key": "expiry:x",
        "occurred_on": dt.date(2026, 1, 1),
        "people": [("holder", WU.key)],
        "facts": {},
    }
    first, new = publish(**args)
    again, new_again = publish(**args)
    assert new
    assert not new_again
    assert first.pk == again.pk
    with pytest.raises(ValidationFailed, match="不发布"):
        publish(**{**args, "registry": "population", "key": "other"})


@pytest.mark.django_db
def test_a_registry_without_a_feed_or_switched_off_is_unavailable() -> None:
    with pytest.raises(RegistryUnavailable, match="不发布事件"):
        g.read_events("population", after=0)
    g.set_registry_available(code="birth_medical", available=False)
    with pytest.raises(RegistryUnavailable):
        g.read_events("birth_medical", after=0)


def test_the_statutory_retirement_date_follows_the_2025_rules() -> None:
    assert statutory_retirement_date(dt.date(1964, 12, 10), "1") == dt.date(2024, 12, 10)  # before the reform
    assert statutory_retirement_date(dt.date(1965, 1, 10), "1") == dt.date(2025, 2, 10)  # +1 month
    assert statutory_retirement_date(dt.date(1965, 5, 10), "1") == dt.date(2025, 7, 10)  # +2 months
    assert statutory_retirement_date(dt.date(1980, 1, 1), "1") == dt.date(2043, 1, 1)  # capped at 63
    assert statutory_retirement_date(dt.date(1970, 1, 31), "2") == dt.date(2025, 2, 28)  # 55 + 1 month


@pytest.fixture
def served(transactional_db: None, live_server: Any, settings: Any) -> str:
    seed_demo()
    settings.ONEGO_REGISTRY_SIMULATOR_CLIENTS = {"onego-test": SECRET}
    return str(live_server.url)


def test_the_feed_over_http_is_the_feed_in_process(served: str, settings: Any) -> None:
    birth("一")
    birth("二")
    in_process = g.read_events("birth_medical", after=0)
    over_http(settings, served, registry="birth_medical")
    assert g.read_events("birth_medical", after=0) == in_process
    assert g.read_events("birth_medical", after=in_process[0].sequence) == in_process[1:]


def test_the_feed_refuses_unsigned_and_malformed_requests(served: str, settings: Any) -> None:
    client = Client()
    path = "/registry-sim/birth_medical/events"
    assert client.post(path, data=b'{"after": 0}', content_type="application/json").status_code == 401
    now = str(int(time.time()))
    assert signed_post(client, path, b'{"after": "x"}', timestamp=now).status_code == 400
    assert (
        signed_post(client, "/registry-sim/population/events", b'{"after": 0}', timestamp=now).status_code
        == 404
    )
    assert signed_post(client, path, b'{"after": 0}', timestamp=now).json() == {"events": []}


def test_a_feed_answer_out_of_range_is_refused(served: str, settings: Any, monkeypatch: Any) -> None:
    from onego.registries import http as sim

    birth("一")
    over_http(settings, served, registry="birth_medical")
    real = sim.events_after
    monkeypatch.setattr(sim, "events_after", lambda code, *, after, limit: real(code, after=0, limit=limit))
    first = g.read_events("birth_medical", after=0)[0]
    with pytest.raises(RegistryError, match="不属于所请求的范围"):
        g.read_events("birth_medical", after=first.sequence)
