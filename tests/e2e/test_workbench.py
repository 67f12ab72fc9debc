"""The staff workbench in a real browser, on the starter catalog with the demo people and demo logins:
a walk-in 开办餐饮店 accepted at the counter (with a one-time notice on the way), the departments deciding
in parallel after one joint site inspection, the lead department concluding; a supplement round trip."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from playwright.sync_api import expect

from onego.cases.models import Case, Conclusion
from onego.catalog.services import catalog_import
from onego.demo.accounts import STAFF_PASSWORD, ensure_demo_logins
from onego.exchange.services import contracts_import
from onego.registries.demo_identities import seed_demo
from tests.cases.factories import run_tasks
from tests.e2e.asked_once import AskedOnce
from tests.e2e.conftest import screenshot

SRC = Path(__file__).resolve().parents[2] / "src" / "onego"
MONDAY = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
ZHANG_CATERING = "91520103MADC00012P"  # 贵阳张记餐饮管理有限公司 (demo identity, synthetic)
PDF = b"%PDF-1.4\n% scanned at the counter\n"


@pytest.fixture
def world(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[time_machine.Coordinates]:
    """Starter catalog, sharing contracts, demo identities and demo logins, on a quiet Monday morning."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The live server runs in this process, so it sees the same travelled clock.
    with time_machine.travel(MONDAY, tick=True) as traveller:
        catalog_import(path=SRC / "catalog" / "starter")
        contracts_import(path=SRC / "exchange" / "starter" / "contracts.yaml", actor="admin:e2e")
        seed_demo()
        ensure_demo_logins()
        yield traveller


