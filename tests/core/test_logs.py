"""Structured, masked logs: the JSON formatter and the access log."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from onego.core import pii
from onego.core.logs import JsonFormatter
from onego.core.validators import make_uscc

ID = "52010219940312902X"  # synthetic (docs/demo-identities.md)
PHONE = "13908510001"


def test_the_json_formatter_writes_one_line_with_masked_message_and_fields() -> None:
    record = logging.LogRecord("onego.x", logging.WARNING, __file__, 1, "read %s", (ID,), None)
    pii.MaskingFilter().filter(record)
    record.path = f"/api/v1/exchange/reads?key={ID}&phone={PHONE}"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "onego.x"
    assert entry["message"] == "read 5201**********902X"
    assert entry["path"] == "/api/v1/exchange/reads?key=5201**********902X&phone=139****0001"
    assert ID not in line
    assert PHONE not in line


def test_the_json_formatter_masks_objects_given_as_fields_such_as_djangos_request() -> None:
    from django.test import RequestFactory

    request = RequestFactory().get(f"/api/v1/exchange/reads?key={ID}")
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Unauthorized", None, None)
    record.request = request
    record.status_code = 401
    entry = json.loads(JsonFormatter().format(record))
    assert "5201**********902X" in entry["request"]
    assert ID not in json.dumps(entry)
    assert entry["status_code"] == 401


def test_the_json_formatter_masks_tracebacks() -> None:
    try:
        raise ValueError(f"no subject {ID}")
    except ValueError:
        import sys

        record = logging.LogRecord("onego.x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "5201**********902X" in entry["exception"]
    assert ID not in entry["exception"]


@pytest.mark.django_db
def test_the_access_log_masks_id_numbers_usccs_and_phones_in_paths_and_queries(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    uscc = make_uscc("520103", "MA6PT999")
    with caplog.at_level(logging.INFO, logger="onego.access"):
        client.get(f"/api/v1/exchange/reads?key={ID}&enterprise={uscc}&to={PHONE}")
        client.get(f"/no-such-page/{ID}/")
    records = [r for r in caplog.records if r.name == "onego.access"]
    assert len(records) == 2
    text = "\n".join(r.getMessage() + " " + str(vars(r).get("path")) for r in records)
    for secret in (ID, uscc, PHONE):
        assert secret not in text
    assert "/api/v1/exchange/reads?key=5201**********902X" in text
    assert records[1].status == 404  # type: ignore[attr-defined]
    assert isinstance(records[0].duration_ms, float)  # type: ignore[attr-defined]


def test_health_probes_log_at_debug_only(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="onego.access"):
        assert client.get("/healthz").status_code == 200
    assert [r for r in caplog.records if r.name == "onego.access"] == []
