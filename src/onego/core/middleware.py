"""Site-wide middleware: the access log and the Content-Security-Policy."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from onego.core.pii import mask_text

access_logger = logging.getLogger("onego.access")

QUIET_PATHS = ("/healthz", "/readyz")  # probes every few seconds: logged at DEBUG only


class AccessLogMiddleware:
    """One line per request (method, path with its query, status, duration) with personal data masked:
    `/api/v1/exchange/reads?key=<ID number>` is logged with the ID number masked. gunicorn's own access
    log is off (onego/gunicorn_conf.py) and runserver's is silenced, so this is the only one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        path = mask_text(request.get_full_path())
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        if response.status_code >= 500:
            level = logging.ERROR
        access_logger.log(
            level,
            "%s %s %s %sms",
            request.method,
            path,
            response.status_code,
            elapsed_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": elapsed_ms,
            },
        )
        return response


def csp_policy(nonce: str) -> str:
    """Scripts, styles, images, fonts and connections only from this origin (htmx and the API docs'
    Swagger UI are served locally); inline code only with the request's nonce; no framing, no plugins."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Sets Content-Security-Policy on every response that has none of its own (Django 5.2 has no
    built-in CSP). `request.csp_nonce` is for the rare inline block (`<style nonce="…">`); templates
    otherwise load scripts and styles as static files and use no inline event handlers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.ONEGO_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        if (
            "Content-Security-Policy" not in response
            and "Content-Security-Policy-Report-Only" not in response
        ):
            response[header] = csp_policy(nonce)
        return response
