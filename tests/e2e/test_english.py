"""English mode in the browser: an English-speaking applicant switches language on the home page and reads
a package guide, at 1280 and 360 px, with the catalog's names in English and no Chinese left (except the
switch back to 中文 and the search box's Chinese examples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import screenshot
from tests.e2e.test_applicant import starter  # noqa: F401 (fixture)
from tests.portal.test_english import untranslated

PHONE = {"width": 360, "height": 780}


def test_an_english_reader_switches_language_and_reads_a_guide_in_english_on_a_phone(
    browser: Any,
    live_server: Any,
    starter: Path,  # noqa: F811 (the fixture imported above)
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/?region=520102", timeout=60_000)
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    left = {}
    for code in ("newborn-birth", "open-restaurant"):
        page.goto(f"{live_server.url}/packages/{code}/?region=520102")
        screenshot(page, f"english-guide-{code}-1280")
        if found := untranslated(page.content()):
            left[code] = found[:5]
        page.set_viewport_size(PHONE)
        screenshot(page, f"english-guide-{code}-360")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], code
        page.set_viewport_size({"width": 1280, "height": 900})
    guide = page.locator("main").inner_text()
    assert "Nanming District" in guide
    assert "Food business permit (new)" in guide
    context.close()
    assert left == {}
