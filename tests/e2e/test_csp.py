"""The Content-Security-Policy in a real browser: the key pages run with no violation (no inline script,
style or handler blocked). That the designer's script still works is tests/e2e/test_designer.py."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def test_portal_pages_run_under_the_policy_without_violations(page: Any, live_server: Any) -> None:
    seen = violations(page)
    for path in ("/", "/packages/open-restaurant/?region=520102", "/search/?q=餐饮", "/login/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert seen == []


def test_the_designer_runs_under_the_policy_without_violations(staff_page: Any, live_server: Any) -> None:
    seen = violations(staff_page)
    staff_page.goto(f"{live_server.url}/workbench/designer/?package=open-restaurant")
    expect(staff_page.locator("#preview")).to_contain_text("食品经营许可（新办）")
    staff_page.wait_for_load_state("networkidle")
    assert seen == []
