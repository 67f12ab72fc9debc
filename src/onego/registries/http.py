"""The registry simulator served over HTTP/JSON — the registry side of onego/registries/adapters.py.

Lets the HTTP adapter be exercised end to end (contract tests, a demo of separate machines) against the
same simulator the gateway uses in process. Served only to the clients listed in
ONEGO_REGISTRY_SIMULATOR_CLIENTS (empty in production: every request is then a 404). Each request must
carry a known client, a timestamp within 300 s and a valid HMAC-SM3 signature over method, path,
timestamp and body; the answer is what `gateway.fetch_elements_in_process` gives, and for `events`
the registry's event feed after a cursor (`onego.registries.events.events_after`).
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from onego.registries.adapters import MAX_CLOCK_SKEW, decode_secret, signature
from onego.registries.base import RegistryUnavailable, Subject, SubjectNotFound
from onego.registries.events import PUBLISHERS, events_after
from onego.registries.gateway import fetch_elements_in_process, registry_available


def _refuse(status: int, error: str, detail: str = "") -> JsonResponse:
    return JsonResponse({"error": error, **({"detail": detail} if detail else {})}, status=status)


def _authentic(request: HttpRequest) -> bool:
    clients: dict[str, Any] = getattr(settings, "ONEGO_REGISTRY_SIMULATOR_CLIENTS", None) or {}
    client = request.headers.get("X-OneGo-Client", "")
    if client not in clients:
        return False
    try:
        secret = decode_secret(str(clients[client]), f"ONEGO_REGISTRY_SIMULATOR_CLIENTS[{client!r}]")
    except ImproperlyConfigured:
        return False
    timestamp = request.headers.get("X-OneGo-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    expected = signature(secret, method="POST", path=request.path, timestamp=timestamp, body=request.body)
    return hmac.compare_digest(expected, request.headers.get("X-OneGo-Signature", ""))


@csrf_exempt  # machine-to-machine, authenticated by the signature, no cookies
@require_POST
def elements(request: HttpRequest, code: str) -> JsonResponse:
    if not getattr(settings, "ONEGO_REGISTRY_SIMULATOR_CLIENTS", None):
        raise Http404
    if not _authentic(request):
        return _refuse(401, "signature")
    try:
        data = json.loads(request.body)
        kind, key, wanted = data["subject"]["kind"], str(data["subject"]["key"]), data["elements"]
    except (ValueError, KeyError, TypeError):
        return _refuse(400, "request", "expected {subject: {kind, key}, elements: [...]}")
    if kind not in ("person", "enterprise") or not isinstance(wanted, list):
        return _refuse(400, "request", "subject.kind is person or enterprise; elements is a list")
    subject = Subject("person" if kind == "person" else "enterprise", key)
    try:
        values = fetch_elements_in_process(code, subject, [str(e) for e in wanted])
    except SubjectNotFound:
        return _refuse(404, "subject_not_found")
    except RegistryUnavailable:
        return _refuse(503, "unavailable")
    return JsonResponse({"values": values})


@csrf_exempt  # machine-to-machine, authenticated by the signature, no cookies
@require_POST
def events(request: HttpRequest, code: str) -> JsonResponse:
    """The registry's event feed after a cursor: {"after": <sequence>, "limit": n} → {"events": [...]}."""
    if not getattr(settings, "ONEGO_REGISTRY_SIMULATOR_CLIENTS", None):
        raise Http404
    if not _authentic(request):
        return _refuse(401, "signature")
    try:
        data = json.loads(request.body)
        after, limit = int(data["after"]), int(data.get("limit", 100))
    except (ValueError, KeyError, TypeError):
        return _refuse(400, "request", "expected {after: <sequence>, limit: <n>}")
    if after < 0 or limit < 1:
        return _refuse(400, "request", "after is a sequence number (>= 0); limit is at least 1")
    if code not in PUBLISHERS:
        return _refuse(404, "no_feed")
    if not registry_available(code):
        return _refuse(503, "unavailable")
    return JsonResponse({"events": [e.to_json() for e in events_after(code, after=after, limit=limit)]})
