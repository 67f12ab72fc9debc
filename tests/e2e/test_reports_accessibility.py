"""The 办不成事 report pages have no serious accessibility violation (axe-core, vendored in
tests/e2e/vendor/): the applicant's 我的反映 (form, and the list with a photo's thumbnail), the grid
worker's form, the centre's list and report page (thumbnails, the dispatch form), the department's order
form, the supervisor's report page, supervision and data-read log, and the public satisfaction page.
The thumbnails are real images our views made (they load: naturalWidth > 0). Every page is checked before
the test fails, so one run lists them all."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import expect

from onego.catalog.models import Region
from onego.demo.accounts import STAFF_PASSWORD, ensure_demo_logins
from onego.feedback.models import GridWorker, Report
from tests.e2e.conftest import screenshot
from tests.e2e.test_applicant import WANG_FANG, starter  # noqa: F401 (fixture)
from tests.e2e.test_phone_width import AXE, SERIOUS
from tests.portal.applicants import last_code

VILLAGE = "520102016002"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(starter: Path) -> Path:  # noqa: F811
    ensure_demo_logins()
    grid = get_user_model().objects.get(username="grid")
    GridWorker.objects.get_or_create(user=grid, region=Region.objects.get(code=VILLAGE))
    return starter


class Axe:
    def __init__(self) -> None:
        self.violations: list[str] = []
        self.seen: list[str] = []

    def check(self, page: Any, name: str) -> None:
        page.add_script_tag(path=str(AXE))
        self.violations += [f"{name}: {v}" for v in page.evaluate(SERIOUS)]
        self.seen.append(name)
        screenshot(page, f"a11y-report-{name}")


def context_page(browser: Any, width: int = 1280) -> Any:
    # axe-core is injected as a script: the context bypasses the site's CSP for it.
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900}, bypass_csp=True)
    context.set_default_timeout(20_000)
    return context.new_page()


def staff_page(browser: Any, url: str, username: str, next_url: str) -> Any:
    page = context_page(browser)
    page.goto(f"{url}/workbench/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.locator("main button[type=submit]").click()
    return page


def thumbnails_load(page: Any) -> bool:
    """The page shows at least one thumbnail and every one loaded as an image (lazy: scrolled to first)."""
    first = page.locator(".report-photos img").first
    first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.report-photos img')].every(i => i.complete)"
    )
    return bool(
        page.evaluate(
            "() => [...document.querySelectorAll('.report-photos img')].every(i => i.naturalWidth > 0)"
        )
    )


def test_the_report_pages_have_no_serious_accessibility_violation(
    browser: Any, live_server: Any, world: Path
) -> None:
    url, axe = live_server.url, Axe()

    applicant = context_page(browser, width=360)
    applicant.goto(f"{url}/me/reports/", timeout=60_000)
    applicant.fill("#id_number", WANG_FANG.key)
    applicant.get_by_role("button", name="获取验证码").click()
    applicant.fill("#code", last_code(WANG_FANG.phone))
    applicant.get_by_role("button", name="登录").click()
    expect(applicant.locator("h1")).to_contain_text("办不成事反映")
    axe.check(applicant, "my-reports-form")
    applicant.get_by_label("办不成事", exact=True).check()
    applicant.get_by_label("反映内容").fill("在窗口办不了新生儿落户，说要去另一个区")
    applicant.get_by_label("事发地所在区划（可细到村、社区）").select_option(VILLAGE)
    applicant.get_by_label("详细地址").fill("南明区政务服务中心 3 号窗口")
    applicant.set_input_files(
        "#f-photos", files=[{"name": "窗口.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    applicant.get_by_role("button", name="提交反映").click()
    expect(applicant.locator(".messages")).to_contain_text("反映已提交")
    assert thumbnails_load(applicant)
    assert applicant.evaluate("document.documentElement.scrollWidth") <= 360
    axe.check(applicant, "my-reports-list")
    report = Report.objects.get()

    grid = staff_page(browser, url, "grid", "/workbench/reports/new/")
    expect(grid.locator("h1")).to_contain_text("登记办不成事反映或多部门事件")
    axe.check(grid, "grid-form")

    clerk = staff_page(browser, url, "clerk", "/workbench/reports/")
    expect(clerk.locator("h1")).to_contain_text("办不成事")
    axe.check(clerk, "centre-list")
    clerk.goto(f"{url}/workbench/reports/{report.pk}/")
    assert thumbnails_load(clerk)
    axe.check(clerk, "centre-report")
    clerk.locator("#f-department-0").select_option("nm-market-regulation")
    clerk.locator("#f-task-0").fill("核查落户材料")
    clerk.get_by_role("button", name="分拨", exact=True).click()
    expect(clerk.locator(".messages")).to_contain_text("已分拨 1 个部门工单")
    axe.check(clerk, "centre-report-dispatched")
    clerk.get_by_label("答复", exact=True).fill("")  # the reply with an order open: an error on the page
    clerk.get_by_role("button", name="答复并办结").click()
    axe.check(clerk, "centre-report-error")

    officer = staff_page(browser, url, "officer-market", f"/workbench/reports/{report.pk}/")
    expect(officer.get_by_label("处置结果")).to_be_visible()
    assert thumbnails_load(officer)
    axe.check(officer, "department-order")

    supervisor = staff_page(browser, url, "supervisor", f"/workbench/reports/{report.pk}/")
    assert thumbnails_load(supervisor)
    axe.check(supervisor, "supervisor-report")
    supervisor.goto(f"{url}/workbench/feedback/supervision/")
    axe.check(supervisor, "supervision")
    supervisor.goto(f"{url}/workbench/feedback/data-reads/")
    axe.check(supervisor, "data-reads")
    supervisor.goto(f"{url}/satisfaction/")
    axe.check(supervisor, "public-satisfaction")

    assert len(axe.seen) == 12
    assert not axe.violations, "serious accessibility violations:\n" + "\n".join(axe.violations)
