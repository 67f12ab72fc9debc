"""The applicant's way through the portal in a real browser."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot


def test_search_by_initials_leads_to_the_newborn_guide(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/?region=520102")
    page.locator("#q").press_sequentially("xsecs", delay=30)
    result = page.locator("#search-results a", has_text="新生儿出生")
    expect(result).to_be_visible()
    expect(page.locator("#search-results")).to_contain_text("拼音首字母")
    screenshot(page, "home-search-xsecs", full_page=False)
    result.click()
    expect(page.locator("h1")).to_contain_text("新生儿出生")
    expect(page.locator("#items-h")).to_contain_text("要办的事项（3 项）")
    screenshot(page, "guide-newborn-birth")


def test_search_form_works_without_javascript(browser: Any, live_server: Any, e2e_catalog: Any) -> None:
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{live_server.url}/?region=520102")
    pg.fill("#q", "kaifan")
    pg.locator("#q").press("Enter")
    expect(pg.locator("#search-results")).to_contain_text("开办餐饮店")
    assert "/search/?q=kaifan" in pg.url
    context.close()


def test_answering_a_question_updates_the_items(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/packages/open-restaurant/?region=520102")
    expect(page.locator("#items-h")).to_contain_text("要办的事项（3 项）")
    page.locator("#q-has_licence-true").check()
    expect(page.locator("#items-h")).to_contain_text("要办的事项（2 项）")
    # htmx kept the focus on the answer just given and put the answers in the address.
    assert page.evaluate("document.activeElement.id") == "q-has_licence-true"
    assert "has_licence=true" in page.url
    page.fill("#q-floor_area", "80")
    page.keyboard.press("Tab")
    expect(page.locator("#items-h")).to_contain_text("要办的事项（1 项）")
    expect(page.locator("#guide-result details summary")).to_contain_text("不需要办理的事项（3）")
    screenshot(page, "guide-restaurant-answered")


def test_a_question_gets_an_answer_that_links_its_guide(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/?region=520102")
    page.fill("#question", "开饭店要多久")
    page.locator("#question").press("Enter")
    answer = page.locator("#answer")
    expect(answer).to_contain_text("开办餐饮店：承诺 8 个工作日办结")
    expect(answer.locator("a", has_text="开办餐饮店 办事指引")).to_be_visible()
    page.fill("#question", "今天天气怎么样")
    page.locator("#question").press("Enter")
    expect(answer).to_contain_text("没有找到可靠的答案，请换个说法或咨询窗口")
    page.fill("#question", "孩子出生要办什么")
    page.locator("#question").press("Enter")
    expect(answer).to_contain_text("出生医学证明签发")
    screenshot(page, "home-ask-answer", full_page=False)


def test_large_text_mode(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/packages/newborn-birth/?region=520102")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    page.get_by_role("button", name="大字模式（适老化）").click()
    expect(page.locator("body")).to_have_class("large-text")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "21px"
    # A toggle keeps its label; aria-pressed says it is on (not a label that says the opposite).
    toggle = page.get_by_role("button", name="大字模式（适老化）")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    screenshot(page, "guide-large-text", full_page=False)
    toggle.click()
    expect(page.get_by_role("button", name="大字模式（适老化）")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"


def test_language_switch(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/?region=520102")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("One thing, done in one go")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#hot-h")).to_have_text("Popular in this region")
    expect(page.locator("main")).to_contain_text("Newborn birth")
    screenshot(page, "home-english", full_page=False)
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_have_text("一件事，一次办")


def test_keyboard_reaches_the_search_box_first(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/?region=520102")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pages_fit_a_360_px_phone(page: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    for path, name in (
        ("/?region=520102", "home-360"),
        ("/packages/open-restaurant/?region=520102", "guide-360"),
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{path} scrolls sideways"
        screenshot(page, name)
