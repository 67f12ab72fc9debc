"""The e-licence view (亮证) in the browser: the holder opens 我的证照 and one licence, at 360 px without
sideways scrolling and without serious axe violations, then the public check its QR code opens.
Screenshots: test-artifacts/screenshots/width-licence-*-<360|1280>.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_phone_width import DESKTOP, Widths
from tests.portal.applicants import last_code, person


def test_the_holder_shows_her_licence_on_a_phone_and_its_qr_code_opens_the_check(
    browser: Any, live_server: Any, e2e_catalog: Path, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # the sign-in code is read back from tmp_path/sms.log
    settings.ONEGO_PUBLIC_URL = live_server.url  # what the QR code and the 在线核验 link open
    wang = person("王小红")
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP, bypass_csp=True)
    context.set_default_timeout(20_000)
    page, url = context.new_page(), live_server.url
    widths = Widths(page)

    page.goto(f"{url}/login/?next=/me/licences/", timeout=60_000)
    page.fill("#id_number", wang.id_number)
    page.get_by_role("button", name="获取验证码").click()
    page.fill("#code", last_code(wang.phone))
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("我的证照")
    widths.check("licence-list")

    page.get_by_role("link", name="营业执照").click()
    card = page.locator(".licence-card")
    expect(card).to_contain_text("南明区王小红餐馆")
    expect(card).to_contain_text(wang.id_number)  # her own licence: in full
    expect(card.locator("svg")).to_be_visible()
    widths.check("licence-card")

    page.goto(card.get_by_role("link", name="在线核验").get_attribute("href") or "")
    check = page.locator(".verify")
    expect(check).to_have_class("verify verify--valid")
    expect(page.locator("main")).not_to_contain_text(wang.id_number)  # the public check: masked
    widths.check("licence-verify")
    context.close()
    assert widths.too_wide == []
    assert widths.violations == []
