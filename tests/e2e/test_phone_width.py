"""Every applicant page, and the verification page a scanned QR code opens, fits a 360 px phone and has no
serious accessibility violation (axe-core, vendored in tests/e2e/vendor/, run in the page).

One journey on the starter catalog (王芳 applies for 新生儿出生, answers a supplement, gets the conclusion):
at each page the browser is set to 360 px, the page must not scroll sideways
(`document.documentElement.scrollWidth <= 360`), and screenshots at 360 and 1280 px go to
test-artifacts/screenshots/width-<page>-<360|1280>.png for people to look at. Every page is measured
before the test fails, so one run lists all the pages that are too wide or have violations.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from onego.accounts.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_applicant import (  # noqa: F401 (fixtures)
    WANG_FANG,
    run_tasks_and_close,
    staff,
    starter,
)
from tests.portal.applicants import last_code

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 360, "height": 780}
# axe-core's impacts are minor, moderate, serious and critical: none of the two worst is allowed.
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""
DESKTOP = {"width": 1280, "height": 900}


class Widths:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.too_wide: list[str] = []
        self.violations: list[str] = []
        self.seen: list[str] = []

    def check(self, name: str) -> None:
        """Measure the page at 360 px and screenshot it at 360 and 1280 px; back to 1280 afterwards."""
        page = self.page
        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, f"width-{name}-360")
        if width > PHONE["width"]:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 361)
                    .slice(0, 3).map(e => e.tagName + '.' + e.className).join(', ')"""
            )
            self.too_wide.append(f"{name}: {width}px ({wide})")
        page.set_viewport_size(DESKTOP)
        screenshot(page, f"width-{name}-1280")
        page.add_script_tag(path=str(AXE))
        self.violations += [f"{name}: {v}" for v in page.evaluate(SERIOUS)]
        self.seen.append(name)


def decide_everything(case_id: Any, *, accepted: bool) -> None:
    from onego.cases.models import SubCase
    from onego.cases.services.acceptance import case_accept, subcase_accept_registered
    from onego.cases.services.conclusion import case_issue_conclusion
    from onego.cases.services.decisions import subcase_approve, subcase_claim

    officers = {
        code: staff(f"{code}-decider", code, Role.OFFICER)
        for code in ("nm-health", "nm-disease-control", "nm-public-security")
    }
    if not accepted:
        case_accept(actor=staff("窗口小周", "nm-government-service", Role.CLERK), case_id=case_id)
    for _round in range(5):
        ready = list(
            SubCase.objects.filter(
                case_id=case_id, kind="item", status__in=["pending", "registered", "claimed"]
            )
        )
        if not ready:
            break
        for sc in ready:
            officer = sc.assignee if sc.status == "claimed" else officers[sc.department.code]
            if sc.status == "registered":
                subcase_accept_registered(actor=officer, subcase_id=sc.pk)
            if sc.status != "claimed" and not sc.sole_approver:
                subcase_claim(actor=officer, subcase_id=sc.pk)
            subcase_approve(actor=officer, subcase_id=sc.pk, opinion=f"{sc.name}：准予")
    lead = staff("卫健局负责人", "nm-health", Role.LEAD_OFFICER)
    case_issue_conclusion(actor=lead, case_id=case_id, summary="新生儿出生一件事办结")
    with ThreadPoolExecutor(1) as worker:
        worker.submit(run_tasks_and_close).result()


