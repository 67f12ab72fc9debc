"""运行监测看板 in a real browser: the province supervisor reads every figure as a chart and a table,
narrows to a city, then a county and a period, drills down by region, downloads a figure as CSV, and
the page works on a 360 px phone — under the site's Content-Security-Policy, charts drawn locally."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from playwright.sync_api import expect

from onego.catalog.services import catalog_import
from onego.demo.accounts import ensure_demo_logins
from onego.demo.history import generate_history
from tests.e2e.conftest import screenshot
from tests.e2e.test_workbench import sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "onego"
TODAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
FIGURES = 11


@pytest.fixture
def world(transactional_db: None, settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(TODAY, tick=True):
        catalog_import(path=SRC / "catalog" / "starter")
        ensure_demo_logins()
        generate_history(cases=200, days=120, seed=5)
        yield


def test_the_province_supervisor_filters_drills_down_and_exports(
    browser: Any, live_server: Any, world: None
) -> None:
    pg = sign_in(browser, live_server, "supervisor-province")
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.get_by_role("link", name="运行监测").click()
    expect(pg.locator("h1")).to_contain_text("贵州省")
    expect(pg.locator(".insight-chart[data-drawn=true]")).to_have_count(FIGURES)
    expect(pg.locator("table.insight-table")).to_have_count(FIGURES)
    expect(pg.get_by_role("table", name="分地区办件量 · 贵州省")).to_contain_text("贵阳市")
    screenshot(pg, "insight-province")

    # Narrow to 贵阳市 with the filter, then drill into 南明区 from the region table.
    pg.select_option("#f-region", "520100")
    pg.fill("#f-from", "2026-03")
    pg.fill("#f-to", "2026-05")
    pg.get_by_role("button", name="查看").click()
    expect(pg.locator("h1")).to_contain_text("贵阳市")
    expect(pg.locator(".hint").first).to_contain_text("2026-03 至 2026-05")
    pg.get_by_role("table", name="分地区办件量 · 贵阳市").get_by_role("link", name="南明区").click()
    expect(pg.locator("h1")).to_contain_text("南明区")
    expect(pg.locator("#f-from")).to_have_value("2026-03")
    county = pg.get_by_role("table", name="分一件事办件量 · 南明区")
    expect(county.locator("tbody tr").last).to_contain_text("合计")
    expect(pg.locator(".insight-chart[data-drawn=true]")).to_have_count(FIGURES)

    with pg.expect_download() as info:
        pg.locator("#figure-volume_package").get_by_role("link", name="CSV 分一件事办件量").click()
    download = info.value
    assert download.suggested_filename.startswith("onego-volume_package-520102-20260301-20260531")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "网办率 (%)" in text
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems

    # A region outside the province supervisor's ... there is none; a city supervisor asking for the
    # province is told "not found".
    city = sign_in(browser, live_server, "supervisor")
    assert city.goto(f"{live_server.url}/workbench/insight/?region=520000").status == 404

    # On a phone: no sideways scrolling, tables turn into labelled blocks.
    phone = sign_in(browser, live_server, "supervisor-province", width=360)
    phone.goto(f"{live_server.url}/workbench/insight/?region=520102&from=2026-03&to=2026-05")
    expect(phone.locator(".insight-chart[data-drawn=true]")).to_have_count(FIGURES)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "insight-county-360")
