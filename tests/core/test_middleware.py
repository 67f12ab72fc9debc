"""The Content-Security-Policy on every response, and templates that need no exception from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

SRC = Path(__file__).resolve().parents[2] / "src" / "onego"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/login/", "/healthz", "/api/v1/docs", "/api/v1/openapi.json", "/no-such-page/"]
)
def test_every_response_carries_the_content_security_policy(client: Client, path: str) -> None:
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'(;|$)", policy)
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_each_response_gets_its_own_nonce(client: Client) -> None:
    first, second = (client.get("/healthz")["Content-Security-Policy"] for _ in range(2))
    assert first != second


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_from_this_site_not_a_cdn(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_no_template_has_inline_script_event_handlers_or_unnonced_style() -> None:
    offenders = []
    for path in SRC.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text):
            attrs = m.group(1)
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                offenders.append(f"{path.relative_to(SRC)}: inline <script>")
        if re.search(r"<style\b(?![^>]*nonce=)", text):
            offenders.append(f"{path.relative_to(SRC)}: <style> without nonce")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(SRC)}: inline event handler")
        if re.search(r"\sstyle\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(SRC)}: style attribute")
    assert offenders == []
