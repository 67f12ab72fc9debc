"""Signing and sending partner webhooks. Pure except for `post`, which makes the HTTP call.

Signature (both directions, the secret shared with the partner):

    X-OneGo-Timestamp: 1772415000                     (Unix seconds, UTC)
    X-OneGo-Signature: hmac-sha256=<64 hex digits>    (or hmac-sm3=… for a partner set to 国密 SM3)

where the digest is HMAC(secret, timestamp + "." + raw body bytes). The receiver recomputes it
over the bytes it received, compares in constant time, and refuses a timestamp more than five
minutes away from its own clock. Replays inside that window are caught by the callback id (see
`services/partner_callbacks.py`).

Endpoints: `https://…`; `http://` only to a loopback address (development, tests); `local:` is the
in-process simulated partner (accepts every step with 202), `local:down` one that is always down
(503), so retries can be watched without a network.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from onego.core.errors import PermissionDenied, ValidationFailed

TIMESTAMP_HEADER = "X-OneGo-Timestamp"
SIGNATURE_HEADER = "X-OneGo-Signature"
DELIVERY_HEADER = "X-OneGo-Delivery"
ATTEMPT_HEADER = "X-OneGo-Attempt"
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024
LOCAL_OK, LOCAL_DOWN = "local:", "local:down"
DIGESTS = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}


class SignatureInvalid(PermissionDenied):
    """A callback whose signature, timestamp or sender could not be verified (HTTP 401)."""

    code = "bad_signature"


def signature(secret: str, timestamp: str, body: bytes, *, algorithm: str = "hmac-sha256") -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, DIGESTS[algorithm])
    return f"{algorithm}={digest.hexdigest()}"


def sign(secret: str, body: bytes, *, now: float, algorithm: str = "hmac-sha256") -> dict[str, str]:
    """The two signature headers for `body` at Unix time `now`."""
    timestamp = str(int(now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body, algorithm=algorithm),
    }


def verify(
    secret: str,
    body: bytes,
    *,
    timestamp: str | None,
    given: str | None,
    now: float,
    algorithm: str = "hmac-sha256",
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise SignatureInvalid unless `given` signs `body` at `timestamp`, within `tolerance` of now."""
    if not timestamp or not given:
        raise SignatureInvalid(
            f"缺少签名：请求头须包含 {TIMESTAMP_HEADER} 和 {SIGNATURE_HEADER}", field="signature"
        )
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureInvalid(f"{TIMESTAMP_HEADER} 应为 Unix 时间（秒）", field="timestamp")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureInvalid(
            f"签名时间与平台时间相差超过 {tolerance // 60} 分钟，请求已过期或时钟不准", field="timestamp"
        )
    expected = signature(secret, timestamp, body, algorithm=algorithm)
    # Constant time over the whole header value: nothing is learnt from how far a guess got.
    if not hmac.compare_digest(expected.encode("ascii"), given.strip().encode("utf-8", "replace")):
        raise SignatureInvalid("签名校验失败", field="signature")


# --- endpoints --------------------------------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str) -> str:
    """The URL if a partner may be reached there; ValidationFailed (Chinese) otherwise."""
    url = url.strip()
    if url in (LOCAL_OK, LOCAL_DOWN):
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host and _loopback(host):
        return url
    raise ValidationFailed(
        "接收地址须为 https:// 地址（http:// 仅限本机调试，local: 为模拟合作机构）", field="url"
    )


@dataclass(frozen=True)
class Response:
    ok: bool
    status: int | None
    error: str
    duration_ms: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be replayed elsewhere (or turned into a GET): treat it as a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float = TIMEOUT_SECONDS) -> Response:
    """POST once. Never raises for a failure of the other side: 2xx is ok, anything else is not."""
    started = time.monotonic()

    def done(ok: bool, status: int | None, error: str) -> Response:
        return Response(ok, status, error[:1000], int((time.monotonic() - started) * 1000))

    if url == LOCAL_OK:
        return done(True, 202, "")
    if url == LOCAL_DOWN:
        return done(False, 503, "模拟合作机构暂不可用")
    try:
        url = check_endpoint_url(url)
    except ValidationFailed as exc:
        return done(False, None, exc.message)
    # check_endpoint_url allowed only https (or http to loopback): no file: or custom schemes.
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as reply:
            reply.read(MAX_RESPONSE_BYTES)
            status = int(reply.status)
            return done(200 <= status < 300, status, "" if 200 <= status < 300 else f"HTTP {status}")
    except urllib.error.HTTPError as exc:
        text = exc.read(500).decode("utf-8", "replace") if exc.fp is not None else ""
        return done(False, exc.code, f"HTTP {exc.code} {text}".strip())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return done(False, None, f"{type(exc).__name__}: {reason}")


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
