"""How the gateway reaches a registry: in process (the simulator) or over HTTP/JSON — chosen per registry.

    ONEGO_REGISTRY_ENDPOINTS = {"population": {"url": "https://gw.example/registries/population",
                                               "client": "onego-520100", "secret": "<base64 of 32 bytes>",
                                               "timeout": 3}}

A registry listed there is asked over HTTP by `HttpJsonAdapter`; any other is answered in process by
the simulator (onego/registries/sources.py). In the spirit of X-Road's security server, every request
names its client and is signed, and every call has a time-out; the registry's side (here the simulator
served by `onego.registries.http`) checks the signature and the clock before it answers.

The wire (one operation, `fetch_elements`):

    POST {url}/elements   {"subject": {"kind": "person", "key": "5201…"}, "elements": ["person.name", …]}
    X-OneGo-Client: onego-520100
    X-OneGo-Timestamp: 1765113600               (Unix seconds; refused when more than 300 s off)
    X-OneGo-Signature: hex HMAC-SM3(secret, "POST\\n{path}\\n{timestamp}\\n" + hex SM3(body))

    200 {"values": {...}}   404 {"error": "subject_not_found"}   503 {"error": "unavailable"}
    401 {"error": "signature"}   400 {"error": "request", "detail": "..."}

and the event feed (operation `events`, onego/registries/events.py), signed the same way:

    POST {url}/events     {"after": 41, "limit": 100}
    200 {"events": [{"registry", "sequence", "kind", "key", "occurred_on", "region_code",
                     "people": [{"role", "key"}], "facts": {...}}, ...]}
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from onego.registries.base import RegistryError, RegistryUnavailable, Subject, SubjectNotFound, registry_name
from onego.registries.events import Event

DEFAULT_TIMEOUT = 3.0
MAX_CLOCK_SKEW = 300  # seconds


# --- signatures (both sides) -------------------------------------------------------------------------
def body_digest(body: bytes) -> str:
    return hashlib.new("sm3", body).hexdigest()


def signature(secret: bytes, *, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = f"{method}\n{path}\n{timestamp}\n{body_digest(body)}".encode()
    return hmac.new(secret, message, "sm3").hexdigest()


def decode_secret(value: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{what}: the secret is not valid base64") from exc
    if len(raw) < 32:
        raise ImproperlyConfigured(f"{what}: the secret must be the base64 of at least 32 random bytes")
    return raw


# --- configuration -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    registry: str
    url: str
    client: str
    secret: bytes
    timeout: float = DEFAULT_TIMEOUT


def endpoint_for(registry: str) -> Endpoint | None:
    """The HTTP endpoint configured for this registry, or None (answered in process)."""
    configured: Mapping[str, Any] = getattr(settings, "ONEGO_REGISTRY_ENDPOINTS", None) or {}
    entry = configured.get(registry)
    if entry is None:
        return None
    what = f"ONEGO_REGISTRY_ENDPOINTS[{registry!r}]"
    missing = [k for k in ("url", "client", "secret") if not entry.get(k)]
    if missing:
        raise ImproperlyConfigured(f"{what}: missing {', '.join(missing)}")
    url = str(entry["url"]).rstrip("/")
    if urlparse(url).scheme not in ("http", "https"):
        raise ImproperlyConfigured(f"{what}: url must be http:// or https://")
    try:
        timeout = float(entry.get("timeout", DEFAULT_TIMEOUT))
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{what}: timeout must be a number of seconds") from None
    if timeout <= 0:
        raise ImproperlyConfigured(f"{what}: timeout must be positive")
    return Endpoint(registry, url, str(entry["client"]), decode_secret(str(entry["secret"]), what), timeout)


# --- the HTTP/JSON adapter ---------------------------------------------------------------------------
class HttpJsonAdapter:
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def _post(self, operation: str, payload: Mapping[str, Any], subject: Subject | None = None) -> Any:
        """One signed POST to `{url}/{operation}`; the decoded JSON answer, or the registry's error."""
        ep = self.endpoint
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        url = f"{ep.url}/{operation}"
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in endpoint_for
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-OneGo-Client": ep.client,
                "X-OneGo-Timestamp": timestamp,
                "X-OneGo-Signature": signature(
                    ep.secret, method="POST", path=urlparse(url).path, timestamp=timestamp, body=body
                ),
            },
        )
        name = registry_name(ep.registry)
        try:
            with urllib.request.urlopen(request, timeout=ep.timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and subject is not None:
                raise SubjectNotFound(ep.registry, subject) from None
            if exc.code in (502, 503, 504):
                raise RegistryUnavailable(ep.registry) from None
            raise RegistryError(f"{name}拒绝了请求（HTTP {exc.code}）", registry=ep.registry) from None
        except TimeoutError:
            raise RegistryUnavailable(ep.registry, f"{name}在 {ep.timeout:g} 秒内没有响应") from None
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise RegistryUnavailable(ep.registry, f"{name}在 {ep.timeout:g} 秒内没有响应") from None
            raise RegistryUnavailable(ep.registry, f"{name}暂时无法连接") from None
        except ValueError:
            raise RegistryError(f"{name}的应答不是有效的 JSON", registry=ep.registry) from None

    def fetch_elements(self, subject: Subject, elements: Sequence[str]) -> dict[str, Any]:
        ep = self.endpoint
        payload = self._post(
            "elements",
            {"subject": {"kind": subject.kind, "key": subject.key}, "elements": list(elements)},
            subject,
        )
        values = payload.get("values") if isinstance(payload, dict) else None
        if not isinstance(values, dict):
            raise RegistryError(f"{registry_name(ep.registry)}的应答缺少 values", registry=ep.registry)
        wanted = set(elements)
        return {k: v for k, v in values.items() if k in wanted and v is not None and v != ""}

    def read_events(self, *, after: int, limit: int) -> list[Event]:
        """The registry's event feed after sequence `after` (operation `events`)."""
        ep = self.endpoint
        payload = self._post("events", {"after": int(after), "limit": int(limit)})
        rows = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(rows, list):
            raise RegistryError(f"{registry_name(ep.registry)}的应答缺少 events", registry=ep.registry)
        try:
            events = [Event.from_json(r) for r in rows]
        except (KeyError, TypeError, ValueError):
            raise RegistryError(f"{registry_name(ep.registry)}的事件格式无效", registry=ep.registry) from None
        if any(e.registry != ep.registry or e.sequence <= after for e in events):
            raise RegistryError(f"{registry_name(ep.registry)}的事件不属于所请求的范围", registry=ep.registry)
        return events
