"""Proactive service in a real browser: a birth registered in the simulated registries leads to one offer
to each parent (and no second one on the next tick); the mother signs in, finds it on her home page,
clicks 一键办理 and, after the questions no registry answers and her consent, lands in the prefilled form.
Screenshots go to test-artifacts/screenshots/ (desktop and a 360 px phone)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from onego.core import clock
from onego.core.pii import blind_index
from onego.outreach.models import Offer
from onego.outreach.services import match_events, pull_events
from onego.registries.demo_identities import demo_identity
from onego.registries.events import register_birth
from tests.e2e.conftest import screenshot
from tests.e2e.test_applicant import PHONE_WIDTH, run_tasks_and_close, starter  # noqa: F401 - the fixture
from tests.portal.applicants import last_code, sms_lines

WU, HUANG = demo_identity("吴婷"), demo_identity("黄勇")


@pytest.fixture
def mother_page(browser: Any, live_server: Any, starter: Path) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    context.close()


def tick() -> None:
    pull_events()
    match_events()


def test_a_birth_leads_to_one_offer_and_one_click_into_a_prefilled_application(
    mother_page: Any, live_server: Any
) -> None:
    register_birth(
        mother_key=WU.key, father_key=HUANG.key, newborn_name="黄小满", gender="2",
        birth_date=clock.today() - dt.timedelta(days=1), birth_region="520102", birth_place="贵阳市妇幼保健院",
    )  # fmt: skip
    tick()
    tick()  # the next tick: nothing twice
    assert Offer.objects.count() == 2
    assert Offer.objects.filter(person_index=blind_index(WU.key, kind="person")).count() == 1
    with ThreadPoolExecutor(1) as worker:  # the SMS task, as the worker runs it
        worker.submit(run_tasks_and_close).result()
    assert any(line["to"] == WU.phone and "恭喜您喜添宝宝" in line["text"] for line in sms_lines())

    page = mother_page
    page.goto(f"{live_server.url}/login/?next=/%3Fregion%3D520102")
    page.fill("#id_number", WU.key)
    page.get_by_role("button", name="获取验证码").click()
    page.fill("#code", last_code(WU.phone))
    page.get_by_role("button", name="登录").click()

    offers = page.locator("section[aria-labelledby='offers-h']")
    expect(offers).to_contain_text("新生儿出生")
    expect(offers).to_contain_text("恭喜您喜添宝宝")
    screenshot(page, "outreach-offer-home")
    page.set_viewport_size(PHONE_WIDTH)
    screenshot(page, "outreach-offer-home-360", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    # Keyboard: the button takes focus and Enter presses it.
    button = offers.get_by_role("button", name=re.compile("^一键办理"))
    button.focus()
    button.press("Enter")

    # The rule answered question 1 (born in a Guizhou hospital); she answers the rest.
    expect(page.locator("#q-count")).to_have_text("问题 2 / 6")
    for answer in ["是", "随母", "否", "否", "否"]:
        page.get_by_label(answer, exact=True).check()
        page.get_by_role("button", name="下一步").click()
    expect(page.locator("#phone")).to_have_value(WU.phone)
    page.get_by_role("button", name="下一步").click()

    # Consent is still hers to give.
    expect(page.locator("main")).to_contain_text("从“出生医学证明库”获取")
    page.get_by_role("button", name="同意并一键填表").click()
    form = page.locator("#merged-form")
    expect(form).to_contain_text("黄小满")
    expect(form).to_contain_text("来自出生医学证明库")
    screenshot(page, "outreach-prefilled-form")
    assert Offer.objects.get(person_index=blind_index(WU.key, kind="person")).status == "started"
