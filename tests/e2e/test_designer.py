"""The package designer in a real browser: live preview, precise errors, submit for review."""

from __future__ import annotations

from typing import Any

import yaml
from playwright.sync_api import expect

from onego.catalog import models as m
from onego.catalog.publishing import change_publish
from tests.builders import restaurant_package
from tests.e2e.conftest import screenshot


def test_designer_refuses_a_broken_package_with_the_precise_error(staff_page: Any, live_server: Any) -> None:
    page = staff_page
    page.goto(f"{live_server.url}/workbench/designer/?package=open-restaurant")
    expect(page.locator("#preview")).to_contain_text("食品经营许可（新办）")
    text = yaml.safe_dump(restaurant_package(code="open-cafe"), allow_unicode=True, sort_keys=False)
    broken = text.replace("item: food_business_permit", "item: food_permit")
    line = next(i for i, t in enumerate(broken.splitlines(), start=1) if "food_permit" in t)
    page.fill("#definition", broken)
    issues = page.locator("#issues")
    expect(issues).to_contain_text(f"open-restaurant.yaml:{line}: items[1].item: 未知的事项代码“food_permit”")
    expect(page.locator("#preview")).to_contain_text("定义有错误")
    issues.get_by_role("button", name=f"跳到第 {line} 行").click()
    assert page.evaluate("document.activeElement.id") == "definition"
    screenshot(page, "designer-error", full_page=False)
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.locator("#issues")).to_contain_text("导入被拒绝：1 处错误，未写入任何内容")
    assert not m.Package.objects.filter(code="open-cafe").exists()


def test_designer_previews_a_good_package_and_saves_it(staff_page: Any, live_server: Any) -> None:
    page = staff_page
    page.goto(f"{live_server.url}/workbench/designer/?package=open-restaurant")
    text = yaml.safe_dump(
        restaurant_package(code="open-cafe", name={"zh": "开办咖啡馆", "en": "Open a café"}),
        allow_unicode=True,
        sort_keys=False,
    )
    page.fill("#definition", text)
    preview = page.locator("#preview")
    expect(preview).to_contain_text("“开办咖啡馆”的地区与情形")
    expect(page.locator("#issues")).to_contain_text("定义通过全部检查（未保存）")
    expect(preview).to_contain_text("事项与环节（4）")
    page.locator("#a-has_licence-true").check()
    expect(preview).to_contain_text("事项与环节（3）")
    expect(preview).to_contain_text("免提交")
    screenshot(page, "designer-preview")
    assert not m.Package.objects.filter(code="open-cafe").exists()
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已提交待审核")
    expect(page.locator("h1")).to_contain_text("目录修改：套餐 open-cafe")
    expect(page.locator(".diff")).to_contain_text("+code: open-cafe")
    expect(page.get_by_role("button", name="审核通过并发布")).to_have_count(0)  # not the author's to publish
    screenshot(page, "designer-change")
    assert not m.Package.objects.filter(code="open-cafe").exists()  # a draft until another admin publishes
    change_publish(change_id=m.CatalogChange.objects.get().pk, reviewer="user:second-admin", reason="试点")
    assert m.Package.objects.get(code="open-cafe").name == "开办咖啡馆"
