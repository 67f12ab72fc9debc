"""An applicant in a real browser: 新生儿出生 from search to submission, then to the conclusion in 我的办件.

Runs on the starter catalog, the starter sharing contracts and the documented demo identities: 王芳, whose
son was born ten days ago, signs in with the code the SMS file backend wrote, agrees to share, checks the
prefilled form, uploads the one form the hospital gave her and submits. The departments then decide
through the cases services (the workbench is another page), and she sees the conclusion with every
department's opinion. Screenshots go to test-artifacts/screenshots/ (desktop and a 360 px phone).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

import onego.catalog
import onego.exchange
from onego.accounts.models import Membership, Role
from onego.catalog.models import Department
from onego.catalog.services import catalog_import
from onego.exchange.services import contracts_import
from onego.registries.demo_identities import demo_identity, seed_demo
from tests.cases.factories import run_tasks
from tests.e2e.asked_once import AskedOnce
from tests.e2e.conftest import CHROMIUM, screenshot
from tests.portal.applicants import last_code

STARTER = Path(onego.catalog.__file__).parent / "starter"
WANG_FANG = demo_identity("王芳")
PHONE_WIDTH = {"width": 360, "height": 780}


@pytest.fixture
def starter(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[Path]:
    """The starter catalog, its contracts and the demo people, committed for the live server's thread."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (make test installs it)")
    settings.DATA_DIR = tmp_path  # the SMS file backend writes tmp_path/sms.log
    settings.MEDIA_ROOT = tmp_path / "media"
    catalog_import(path=STARTER)
    contracts_import(
        path=Path(onego.exchange.__file__).parent / "starter" / "contracts.yaml", actor="admin:e2e"
    )
    seed_demo()
    yield tmp_path
    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def applicant_page(browser: Any, live_server: Any, starter: Path) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    context.close()


def staff(username: str, department: str, role: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, password=None, first_name=username)
    Membership.objects.create(user=user, department=Department.objects.get(code=department), role=role)
    return user


def decide_everything(case_id: Any) -> None:
    """The window accepts; each department decides its items as they become ready; the lead concludes."""
    from onego.cases.models import SubCase
    from onego.cases.services.acceptance import case_accept, subcase_accept_registered
    from onego.cases.services.conclusion import case_issue_conclusion
    from onego.cases.services.decisions import subcase_approve, subcase_claim

    clerk = staff("窗口小周", "nm-government-service", Role.CLERK)
    officers = {
        code: staff(f"{code}-officer", code, Role.OFFICER)
        for code in ("nm-health", "nm-disease-control", "nm-public-security")
    }
    lead = staff("卫健局负责人", "nm-health", Role.LEAD_OFFICER)
    case_accept(actor=clerk, case_id=case_id)
    for _round in range(5):
        ready = list(
            SubCase.objects.filter(case_id=case_id, kind="item", status__in=["pending", "registered"])
        )
        if not ready:
            break
        for sc in ready:
            officer = officers[sc.department.code]
            if sc.status == "registered":
                subcase_accept_registered(actor=officer, subcase_id=sc.pk)
            if not sc.sole_approver:
                subcase_claim(actor=officer, subcase_id=sc.pk)
            subcase_approve(actor=officer, subcase_id=sc.pk, opinion=f"{sc.name}：材料齐全，准予办理")
    case_issue_conclusion(actor=lead, case_id=case_id, summary="新生儿出生一件事办结：各事项均已准予")
    # The results task (e-licences, the signed PDF with its QR code), as the worker runs it: in a thread
    # of its own, because pyHanko signs through asyncio and Playwright holds this thread's event loop.
    with ThreadPoolExecutor(1) as worker:
        worker.submit(run_tasks_and_close).result()


def run_tasks_and_close() -> None:
    from django.db import connections

    try:
        run_tasks()
    finally:
        connections.close_all()


