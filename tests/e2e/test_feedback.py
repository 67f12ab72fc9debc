"""好差评 in a real browser: the applicant (on a 360 px phone) rates a withdrawn 社会保障卡 case badly;
the rectification appears in 南明区人社局's list with its deadline; the department answers; the
applicant, called back, re-rates; the supervisor sees the whole chain."""

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

from onego.cases.models import Case
from onego.catalog.services import catalog_import
from onego.demo.accounts import ensure_demo_logins
from onego.demo.feedback import submit_demo_case
from onego.feedback.models import Evaluation, Rectification
from onego.feedback.rules import RectStatus
from onego.registries.demo_identities import demo_identity, seed_demo
from tests.e2e.conftest import screenshot
from tests.e2e.test_workbench import sign_in as staff_sign_in
from tests.portal.applicants import last_code

SRC = Path(__file__).resolve().parents[2] / "src" / "onego"
MONDAY = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
LI_QIANG = demo_identity("李强")


@pytest.fixture
def world(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[Case]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path  # the SMS file backend writes tmp_path/sms.log
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with time_machine.travel(MONDAY, tick=True):
        catalog_import(path=SRC / "catalog" / "starter")
        seed_demo()
        ensure_demo_logins()
        clerk = get_user_model().objects.get(username="clerk")
        yield submit_demo_case(clerk, 1, LI_QIANG.name, LI_QIANG.key, LI_QIANG.phone)


def applicant_signs_in(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    pg.goto(f"{live_server.url}/login/")
    pg.fill("#id_number", LI_QIANG.key)
    pg.get_by_role("button", name="获取验证码").click()
    pg.fill("#code", last_code(LI_QIANG.phone))
    pg.get_by_role("button", name="登录").click()
    return pg


def test_a_bad_rating_is_rectified_called_back_rerated_and_supervised(
    browser: Any, live_server: Any, world: Case
) -> None:
    case = world
    # The applicant rates from the case page, on a phone.
    applicant = applicant_signs_in(browser, live_server)
    applicant.goto(f"{live_server.url}/me/cases/{case.pk}/")
    applicant.get_by_role("link", name="去评价").click()
    expect(applicant.locator("h1")).to_contain_text("评价本次办事")
    assert applicant.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    applicant.locator("#f-level").get_by_text("不满意", exact=True).click()
    applicant.get_by_label("办事效率").check()
    applicant.get_by_label("意见和建议（选填）").fill("窗口只开一个，排队一个多小时")
    screenshot(applicant, "feedback-rate-360")
    applicant.get_by_role("button", name="提交评价").click()
    expect(applicant.locator(".messages")).to_contain_text("感谢您的评价")

    rect = Rectification.objects.get()
    assert rect.department.code == "nm-human-resources"
    assert rect.due_on == dt.date(2026, 3, 9)  # 5 working days in 贵阳市

    # The department finds it in its list, with its deadline, and answers.
    officer = staff_sign_in(browser, live_server, "officer-hr")
    officer.get_by_role("link", name="好差评").click()
    row = officer.locator("tr", has_text=case.reference)
    expect(row).to_contain_text("2026-03-09")
    expect(row).to_contain_text("不满意")
    row.get_by_role("link", name=case.reference).click()
    expect(officer.locator("main")).to_contain_text("窗口只开一个")
    expect(officer.locator("main")).to_contain_text("依规保密")
    officer.get_by_label("情况属实，已整改").check()
    officer.get_by_label("核实情况").fill("调阅叫号记录，属实")
    officer.get_by_label("整改措施（情况属实时必填）").fill("高峰时段增开窗口")
    officer.get_by_label("答复申请人（将通过短信/邮件回访）").fill("已增开窗口，感谢监督")
    screenshot(officer, "feedback-department-answer")
    officer.get_by_role("button", name="提交答复并回访").click()
    expect(officer.locator(".messages")).to_contain_text("已答复")

    # Called back, the applicant reads the reply and re-rates.
    applicant.goto(f"{live_server.url}/me/cases/{case.pk}/evaluate/")
    expect(applicant.locator("main")).to_contain_text("已增开窗口，感谢监督")
    applicant.locator("#f-level").get_by_text("满意", exact=True).click()
    applicant.get_by_role("button", name="提交修改后的评价").click()
    expect(applicant.locator(".messages")).to_contain_text("感谢您的评价")
    rect.refresh_from_db()
    assert rect.status == RectStatus.RESOLVED
    assert Evaluation.objects.get().level == 4

    # The supervisor sees the figures and the whole chain.
    supervisor = staff_sign_in(browser, live_server, "supervisor")
    supervisor.goto(f"{live_server.url}/workbench/feedback/supervision/")
    expect(supervisor.locator("h1")).to_contain_text("好差评监督")
    expect(supervisor.locator("main")).to_contain_text("南明区人力资源和社会保障局")
    screenshot(supervisor, "feedback-supervision")
    supervisor.locator("tr", has_text=case.reference).get_by_role("link", name=case.reference).click()
    chain = supervisor.locator(".chain")
    for step in ("收到差评，开立整改工单", "部门核实答复，系统回访申请人", "申请人再评价"):
        expect(chain).to_contain_text(step)
    assert LI_QIANG.key not in supervisor.content()
