"""The timeline shows every transition: who, when, from → to, why."""

from __future__ import annotations

from typing import Any

import pytest

from onego.cases.selectors import case_timeline, case_view, inbox
from onego.cases.services.acceptance import case_accept
from onego.cases.services.decisions import subcase_claim, subcase_reject
from onego.core import clock
from onego.core.services import working_calendar
from tests.cases.factories import subcase, submit

pytestmark = pytest.mark.django_db


def test_the_timeline_tells_the_story_in_order(staff: Any) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    subcase_reject(actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion="名称不合规")
    timeline = case_timeline(case)
    times = [e.at for e in timeline]
    assert times == sorted(times)
    rows = [(e.subject, e.action_label, e.from_label, e.to_label) for e in timeline]
    assert rows[:4] == [
        ("办件", "创建申请", "草稿", "草稿"),
        ("办件", "提交申请", "草稿", "已提交，待预审"),
        ("办件", "预审", "已提交，待预审", "预审通过，待受理"),
        ("办件", "受理", "预审通过，待受理", "已受理"),
    ]
    rejection = next(e for e in timeline if e.action == "sole_reject")
    assert (rejection.who, rejection.reason) == ("officer（南明区市场监督管理局）", "名称不合规")
    cancelled = [e for e in timeline if e.action == "cancel"]
    assert {e.subject for e in cancelled} == {
        "食品经营许可（新办）",
        "公众聚集场所投入使用营业前消防安全检查",
        "银行预约开户",
    }
    assert all(e.who == "系统" and "前置事项" in e.reason for e in cancelled)


def test_the_case_view_colours_each_item(staff: Any) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    view = case_view(case, calendar=working_calendar(), today=clock.today())
    colours = {s.code: d.colour for s, d in view.subcases}
    assert colours["business_licence"] == "yellow"  # due tomorrow
    assert colours["quick_filing"] == "red"  # due today
    assert colours["food_business_permit"] == "none"  # waiting: no clock yet
    assert view.deadline.colour == "green"


def test_the_inbox_holds_the_departments_open_items_soonest_first(staff: Any) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    assert [s.code for s in inbox(staff.officer)] == ["quick_filing", "business_licence"]
    assert list(inbox(staff.fire)) == []
    subcase_claim(actor=staff.officer, subcase_id=subcase(case, "quick_filing").pk)
    assert [s.code for s in inbox(staff.officer2, statuses=["pending"])] == ["business_licence"]
    assert [s.code for s in inbox(staff.officer, region_code="520500")] == []