def test_every_applicant_page_and_the_verification_page_fit_360_px_without_serious_violations(
    browser: Any,
    live_server: Any,
    starter: Path,  # noqa: F811 (the fixture imported above)
) -> None:
    # axe-core is injected as a script: the context bypasses the site's CSP for it (the pages' own
    # scripts are served from 'self' and need no exception).
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP, bypass_csp=True)
    context.set_default_timeout(20_000)
    page, url = context.new_page(), live_server.url
    widths = Widths(page)

    page.goto(f"{url}/?region=520102", timeout=60_000)  # the first request warms the catalog caches
    widths.check("home")
    page.goto(f"{url}/search/?q=%E6%96%B0%E7%94%9F%E5%84%BF&region=520102")
    widths.check("search")
    page.goto(f"{url}/ask/?q=%E6%88%91%E6%83%B3%E7%BB%99%E5%AD%A9%E5%AD%90%E4%B8%8A%E6%88%B7%E5%8F%A3")
    widths.check("ask")
    page.goto(f"{url}/packages/newborn-birth/?region=520102")
    widths.check("guide")
    page.goto(f"{url}/packages/open-restaurant/?region=520102")
    widths.check("guide-restaurant")

    page.goto(f"{url}/packages/newborn-birth/apply/?region=520102")
    widths.check("login")
    page.fill("#id_number", WANG_FANG.key)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_contain_text("输入验证码")
    widths.check("login-code")
    page.fill("#code", last_code(WANG_FANG.phone))
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_contain_text("新生儿出生")
    widths.check("apply-start")
    page.get_by_role("button", name="开始办理").click()

    for n, answer in enumerate(["是", "是", "随母", "否", "否", "否"], 1):
        page.get_by_label(answer, exact=True).check()
        if n == 1:
            widths.check("apply-question")
        page.get_by_role("button", name="下一步").click()
    widths.check("apply-contact")
    page.get_by_role("button", name="下一步").click()
    widths.check("apply-consent")
    page.get_by_role("button", name="同意并一键填表").click()
    # One field at a time, each saved by htmx before the next (SQLite allows one writer at a time).
    for element, value in (
        ("newborn__ethnicity", "汉族"),
        ("mother__phone", WANG_FANG.phone),
        ("person__residence_address", "贵阳市南明区花果园大街花果园社区R1区5栋2单元1203室"),
        ("person__phone", WANG_FANG.phone),
        ("address__detail", "贵阳市南明区花果园大街1号"),
        ("address__recipient", "王芳"),
    ):
        field = page.locator(f"#f-{element}")
        if field.count():
            field.fill(value)
            field.press("Tab")
            expect(page.locator(f"#status-{element}")).to_contain_text("已保存")
    widths.check("apply-form")
    page.get_by_role("button", name="下一步：上传材料").click()
    widths.check("apply-materials")
    pdf = starter / "birth-application.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% first issue form\n")
    page.set_input_files("#file-birth_certificate_application", str(pdf))
    page.locator("#m-birth_certificate_application").get_by_role("button", name="上传").click()
    expect(page.locator("#m-birth_certificate_application")).to_contain_text("birth-application.pdf")
    page.get_by_role("link", name="下一步：核对提交").click()
    widths.check("apply-review")
    page.get_by_role("button", name="确认提交").click()

    expect(page.locator("h1")).to_contain_text("申请已提交")
    widths.check("submitted")
    reference = page.locator(".ref strong").inner_text()

    from onego.cases.models import Case, SubCase
    from onego.cases.services.acceptance import case_accept
    from onego.cases.services.decisions import subcase_claim
    from onego.cases.services.supplements import SupplementItemIn, subcase_request_supplement

    case = Case.objects.get(reference=reference)
    case_accept(actor=staff("窗口小李", "nm-government-service", Role.CLERK), case_id=case.pk)
    first = SubCase.objects.get(case=case, code="birth_medical_certificate")
    nurse = staff("助产机构审核员", first.department.code, Role.OFFICER)
    subcase_claim(actor=nurse, subcase_id=first.pk)
    subcase_request_supplement(
        actor=nurse,
        subcase_id=first.pk,
        items=[SupplementItemIn("material:birth_certificate_application", "请上传医院盖章的首次签发申请表")],
    )
    page.goto(f"{url}/me/cases/")
    widths.check("my-cases")
    page.goto(f"{url}/me/cases/{case.pk}/")
    expect(page.locator(".action-needed")).to_be_visible()
    widths.check("my-case-supplement")
    page.locator(".action-needed input[type=file]").set_input_files(str(pdf))
    page.locator(".action-needed").get_by_role("button", name="提交补正").click()
    expect(page.locator(".action-needed")).to_have_count(0)

    decide_everything(case.pk, accepted=True)
    page.goto(f"{url}/me/cases/{case.pk}/")
    expect(page.locator(".conclusion")).to_be_visible()
    widths.check("my-case-concluded")
    page.goto(f"{url}/me/data-reads/")
    widths.check("data-reads")
    page.goto(f"{url}/me/consents/")
    widths.check("consents")
    page.goto(f"{url}/me/messages/")
    expect(page.locator("main")).to_contain_text("申请已提交")  # the submission SMS, readable on the site
    widths.check("messages")

    page.goto(f"{url}/me/cases/{case.pk}/")
    page.get_by_role("link", name="在线核验（与扫描二维码相同）").click()
    valid = page.locator(".verify")
    expect(valid).to_have_class("verify verify--valid")
    expect(valid).to_contain_text("有效")
    expect(valid.locator(".verify__icon")).to_have_text("✓")
    widths.check("verify-valid")
    valid_colour = valid.evaluate("e => getComputedStyle(e).backgroundColor")

    page.goto(f"{url}/verify/not-a-real-token")
    invalid = page.locator(".verify")
    expect(invalid).to_have_class("verify verify--invalid")
    expect(invalid).to_contain_text("无效")
    expect(invalid.locator(".verify__icon")).to_have_text("✗")
    widths.check("verify-invalid")
    # Unmistakable: the styles are loaded and the two verdicts differ in colour, not only in words.
    invalid_colour = invalid.evaluate("e => getComputedStyle(e).backgroundColor")
    assert valid_colour != invalid_colour
    assert "rgba(0, 0, 0, 0)" not in (valid_colour, invalid_colour)

    # The check can fail: an image without alternative text is a critical violation axe reports.
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert any(v.startswith("image-alt") for v in page.evaluate(SERIOUS))

    assert len(widths.seen) >= 20
    assert not widths.too_wide, "wider than 360 px:\n" + "\n".join(widths.too_wide)
    assert not widths.violations, "serious accessibility violations:\n" + "\n".join(widths.violations)
