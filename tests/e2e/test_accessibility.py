"""Accessibility in a real browser: focus goes to the error summary after a failed submit, live validation
sets aria-invalid, and the large-text toggle's label and aria-pressed agree (tests/e2e/test_portal.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_applicant import WANG_FANG, applicant_page, starter  # noqa: F401 (fixtures)
from tests.portal.applicants import last_code


def sign_in_and_start(page: Any, url: str) -> None:
    page.goto(f"{url}/packages/newborn-birth/apply/?region=520102")
    page.fill("#id_number", WANG_FANG.key)
    page.get_by_role("button", name="获取验证码").click()
    page.fill("#code", last_code(WANG_FANG.phone))
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="开始办理").click()


def test_focus_moves_to_the_error_summary_and_live_validation_sets_aria_invalid(
    applicant_page: Any,  # noqa: F811
    live_server: Any,
    starter: Path,  # noqa: F811
) -> None:
    page = applicant_page
    sign_in_and_start(page, live_server.url)

    # Submitting a question unanswered: the page comes back with the summary focused (announced first).
    page.get_by_role("button", name="下一步").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_focused()
    screenshot(page, "a11y-error-summary-focused", full_page=False)

    for answer in ["是", "是", "随母", "否", "否", "否"]:
        page.get_by_label(answer, exact=True).check()
        page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="同意并一键填表").click()

    # The contact phone is asked once, at the contact step; the residence address is typed here.
    address = page.locator("#f-person__residence_address")
    expect(address).not_to_have_attribute("aria-invalid", "true")
    address.fill("x")
    address.press("Tab")
    address.fill("")  # a required field emptied: live validation says so
    address.press("Tab")
    expect(page.locator("#status-person__residence_address .error")).to_be_visible()
    expect(address).to_have_attribute("aria-invalid", "true")
    address.scroll_into_view_if_needed()
    screenshot(page, "a11y-live-validation-invalid", full_page=False)
    address.fill("贵阳市南明区花果园大街1号")
    address.press("Tab")
    expect(page.locator("#status-person__residence_address")).to_contain_text("已保存")
    expect(address).not_to_have_attribute("aria-invalid", "true")
