"""Contract tests of the HTTP/JSON registry adapter against the simulator served over HTTP (pytest-django's
live server), and against registries that are slow, down, or answer with a wrong signature."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from onego.registries import adapters
from onego.registries import gateway as g
from onego.registries.base import RegistryError, RegistryUnavailable, SubjectNotFound
from onego.registries.demo_identities import seed_demo
from tests.cases.processes import free_port
from tests.registries.conftest import subject
from tests.registries.test_gateway import NOBODY

SECRET = base64.b64encode(bytes(range(32))).decode()
OTHER = base64.b64encode(bytes(range(1, 33))).decode()
ELEMENTS = ["person.name", "person.id_number", "person.phone", "spouse.name", "father.id_number", "no.such"]


@pytest.fixture
def served(transactional_db: None, live_server: Any, settings: Any) -> str:
    """The demo people in the registries, and the simulator served over HTTP to client `onego-test`."""
    seed_demo()
    settings.ONEGO_REGISTRY_SIMULATOR_CLIENTS = {"onego-test": SECRET}
    return str(live_server.url)


def over_http(
    settings: Any, url: str, *, registry: str = "population", secret: str = SECRET, **extra: Any
) -> None:
    settings.ONEGO_REGISTRY_ENDPOINTS = {
        registry: {"url": f"{url}/registry-sim/{registry}", "client": "onego-test", "secret": secret, **extra}
    }


def test_the_http_adapter_gives_what_the_simulator_gives_in_process(served: str, settings: Any) -> None:
    in_process = g.fetch_elements("population", subject("王芳"), ELEMENTS)
    over_http(settings, served)
    assert g.fetch_elements("population", subject("王芳"), ELEMENTS) == in_process
    assert in_process["person.name"] == "王芳"
    assert "no.such" not in in_process


def test_registries_without_an_endpoint_stay_in_process(served: str, settings: Any) -> None:
    over_http(settings, "http://127.0.0.1:9")  # only population goes over HTTP (and would fail)
    assert g.fetch_elements("marriage", subject("王芳"), ["spouse.name"]) == {"spouse.name": "李强"}


def test_an_unknown_subject_is_not_found_over_http(served: str, settings: Any) -> None:
    over_http(settings, served)
    with pytest.raises(SubjectNotFound):
        g.fetch_elements("population", NOBODY, ["person.name"])


def test_a_registry_switched_off_on_its_side_is_unavailable_over_http(served: str, settings: Any) -> None:
    over_http(settings, served)
    g.set_registry_available(code="population", available=False, note="维护")
    with pytest.raises(RegistryUnavailable):
        g.fetch_elements("population", subject("王芳"), ["person.name"])


def test_a_wrong_secret_gets_no_data(served: str, settings: Any) -> None:
    over_http(settings, served, secret=OTHER)
    with pytest.raises(RegistryError, match="HTTP 401"):
        g.fetch_elements("population", subject("王芳"), ["person.name"])


def signed_post(client: Client, path: str, body: bytes, *, timestamp: str, secret: str = SECRET) -> Any:
    sig = adapters.signature(
        base64.b64decode(secret), method="POST", path=path, timestamp=timestamp, body=body
    )
    return client.post(
        path,
        data=body,
        content_type="application/json",
        headers={"X-OneGo-Client": "onego-test", "X-OneGo-Timestamp": timestamp, "X-OneGo-Signature": sig},
    )


def test_the_simulator_refuses_stale_tampered_and_unsigned_requests(
    db: None, client: Client, settings: Any
) -> None:
    seed_demo()
    settings.ONEGO_REGISTRY_SIMULATOR_CLIENTS = {"onego-test": SECRET}
    path = "/registry-sim/population/elements"
    body = json.dumps(
        {"subject": {"kind": "person", "key": subject("王芳").key}, "elements": ["person.name"]}
    )
    now = str(int(time.time()))
    good = signed_post(client, path, body.encode(), timestamp=now)
    assert good.status_code == 200
    assert good.json() == {"values": {"person.name": "王芳"}}
    stale = signed_post(client, path, body.encode(), timestamp=str(int(time.time()) - 3600))
    assert stale.status_code == 401
    sig = good.request["HTTP_X_ONEGO_SIGNATURE"]  # a valid signature, reused on another body
    forged = client.post(
        path,
        data=body.replace("person.name", "person.phone"),
        content_type="application/json",
        headers={"X-OneGo-Client": "onego-test", "X-OneGo-Timestamp": now, "X-OneGo-Signature": sig},
    )
    assert forged.status_code == 401
    assert client.post(path, data=body, content_type="application/json").status_code == 401
    assert signed_post(client, path, b"{not json", timestamp=now).status_code == 400


def test_the_simulator_is_not_served_unless_clients_are_configured(db: None, client: Client) -> None:
    response = client.post("/registry-sim/population/elements", data="{}", content_type="application/json")
    assert response.status_code == 404


# --- a slow registry, and one that is down --------------------------------------------------------------
@pytest.fixture
def slow_registry() -> Iterator[str]:
    """A registry that takes 5 s to answer anything."""
    release = threading.Event()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            release.wait(5)
            with contextlib.suppress(OSError):  # the client gave up long ago
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"values": {}}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_a_slow_registry_times_out_as_unavailable(db: None, settings: Any, slow_registry: str) -> None:
    over_http(settings, slow_registry, timeout=0.5)
    with pytest.raises(RegistryUnavailable, match="0.5 秒内没有响应"):
        g.fetch_elements("population", subject("王芳"), ["person.name"])


def test_a_registry_that_is_down_is_unavailable(db: None, settings: Any) -> None:
    over_http(settings, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    with pytest.raises(RegistryUnavailable, match="暂时无法连接"):
        g.fetch_elements("population", subject("王芳"), ["person.name"])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"url": "http://x", "client": "c"}, "missing secret"),
        ({"url": "ftp://x", "client": "c", "secret": SECRET}, "url must be http"),
        ({"url": "http://x", "client": "c", "secret": "AAAA"}, "at least 32 random bytes"),
        ({"url": "http://x", "client": "c", "secret": SECRET, "timeout": 0}, "timeout must be positive"),
    ],
)
def test_a_malformed_endpoint_is_a_configuration_error(
    settings: Any, entry: dict[str, Any], message: str
) -> None:
    settings.ONEGO_REGISTRY_ENDPOINTS = {"population": entry}
    with pytest.raises(ImproperlyConfigured, match=message):
        adapters.endpoint_for("population")
