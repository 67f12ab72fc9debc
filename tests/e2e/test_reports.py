"""办不成事 in a real browser: a grid worker on a 360 px phone reports an event at 新华路社区 with a
photo; the 南明区 government service centre splits it into two department orders; each department
records what it did; the centre replies and closes it; the supervisor sees the chain and the figures."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from onego.catalog.models import Region
from onego.catalog.services import catalog_import
from onego.demo.accounts import STAFF_PASSWORD, ensure_demo_logins
from onego.feedback.models import GridWorker, Report, WorkOrder
from onego.feedback.report_rules import ReportStatus
from tests.e2e.conftest import screenshot
from tests.e2e.test_workbench import sign_in as staff_sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "onego"
MONDAY = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with time_machine.travel(MONDAY, tick=True):
        catalog_import(path=SRC / "catalog" / "starter")
        ensure_demo_logins()
        grid = get_user_model().objects.get(username="grid")
        GridWorker.objects.create(user=grid, region=Region.objects.get(code="520102016002"))
        yield


def test_a_grid_workers_report_becomes_two_orders_and_closes_with_a_reply(
    browser: Any, live_server: Any, world: None
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    context.set_default_timeout(20_000)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/workbench/login/?next=/workbench/reports/new/")
    phone.fill("#id_username", "grid")
    phone.fill("#id_password", STAFF_PASSWORD)
    phone.locator("main button[type=submit]").click()
    expect(phone.locator("h1")).to_contain_text("登记办不成事反映或多部门事件")
    phone.get_by_label("多部门协同事件").check()
    phone.get_by_label("反映内容").fill("新华路一家餐馆后厨油烟直排，店后消防通道堆满杂物")
    phone.get_by_label("事发地所在区划（可细到村、社区）").select_option("520102016002")
    phone.get_by_label("详细地址").fill("南明区新华路 88 号")
    phone.get_by_label("纬度").fill("26.5733")
    phone.get_by_label("经度").fill("106.7137")
    phone.set_input_files("#f-photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": PNG}])
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    screenshot(phone, "report-grid-360")
    phone.get_by_role("button", name="提交反映").click()
    expect(phone.locator(".messages")).to_contain_text("已转南明区人民政府政务服务中心协调办理")
    report = Report.objects.get()
    assert report.source == "grid"
    assert report.photos.count() == 1

    clerk = staff_sign_in(browser, live_server, "clerk", width=360)  # the centre's clerk on a phone too
    clerk.goto(f"{live_server.url}/workbench/reports/")
    clerk.get_by_role("link", name=report.reference).click()
    expect(clerk.locator("main")).to_contain_text("消防通道堆满杂物")
    assert clerk.evaluate("document.documentElement.scrollWidth") <= 360
    clerk.locator("#f-department-0").select_option("nm-market-regulation")
    clerk.locator("#f-task-0").fill("核查油烟净化设施")
    clerk.locator("#f-department-1").select_option("nm-fire-rescue")
    clerk.locator("#f-task-1").fill("督促清理消防通道")
    clerk.get_by_role("button", name="分拨", exact=True).click()
    expect(clerk.locator(".messages")).to_contain_text("已分拨 2 个部门工单")
    expect(clerk.locator("main")).to_contain_text("2026-03-09")  # 5 working days in 贵阳市

    for username, text in (("officer-market", "已责令加装油烟净化器"), ("officer-fire", "通道已清理")):
        officer = staff_sign_in(browser, live_server, username)
        officer.goto(f"{live_server.url}/workbench/reports/")
        officer.get_by_role("link", name=report.reference).first.click()
        officer.get_by_label("处置结果").fill(text)
        officer.get_by_role("button", name="处置完毕").click()
        expect(officer.locator(".messages")).to_contain_text("已记录处置结果")
    assert set(WorkOrder.objects.values_list("status", flat=True)) == {"done"}

    clerk.reload()
    clerk.get_by_label("答复", exact=True).fill("市场监管和消防已到场处置，问题已整改")
    clerk.get_by_role("button", name="答复并办结").click()
    expect(clerk.locator(".messages")).to_contain_text("反映办结")
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED

    phone.goto(f"{live_server.url}/workbench/reports/new/")
    expect(phone.locator("main")).to_contain_text(
        "市场监管和消防已到场处置"
    )  # the grid worker reads the reply

    supervisor = staff_sign_in(browser, live_server, "supervisor")
    supervisor.goto(f"{live_server.url}/workbench/feedback/supervision/")
    expect(supervisor.locator("main")).to_contain_text("工单按期处置率")
    supervisor.goto(f"{live_server.url}/workbench/reports/{report.pk}/")
    chain = supervisor.locator(".chain")
    for step in ("收到反映", "分拨到部门", "部门处置完毕", "答复反映人，办结"):
        expect(chain).to_contain_text(step)
    screenshot(supervisor, "report-supervisor-chain")
