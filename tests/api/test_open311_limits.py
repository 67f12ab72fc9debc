"""Open311 request lists keep to the spec's 90-day range, and callers are rate-limited: per partner key,
and per client address without a key (or with a wrong one) — 429 with Retry-After, in the spec's error list."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.test import Client

from onego.catalog.models import Region
from onego.core.errors import ValidationFailed
from onego.feedback.models import Open311RateWindow
from onego.feedback.report_rules import open311_range
from onego.feedback.report_services import open311_key_create
from tests.api.test_open311 import post, village  # noqa: F401 (fixture)
from tests.feedback.conftest import People, monday_morning, people  # noqa: F401 (fixtures)

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=TZ)


# --- the range rule (pure) ------------------------------------------------------------------------


def test_both_dates_are_checked_for_order_and_the_90_day_span() -> None:
    start = NOW - dt.timedelta(days=90)
    assert open311_range(start, NOW, now=NOW) == (start, NOW)
    with pytest.raises(ValidationFailed) as too_long:
        open311_range(start - dt.timedelta(seconds=1), NOW, now=NOW)
    assert too_long.value.field == "end_date"
    assert "90" in too_long.value.message
    with pytest.raises(ValidationFailed) as backwards:
        open311_range(NOW, start, now=NOW)
    assert backwards.value.field == "end_date"
    assert "不能早于" in backwards.value.message


def test_one_date_alone_covers_90_days_from_or_to_it_and_none_the_last_90() -> None:
    day = dt.timedelta(days=90)
    assert open311_range(NOW, None, now=NOW) == (NOW, NOW + day)
    assert open311_range(None, NOW, now=NOW) == (NOW - day, NOW)
    assert open311_range(None, None, now=NOW) == (NOW - day, NOW)


# --- over HTTP ----------------------------------------------------------------------------------------


@pytest.fixture
def key(village: Region) -> str:  # noqa: F811
    return open311_key_create(name="12345 热线")[1]


def test_a_range_over_90_days_is_a_clear_400_and_a_range_inside_finds_the_request(key: str) -> None:
    client = Client()
    post(client, key)
    wide = client.get(
        "/open311/v2/requests.json",
        {"start_date": "2025-11-01T00:00:00+08:00", "end_date": "2026-03-02T23:00:00+08:00"},
    )
    assert wide.status_code == 400
    error = wide.json()[0]
    assert error["code"] == 400
    assert error["field"] == "end_date"
    assert "90 天" in error["description"]
    backwards = client.get(
        "/open311/v2/requests.json", {"start_date": "2026-03-02T00:00:00", "end_date": "2026-03-01T00:00:00"}
    )
    assert backwards.json()[0]["field"] == "end_date"
    inside = client.get(
        "/open311/v2/requests.json", {"start_date": "2026-03-01T00:00:00", "end_date": "2026-03-03T00:00:00"}
    )
    assert inside.status_code == 200
    assert len(inside.json()) == 1
    before = client.get("/open311/v2/requests.json", {"end_date": "2026-03-01T00:00:00+08:00"})
    assert before.json() == []
    after = client.get("/open311/v2/requests.json", {"start_date": "2026-02-01T00:00:00+08:00"})
    assert len(after.json()) == 1
    bad = client.get("/open311/v2/requests.xml", {"end_date": "2026-13-01"})
    assert bad.status_code == 400
    assert b"end_date" in bad.content


def _over_limit(response: Any) -> tuple[int, str]:
    return response.status_code, response.headers.get("Retry-After", "")


def test_anonymous_reads_are_limited_per_address_with_retry_after(settings: Any, key: str) -> None:
    settings.ONEGO_OPEN311_ADDRESS_PER_MINUTE = 3
    here, there = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(3):
        assert here.get("/open311/v2/services.json").status_code == 200
    refused = here.get("/open311/v2/requests.json")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    error = refused.json()[0]
    assert error["code"] == 429
    assert "每分钟最多 3 次" in error["description"]
    assert here.get("/open311/v2/services.xml").status_code == 429  # XML callers get it too
    assert b"<error>" in here.get("/open311/v2/services.xml").content
    assert there.get("/open311/v2/services.json").status_code == 200  # another address: its own count
    # wrong keys do not buy a fresh allowance: they count against the address
    assert here.get("/open311/v2/requests.json", {"api_key": "made-up"}).status_code == 429
    # a partner's key has its own (larger) count, whatever address it calls from
    assert here.get("/open311/v2/requests.json", {"api_key": key}).status_code == 200


def test_a_partner_key_is_limited_and_the_next_minute_opens_a_new_window(
    settings: Any,
    key: str,
    monday_morning: Any,  # noqa: F811
) -> None:
    settings.ONEGO_OPEN311_KEY_PER_MINUTE = 2
    client = Client(REMOTE_ADDR="10.0.0.9")
    assert post(client, key).status_code == 201
    assert client.get("/open311/v2/requests.json", {"api_key": key}).status_code == 200
    refused = post(client, key, description="另一件事")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert refused.json()[0]["field"] == "api_key"
    monday_morning.shift(dt.timedelta(seconds=61))
    assert post(client, key, description="另一件事").status_code == 201
    monday_morning.shift(dt.timedelta(seconds=120))
    assert client.get("/open311/v2/requests.json", {"api_key": key}).status_code == 200
    assert Open311RateWindow.objects.filter(bucket__startswith="key:").count() <= 2  # old minutes pruned


def test_a_limit_of_zero_turns_it_off(settings: Any, key: str) -> None:
    settings.ONEGO_OPEN311_ADDRESS_PER_MINUTE = 0
    client = Client()
    assert all(client.get("/open311/v2/services.json").status_code == 200 for _ in range(5))
    assert Open311RateWindow.objects.count() == 0
