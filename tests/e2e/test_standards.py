"""The standards pages in a real browser at 360 px: drift, the name review queue, public proposals.

Each page must not scroll sideways at 360 px and must have no serious or critical axe-core violation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from onego.standards.models import NameMappingReview, Proposal
from onego.standards.services import implementations_load
from tests.e2e.conftest import screenshot
from tests.e2e.test_phone_width import AXE, SERIOUS
from tests.portal.applicants import person, sign_in

PHONE = {"width": 360, "height": 780}


def fits_and_passes_axe(page: Any, name: str) -> None:
    page.set_viewport_size(PHONE)
    screenshot(page, f"standards-{name}-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(SERIOUS) == [], name


def phone(browser: Any, live_server: Any, client: Client) -> Any:
    """A 360 px browser context carrying `client`'s session (CSP bypassed only so axe can be injected)."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE, bypass_csp=True)
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_an_administrator_reads_the_drift_and_corrects_a_name_on_a_phone(
    browser: Any, live_server: Any, e2e_catalog: Path, tmp_path: Path
) -> None:
    path = tmp_path / "impl.yaml"
    path.write_text(
        'implementations:\n  - region: "520102"\n    items:\n'
        "      - {item: food_business_permit, promised_limit_days: 9, local_name: 食品经营许可证办理,"
        " add_materials: [{name: 其他材料}]}\n",
        encoding="utf-8",
    )
    implementations_load(path=path)
    client = Client()
    client.force_login(get_user_model().objects.create_user("centre-admin", is_staff=True))
    context = phone(browser, live_server, client)
    page = context.new_page()
    page.goto(f"{live_server.url}/workbench/standards/drift/")
    expect(page.locator("main")).to_contain_text("标准中没有的材料：其他材料")
    fits_and_passes_axe(page, "drift")
    page.goto(f"{live_server.url}/workbench/standards/names/")
    page.get_by_label("本地事项名称（每行一个，最多 200 个）").fill("食品经营许可（新办）\n开饭馆要办的证")
    page.get_by_role("button", name="映射").click()
    expect(page.locator("main")).to_contain_text("待复核（1）")
    fits_and_passes_axe(page, "names")
    page.get_by_label("更正为").check()
    page.get_by_label("正确的标准事项").select_option("food_business_permit")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("main")).to_contain_text("没有待复核的名称。")
    assert NameMappingReview.objects.get().item_after == "food_business_permit"
    context.close()


def test_a_person_proposes_on_a_phone_and_the_list_shows_it(
    browser: Any, live_server: Any, e2e_catalog: Path, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    client = Client()
    sign_in(client, person("王小红"))
    context = phone(browser, live_server, client)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/proposals/new/")
        fits_and_passes_axe(page, "proposal-new")
        page.get_by_label("标题").fill("办")
        page.get_by_label("说明：当时的经历和希望").fill("开便利店时先办营业执照，再单独跑烟草专卖局。")
        page.get_by_role("button", name="发布建议").click()
        expect(page.get_by_role("alert")).to_contain_text("标题至少 4 个字")
        page.get_by_label("标题").fill("开店时烟草证和执照一起办")
        page.get_by_label("涉及的事项（可多选，最多 10 个）").select_option(
            ["business_licence", "tobacco_retail_licence"]
        )
        page.get_by_role("button", name="发布建议").click()
        expect(page.locator("main")).to_contain_text("这是您提出的建议。")
        fits_and_passes_axe(page, "proposal-detail")
        page.goto(f"{live_server.url}/proposals/")
        expect(page.locator("main")).to_contain_text("开店时烟草证和执照一起办")
        fits_and_passes_axe(page, "proposals")
        assert Proposal.objects.count() == 1
    finally:
        context.close()