def in_another_thread(work: Any) -> None:
    """Run `work` off this thread: Playwright's event loop lives here, and PDF signing runs its own."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised below, in the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def sign_in(browser: Any, live_server: Any, username: str, *, width: int = 1280) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    pg.goto(f"{live_server.url}/workbench/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", STAFF_PASSWORD)
    pg.locator("main button[type=submit]").click()
    expect(pg.locator("h1")).to_contain_text("工作台")
    return pg


def upload(pg: Any, material: str, name: str) -> None:
    pg.set_input_files(
        f"#f-material-{material}", files=[{"name": name, "mimeType": "application/pdf", "buffer": PDF}]
    )


def clerk_starts_the_restaurant(browser: Any, live_server: Any, asked: AskedOnce | None = None) -> Any:
    pg = sign_in(browser, live_server, "clerk")
    pg.get_by_role("link", name="开始接待申请人").click()
    pg.get_by_label("法人（统一社会信用代码）").check()
    pg.fill("#id_key", ZHANG_CATERING)
    screenshot(pg, "workbench-counter-lookup", full_page=False)
    pg.get_by_role("button", name="查询").click()
    # The clerk sees the name in full to compare it with the papers in hand; the code stays masked.
    expect(pg.locator(".applicant-card")).to_contain_text("贵阳张记餐饮管理有限公司")
    expect(pg.locator(".applicant-card")).to_contain_text("已与登记信息核对")
    assert ZHANG_CATERING not in pg.content()
    pg.select_option("#package", label="开办餐饮店")
    pg.get_by_role("button", name="开始办理").click()
    # The e-licence library answers 是否已取得营业执照 for this firm: shown as confirmed, not asked.
    expect(pg.locator(".field", has=pg.locator("#q-has_licence"))).to_contain_text("已从电子证照库确认")
    assert pg.locator('input[name="q_has_licence"]').count() == 0
    pg.fill("#q-floor_area", "500")
    pg.locator('input[name="q_outdoor_sign"][value="true"]').check()
    pg.fill("#q-contact\\.phone", "13908510003")
    pg.get_by_label("窗口领取").check()
    if asked is not None:
        asked.record(pg, "questions and contact")
    pg.get_by_role("button", name="建立办件").click()
    # The applicant agrees at the counter; one click fills what the registers hold.
    pg.get_by_label("申请人已阅读以上授权范围，当面同意（由受理员代为确认）").check()
    pg.get_by_role("button", name="记录授权并一键填表").click()
    expect(pg.locator(".messages")).to_contain_text("一键填表完成")
    expect(pg.locator("#f-enterprise-name")).to_have_value("贵阳张记餐饮管理有限公司")
    expect(pg.locator("#f-enterprise-name-wrap")).to_contain_text("来自市场主体库")
    return pg


def fill_the_form(pg: Any, *, with_sign: bool) -> None:
    pg.fill("#f-premises-address", "贵阳市南明区花果园大街8号1层")
    # Asked once: the floor area answered among the questions fills its field (bound question).
    expect(pg.locator("#f-premises-area")).to_have_count(0)
    pg.fill("#f-premises-seats", "120")
    pg.fill("#f-premises-floor", "1")
    pg.select_option("#f-food-business_type", "餐饮服务经营者")
    pg.fill("#f-food-business_items", "热食类食品制售")
    pg.fill("#f-food-safety_manager_name", "张伟")
    pg.fill("#f-food-safety_manager_phone", "13908510003")
    for material in (
        "food_business_application",
        "food_safety_rules",
        "food_premises_layout",
        "food_equipment_list",
        "food_safety_manager_info",
        "fire_inspection_application",
        "fire_safety_rules",
    ):
        upload(pg, material, f"{material}.pdf")
    if with_sign:
        finish_the_sign(pg)


def finish_the_sign(pg: Any) -> None:
    pg.fill("#f-sign-text", "张记餐饮")
    pg.fill("#f-sign-size", "6×1.2")
    pg.fill("#f-sign-material", "铝塑板，LED背光")
    pg.fill("#f-sign-location", "一层门头")
    upload(pg, "fire_layout", "fire_layout.pdf")
    upload(pg, "sign_design", "sign_design.pdf")


def accept_at_the_counter(pg: Any) -> str:
    pg.get_by_role("button", name="保存并预审").click()
    expect(pg.locator("#prereview")).to_contain_text("预审通过")
    pg.get_by_role("button", name="受理并出具受理回执").click()
    expect(pg.locator(".messages")).to_contain_text("已受理")
    reference = Case.objects.get().reference
    pg.get_by_role("link", name="打印受理回执").click()  # opens a new tab
    return reference


def decide(
    browser: Any, live_server: Any, username: str, item: str, *, findings: bool, shots: str = ""
) -> Any:
    pg = sign_in(browser, live_server, username)
    pg.get_by_role("link", name="审批待办").first.click()
    pg.get_by_role("link", name=item).click()
    claim = pg.locator("#actions").get_by_role("button", name="认领")
    if claim.count():
        claim.click()
        expect(pg.locator(".messages")).to_contain_text("已认领")
    if findings:
        pg.locator("#inspection").get_by_label("符合要求", exact=True).check()
        pg.locator("#inspection").get_by_label("本部门踏勘意见").fill(
            "场所布局与申报一致，消防、卫生设施符合要求"
        )
        pg.get_by_role("button", name="记录踏勘意见").click()
        expect(pg.locator(".messages")).to_contain_text("已记录本部门的踏勘意见")
    if shots:
        screenshot(pg, shots)
    return pg


def approve(pg: Any, opinion: str) -> None:
    pg.get_by_label("审批意见").fill(opinion)
    pg.get_by_role("button", name="准予许可").click()
    expect(pg.locator(".messages")).to_contain_text("已准予")


def test_a_walk_in_restaurant_is_accepted_decided_in_parallel_and_concluded(
    browser: Any, live_server: Any, world: time_machine.Coordinates
) -> None:
    asked = AskedOnce()
    clerk = clerk_starts_the_restaurant(browser, live_server, asked)
    fill_the_form(clerk, with_sign=False)
    # No datum asked twice: every visible input of the case page against the questions and contact step.
    inputs = asked.record(clerk, "merged form")
    assert any(name == "f:premises.address" for name, _ in inputs)  # the walk saw the form
    screenshot(clerk, "workbench-counter-form")
    clerk.get_by_role("button", name="保存并预审").click()
    # Everything missing or wrong, at once, each beside its field: a draft check, nothing numbered yet.
    summary = clerk.locator("#prereview .error-summary")
    expect(summary).to_contain_text("预审（草稿检查）")
    expect(summary).to_contain_text("招牌内容")
    expect(clerk.locator("#f-sign-text")).to_have_attribute("aria-invalid", "true")
    expect(clerk.locator("#f-premises-address")).to_have_value("贵阳市南明区花果园大街8号1层")  # kept
    screenshot(clerk, "workbench-counter-prereview", full_page=False)
    # The applicant must come back: the clerk issues the numbered, printable notice.
    clerk.get_by_role("button", name="出具一次性告知书").click()
    expect(clerk.locator("#prereview .error-summary")).to_contain_text("一次性告知书（第 1 号）")
    case = Case.objects.get()
    notice = clerk.context.new_page()
    notice.goto(f"{live_server.url}/workbench/counter/cases/{case.pk}/notices/1/")
    expect(notice.locator("h1")).to_have_text("一次性告知书")
    expect(notice.locator("main")).to_contain_text("缺少材料“招牌设置效果图（含尺寸、材质、位置）”")
    screenshot(notice, "workbench-one-time-notice")
    finish_the_sign(clerk)
    with clerk.context.expect_page() as receipt_tab:
        reference = accept_at_the_counter(clerk)
    receipt = receipt_tab.value
    expect(receipt.locator("#receipt-reference")).to_have_text(reference)
    for words in (
        "食品经营许可（新办）",
        "南明区市场监督管理局",
        "贵阳市南明区消防救援大队",
        "首办责任人",
        "承诺办结日",
    ):
        expect(receipt.locator("main")).to_contain_text(words)
    screenshot(receipt, "workbench-receipt")

    # The market officer organises one joint inspection for the two departments that need one.
    market = decide(browser, live_server, "officer-market", "食品经营许可（新办）", findings=False)
    inspection = market.locator("#inspection")
    expect(inspection).to_contain_text("公众聚集场所投入使用、营业前消防安全检查")
    expect(inspection.get_by_label("踏勘地点")).to_have_value("贵阳市南明区花果园大街8号1层")
    inspection.get_by_label("踏勘时间").fill("2026-03-02T14:00")
    inspection.get_by_role("button", name="安排并通知各部门和申请人").click()
    expect(market.locator(".messages")).to_contain_text("已安排联合踏勘")
    market.locator("#inspection").get_by_label("符合要求", exact=True).check()
    market.locator("#inspection").get_by_label("本部门踏勘意见").fill("后厨布局、设备与申报一致")
    market.get_by_role("button", name="记录踏勘意见").click()
    fire = decide(
        browser, live_server, "officer-fire", "公众聚集场所投入使用、营业前消防安全检查", findings=True
    )
    expect(fire.locator("#inspection")).to_contain_text("已踏勘")
    screenshot(fire, "workbench-review-inspection")
    urban = decide(browser, live_server, "officer-urban", "户外招牌设施设置审批", findings=False)
    # Parallel: three departments decide the same day, each only from its own part.
    market.reload()
    screenshot(market, "workbench-review")
    assert "13908510003" not in urban.content()  # the food safety manager's phone is the market's
    approve(urban, "招牌设置符合规划要求")
    approve(fire, "消防安全检查合格")
    approve(market, "经现场核查，准予食品经营许可")

    inbox = sign_in(browser, live_server, "officer-market", width=360)
    inbox.goto(f"{live_server.url}/workbench/inbox/?status=approved")
    expect(inbox.locator("#inbox-rows")).to_contain_text("食品经营许可（新办）")
    screenshot(inbox, "workbench-inbox-360")
    inbox.get_by_role("link", name="食品经营许可（新办）").click()
    expect(inbox.locator("#inspection")).to_contain_text("已踏勘")
    screenshot(inbox, "workbench-review-360")
    assert inbox.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    lead = sign_in(browser, live_server, "lead-market")
    lead.get_by_role("link", name="牵头办结").first.click()
    lead.get_by_role("link", name="出具结论").click()
    for words in ("经现场核查，准予食品经营许可", "消防安全检查合格", "招牌设置符合规划要求", "准予"):
        expect(lead.locator("#opinions")).to_contain_text(words)
    lead.get_by_label("窗口领取").check()
    lead.get_by_label("结论意见").fill("准予食品经营许可、消防安全检查和户外招牌设置")
    screenshot(lead, "workbench-conclusion")
    lead.get_by_role("button", name="出具结论并告知申请人").click()
    expect(lead.locator("#issued")).to_contain_text("窗口领取")
    conclusion = Conclusion.objects.get(case__reference=reference)
    assert (conclusion.outcome, conclusion.delivery_method) == ("approved", "pickup")

    # The results step (a background task) signs the conclusion PDF; the applicant collects it at the window.
    in_another_thread(run_tasks)
    clerk.goto(clerk.url.split("#")[0])
    delivery = clerk.locator("#delivery")
    expect(delivery.get_by_role("link", name="下载结论文书（PDF，已签章）")).to_be_visible()
    delivery.get_by_label("窗口领取").check()
    delivery.get_by_role("button", name="登记送达并通知申请人").click()
    expect(clerk.locator("#delivery")).to_contain_text("送达时间")
    screenshot(clerk, "workbench-counter-delivered")


def test_inbox_lights_and_a_supplement_round_trip_through_the_counter(
    browser: Any, live_server: Any, world: time_machine.Coordinates
) -> None:
    traveller = world
    clerk = clerk_starts_the_restaurant(browser, live_server)
    fill_the_form(clerk, with_sign=True)
    accept_at_the_counter(clerk)
    urban = decide(browser, live_server, "officer-urban", "户外招牌设施设置审批", findings=False)
    details = urban.locator("#supplement")
    details.locator("summary").click()
    details.get_by_label("第 1 项：需补正的内容").select_option("material:sign_design")
    details.get_by_label("第 1 项：补正要求").fill("效果图未标注尺寸，请补充带尺寸的效果图")
    urban.get_by_role("button", name="发出补正通知").click()
    expect(urban.locator(".messages")).to_contain_text("已发出补正通知")

    # Three working days later the market's permit is near its promise; the sign is paused.
    traveller.move_to(dt.datetime(2026, 3, 5, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")))
    market = sign_in(browser, live_server, "officer-market")
    market.goto(f"{live_server.url}/workbench/inbox/")
    expect(market.locator("#inbox-rows")).to_contain_text("即将到期（剩 2 个工作日）")
    screenshot(market, "workbench-inbox")
    market.select_option("#f-colour", "yellow")
    expect(market.locator("#inbox-rows .status")).to_contain_text("共 1 件")

    # The applicant brings the corrected design to the window.
    clerk.goto(clerk.url.split("#")[0])
    section = clerk.locator("#supplement")
    expect(section).to_contain_text("效果图未标注尺寸")
    section.locator('input[type="file"]').set_input_files(
        files=[{"name": "sign-v2.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screenshot(clerk, "workbench-counter-supplement", full_page=False)
    section.get_by_role("button", name="提交补正").click()
    expect(clerk.locator(".messages")).to_contain_text("已补正")
    urban.reload()
    expect(urban.locator("h1")).to_contain_text("户外招牌设施设置审批")
    expect(urban.locator(".facts")).to_contain_text("办理中")
    expect(urban.locator("#materials")).to_contain_text("sign-v2.pdf")
    approve(urban, "补正后符合要求")