def test_a_mother_applies_for_her_newborn_from_search_to_the_conclusion(
    applicant_page: Any, live_server: Any, starter: Path
) -> None:
    page = applicant_page
    page.goto(f"{live_server.url}/?region=520102")
    page.locator("#q").press_sequentially("xsecs", delay=30)
    page.locator("#search-results a", has_text="新生儿出生").click()
    expect(page.locator("h1")).to_contain_text("新生儿出生")
    page.get_by_role("link", name="开始办理").click()

    # Sign in: ID number, then the code from ONEGO_DATA_DIR/sms.log.
    expect(page.locator("h1")).to_contain_text("登录")
    page.fill("#id_number", WANG_FANG.key)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_contain_text("输入验证码")
    page.fill("#code", last_code(WANG_FANG.phone))
    page.get_by_role("button", name="登录").click()

    # Back where she was going: start applying in 南明区.
    expect(page.locator("h1")).to_contain_text("新生儿出生")
    expect(page.locator("#region")).to_have_value("520102")
    page.get_by_role("button", name="开始办理").click()

    # The questions, one at a time (the keyboard works: a radio is chosen with Space).
    asked = AskedOnce()  # no datum asked twice, over every visible input of every step
    answers = ["是", "是", "随母", "否", "否", "否"]
    for n, answer in enumerate(answers, 1):
        expect(page.locator("#q-count")).to_have_text(f"问题 {n} / {len(answers)}")
        asked.record(page, "questions")
        page.get_by_label(answer, exact=True).check()
        if n == 1:
            screenshot(page, "apply-newborn-question", full_page=False)
        page.get_by_role("button", name="下一步").click()

    expect(page.locator("#phone")).to_have_value(WANG_FANG.phone)
    asked.record(page, "contact")
    page.get_by_role("button", name="下一步").click()

    # Consent: what will be read, from where, under which contract.
    expect(page.locator("main")).to_contain_text("从“出生医学证明库”获取")
    expect(page.locator("main")).to_contain_text("“新生儿出生”数据共享协议（第 1 版）")
    expect(page.locator("main")).not_to_contain_text("pkg.newborn-birth@v1")
    screenshot(page, "apply-newborn-consent")
    page.set_viewport_size(PHONE_WIDTH)
    screenshot(page, "apply-newborn-consent-360", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    asked.record(page, "consent")
    page.get_by_role("button", name="同意并一键填表").click()

    # The merged form, prefilled with sources; she types only what no registry holds.
    form = page.locator("#merged-form")
    expect(form).to_contain_text("李沐阳")
    expect(form).to_contain_text("来自出生医学证明库")
    expect(form).not_to_contain_text(WANG_FANG.key)  # her number is masked, even for her
    page.fill("#f-newborn__ethnicity", "汉族")
    # Asked once: the phone was given in the contact step, so the form does not ask it again.
    expect(page.locator("#f-person__phone")).to_have_count(0)
    expect(page.locator("#f-mother__phone")).to_have_count(0)
    page.fill("#f-person__residence_address", "贵阳市南明区花果园大街花果园社区R1区5栋2单元1203室")
    for field, value in (
        ("#f-address__detail", "贵阳市南明区花果园大街1号"),
        ("#f-address__recipient", "王芳"),
    ):
        if page.locator(field).count():
            page.fill(field, value)
    page.locator("#f-person__residence_address").press("Tab")
    expect(page.locator("#status-person__residence_address")).to_contain_text("已保存")  # htmx saved it
    form_inputs = asked.record(page, "merged form")
    assert any(name == "newborn.ethnicity" for name, _ in form_inputs)  # the walk saw the form
    screenshot(page, "apply-newborn-form")
    page.set_viewport_size(PHONE_WIDTH)
    screenshot(page, "apply-newborn-form-360", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="下一步：上传材料").click()

    # One upload: the form the hospital filled in; ID card, marriage certificate are verified.
    expect(page.locator("main")).to_contain_text("已共享核验")
    pdf = starter / "birth-application.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% first issue form\n")
    page.set_input_files("#file-birth_certificate_application", str(pdf))
    page.locator("#m-birth_certificate_application").get_by_role("button", name="上传").click()
    expect(page.locator("#m-birth_certificate_application")).to_contain_text("birth-application.pdf")
    asked.record(page, "materials")
    page.get_by_role("link", name="下一步：核对提交").click()

    expect(page.locator("h2", has_text="核对申请内容")).to_be_visible()
    expect(page.locator(".error-summary")).to_have_count(0)
    asked.record(page, "review")
    assert asked.steps == ["questions", "contact", "consent", "merged form", "materials", "review"]
    screenshot(page, "apply-newborn-review")
    page.get_by_role("button", name="确认提交").click()

    # The confirmation page says what happens next, then the case page shows where it stands.
    expect(page.locator("h1")).to_contain_text("申请已提交")
    expect(page.locator("main")).to_contain_text("南明区疾病预防控制中心")
    screenshot(page, "apply-newborn-submitted")
    page.get_by_role("link", name="查看办理进度").click()
    expect(page.locator(".case-status")).to_contain_text("预审通过，待受理")
    reference = page.locator("h1 small").inner_text()
    assert reference.startswith("NM-")

    from onego.cases.models import Case

    case = Case.objects.get(reference=reference)
    assert case.channel == "web"
    decide_everything(case.pk)

    page.goto(f"{live_server.url}/me/cases/")
    expect(page.locator("main")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text("已办结")
    page.get_by_role("link", name=reference).click()
    result = page.locator(".conclusion")
    expect(result).to_contain_text("准予")
    expect(result).to_contain_text("出生医学证明首次签发：材料齐全，准予办理")
    expect(page.locator(".timeline")).to_contain_text("出具办理结论")
    expect(result.get_by_role("link", name="下载办结结论（PDF，含核验二维码）")).to_be_visible()
    screenshot(page, "me-case-concluded")
    page.set_viewport_size(PHONE_WIDTH)
    screenshot(page, "me-case-concluded-360")
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH["width"]

    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download:
        result.get_by_role("link", name="下载办结结论（PDF，含核验二维码）").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    result.get_by_role("link", name="在线核验（与扫描二维码相同）").click()
    expect(page.locator("main")).to_contain_text("有效")
    expect(page.locator("main")).to_contain_text(reference)
    screenshot(page, "verify-conclusion")

    page.goto(f"{live_server.url}/me/data-reads/")
    expect(page.locator("main")).to_contain_text("出生医学证明库")
    expect(page.locator("main")).to_contain_text("政务服务平台（登录身份核验）")
    page.set_viewport_size(PHONE_WIDTH)
    screenshot(page, "me-data-reads-360", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH["width"]


def test_the_guided_path_works_without_javascript(browser: Any, live_server: Any, starter: Path) -> None:
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", viewport=PHONE_WIDTH)
    page = context.new_page()
    page.goto(f"{live_server.url}/packages/newborn-birth/apply/?region=520102")
    page.fill("#id_number", WANG_FANG.key)
    page.get_by_role("button", name="获取验证码").click()
    page.fill("#code", last_code(WANG_FANG.phone))
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="开始办理").click()
    page.get_by_role("button", name="下一步").click()  # no answer chosen: a specific error, not a crash
    expect(page.locator(".error-summary")).to_contain_text("请选择“是”或“否”")
    expect(page.locator("#err-answer")).to_be_visible()
    screenshot(page, "apply-newborn-error-360-nojs")
    context.close()
