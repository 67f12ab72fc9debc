"""Department officers: the inbox with its filters and time-limit lights, claiming, the review page with
only the data the department's contracts grant, and the decision forms with errors on their fields."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from onego.cases.models import InstantDecision, Supplement
from onego.cases.services.decisions import subcase_claim
from onego.cases.services.inspection import FindingIn, inspection_record_findings, inspection_schedule
from onego.cases.workflow import CaseStatus, SubCaseStatus
from onego.core import clock
from onego.exchange.services import contract_publish
from tests.cases.factories import subcase
from tests.workbench.conftest import People, accepted_case, page, signed_in

pytestmark = pytest.mark.django_db
S = SubCaseStatus


def inspect(officer: Any, food: Any) -> None:
    """The food permit needs a site inspection before it may be approved: one, held and recorded."""
    inspection = inspection_schedule(
        actor=officer, case_id=food.case_id, when=clock.now() + dt.timedelta(hours=1), place="南明区花果园"
    )
    inspection_record_findings(
        actor=officer,
        inspection_id=inspection.pk,
        findings=[FindingIn(department="nm-scjg", findings="布局合理", conclusion="pass")],
    )


@pytest.fixture
def officer(people: People) -> Client:
    return signed_in(people.officer)


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="row-[a-z]+">(.*?)</tr>', html, flags=re.S)


def test_the_inbox_lists_the_departments_sub_cases_with_light_and_words(
    people: People, officer: Client
) -> None:
    case = accepted_case(people)
    html = page(officer.get("/workbench/inbox/"))
    listed = rows(html)
    assert len(listed) == 2  # the food permit and the filing; not the fire inspection, not the partner step
    assert "食品经营许可（新办）" in html
    assert "经营备案（秒批）" in html
    assert "公众聚集场所" not in html
    assert case.reference in html
    # Light and words: the permit is due in 5 working days on Monday 2 March.
    assert "正常（剩 " in html
    assert 'class="light light-green"' in html
    fire_html = page(signed_in(people.fire).get("/workbench/inbox/"))
    assert "公众聚集场所投入使用营业前消防安全检查" in fire_html
    assert "已登记，待部门受理" in fire_html


def test_the_lights_turn_yellow_red_and_overdue_with_text_labels(
    people: People, officer: Client, monday_morning: time_machine.Coordinates
) -> None:
    accepted_case(people)  # filing: due the same day (0 working days); permit due 9 March (5 days)
    html = page(officer.get("/workbench/inbox/?colour=red"))
    assert len(rows(html)) == 1
    assert "经营备案（秒批）" in html
    assert "今日到期" in html
    monday_morning.move_to(dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.UTC))
    html = page(officer.get("/workbench/inbox/"))
    assert "即将到期（剩 2 个工作日）" in html
    assert "已超期 3 个工作日" in html
    overdue = page(officer.get("/workbench/inbox/?colour=overdue"))
    assert len(rows(overdue)) == 1
    assert "经营备案（秒批）" in overdue
    assert "✖" in overdue  # a shape as well as the colour


def test_the_inbox_filters_by_status_package_and_mine(people: People, officer: Client) -> None:
    case = accepted_case(people)
    subcase_claim(actor=people.officer, subcase_id=subcase(case, "quick_filing").pk)
    claimed = page(officer.get("/workbench/inbox/?status=claimed"))
    assert len(rows(claimed)) == 1
    assert "经营备案（秒批）" in claimed
    assert len(rows(page(officer.get("/workbench/inbox/?status=pending")))) == 1
    assert len(rows(page(officer.get("/workbench/inbox/?package=open-restaurant")))) == 2
    assert len(rows(page(officer.get("/workbench/inbox/?package=newborn-birth")))) == 0
    mine = page(signed_in(people.officer2).get("/workbench/inbox/?mine=1"))
    assert len(rows(mine)) == 0
    assert len(rows(page(officer.get("/workbench/inbox/?mine=1")))) == 1
    # htmx asks for the rows only
    partial = page(officer.get("/workbench/inbox/?status=claimed", HTTP_HX_REQUEST="true"))
    assert partial.lstrip().startswith('<div id="inbox-rows"')


def test_claiming_from_the_inbox_and_a_claim_conflict_is_a_message(people: People, officer: Client) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    response = officer.post(f"/workbench/subcases/{food.pk}/claim/", {"version": food.version})
    assert response["Location"] == f"/workbench/subcases/{food.pk}/"
    assert subcase(case, "food_business_permit").assignee == people.officer
    other = signed_in(people.officer2)
    conflict = other.post(f"/workbench/subcases/{food.pk}/claim/", {"next": "/workbench/inbox/"}, follow=True)
    assert conflict.status_code == 200
    assert "“食品经营许可（新办）”已由officer认领办理" in page(conflict)
    # A decision posted by someone who is not the assignee is a conflict over the page, not a crash.
    late = other.post(f"/workbench/subcases/{food.pk}/approve/", {"approve-opinion": "同意"})
    assert late.status_code == 409
    assert "已由officer认领办理" in page(late)
    assert 'id="conflict"' in page(late)


def test_review_shows_only_what_the_departments_contract_grants(people: People, officer: Client) -> None:
    case = accepted_case(people)
    contract_publish(
        code="dept.market_regulation",
        consumer_kind="department_type",
        consumer_code="market_regulation",
        purpose="受理、审核本部门承办的事项",
        elements=["enterprise.name", "premises.area", "person.id_number"],
        valid_from=dt.date(2025, 1, 1),
        published_by="admin:test",
    )
    food = subcase(case, "food_business_permit")
    html = page(officer.get(f"/workbench/subcases/{food.pk}/"))
    assert "南明区好味道餐饮有限公司" in html
    assert "500" in html
    assert "13812345678" not in html  # person.phone: not granted
    assert "基本存款账户" not in html  # the bank's data: not granted
    assert "不在本部门共享协议授权范围内" in html
    # Materials of this item only, uploads linked; other departments' progress without their opinions.
    assert "plan.pdf" in html
    assert "floor.pdf" in html
    assert "lease.pdf" not in html
    assert "公众聚集场所投入使用营业前消防安全检查" in html
    assert "贵阳市消防救援支队" in html
    assert "准予登记" not in html  # the window's opinion on the business licence stays with it


def test_the_evidence_comes_before_the_decide_buttons(people: People, officer: Client) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    officer.post(f"/workbench/subcases/{food.pk}/claim/")
    html = page(officer.get(f"/workbench/subcases/{food.pk}/"))
    decide = html.index('id="approve-h"')
    assert html.index('id="data-h"') < decide  # the shared data the contract grants
    assert html.index('id="mat-h"') < decide  # the materials
    assert html.index('id="insp-h"') < decide  # the joint inspection and its findings
    assert html.index('href="#actions"') < html.index('id="data-h"')  # a keyboard shortcut to the actions


def test_an_item_whose_clock_is_paused_says_paused_not_not_started() -> None:
    # A joint inspection pauses the clock (ClockPause) while the item stays 办理中: its deadline is
    # recomputed without a due date, which alone would read "not started".
    from onego.cases.selectors import DeadlineView
    from onego.workbench.selectors import paused_light

    stopped = DeadlineView(None, None, False, "none", None, "")
    assert paused_light(stopped, paused=True).colour == "paused"
    assert "暂停计时" in str(paused_light(stopped, paused=True).label)
    assert paused_light(stopped, paused=False).label == "未开始计时"
    running = DeadlineView(dt.date(2026, 12, 20), None, False, "green", 5, "")
    assert paused_light(running, paused=True).colour == "green"  # a running clock is not hidden


def test_approve_and_reject_call_the_services_and_errors_sit_on_the_field(
    people: People, officer: Client
) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    filing = subcase(case, "quick_filing")
    not_claimed = officer.post(f"/workbench/subcases/{food.pk}/approve/", {"approve-opinion": "同意"})
    assert not_claimed.status_code == 409
    assert "请先认领" in page(not_claimed)
    officer.post(f"/workbench/subcases/{food.pk}/claim/")
    officer.post(f"/workbench/subcases/{filing.pk}/claim/")
    no_reason = officer.post(f"/workbench/subcases/{filing.pk}/reject/", {"reject-opinion": "  "})
    assert no_reason.status_code == 400
    html = page(no_reason)
    assert re.search(r'id="id_reject-opinion"[^>]*aria-invalid="true"', html)
    assert 'id="err-id_reject-opinion"' in html
    assert "不予许可必须说明理由" in html
    officer.post(f"/workbench/subcases/{filing.pk}/reject/", {"reject-opinion": "经营范围不符合备案条件"})
    assert subcase(case, "quick_filing").status == S.REJECTED
    before_inspection = officer.post(f"/workbench/subcases/{food.pk}/approve/", {"approve-opinion": "同意"})
    assert before_inspection.status_code == 409
    assert "请先安排联合踏勘并记录踏勘意见" in page(before_inspection)
    inspect(people.officer, food)
    officer.post(f"/workbench/subcases/{food.pk}/approve/", {"approve-opinion": "经现场核查，准予许可"})
    food.refresh_from_db()
    assert (food.status, food.opinion) == (S.APPROVED, "经现场核查，准予许可")
    again = officer.post(f"/workbench/subcases/{food.pk}/approve/", {"approve-opinion": "再次"})
    assert again.status_code == 409
    assert "不能重复办理" in page(again)


def test_a_stale_version_is_refused_as_a_conflict(people: People, officer: Client) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    officer.post(f"/workbench/subcases/{food.pk}/claim/")
    stale = officer.post(
        f"/workbench/subcases/{food.pk}/approve/",
        {"approve-opinion": "同意", "approve-version": food.version},
    )
    assert stale.status_code == 409
    assert "已被他人更新" in page(stale)


def test_a_supplement_request_lists_items_and_errors_go_to_their_row(people: People, officer: Client) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    officer.post(f"/workbench/subcases/{food.pk}/claim/")
    form = page(officer.get(f"/workbench/subcases/{food.pk}/"))
    assert 'value="material:floor_plan"' in form
    assert 'value="premises.area"' in form
    assert 'value="material:lease_contract"' not in form  # another item's material
    missing = officer.post(
        f"/workbench/subcases/{food.pk}/supplement/",
        {
            "supplement-target_0": "premises.area",
            "supplement-message_0": "面积与平面图不符",
            "supplement-target_1": "material:floor_plan",
            "supplement-message_1": " ",
        },
    )
    assert missing.status_code == 400
    html = page(missing)
    assert re.search(r'id="id_supplement-message_1"[^>]*aria-invalid="true"', html)
    assert "第2项补正内容缺少说明" in html
    assert 'value="面积与平面图不符"' in html  # kept
    officer.post(
        f"/workbench/subcases/{food.pk}/supplement/",
        {
            "supplement-target_0": "premises.area",
            "supplement-message_0": "面积与平面图不符",
            "supplement-target_1": "material:floor_plan",
            "supplement-message_1": "请提供带尺寸标注的平面图",
        },
    )
    supplement = Supplement.objects.get(case=case)
    assert [i["target"] for i in supplement.items] == ["premises.area", "material:floor_plan"]
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT
    assert "暂停计时" in page(officer.get("/workbench/inbox/"))


def test_reassign_within_the_department(people: People) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    lead = signed_in(people.lead)
    lead.post(f"/workbench/subcases/{food.pk}/claim/")
    nobody = lead.post(f"/workbench/subcases/{food.pk}/reassign/", {"reassign-reason": "休假"})
    assert nobody.status_code == 400
    assert re.search(r'id="id_reassign-to_user"[^>]*aria-invalid="true"', page(nobody))
    no_reason = lead.post(f"/workbench/subcases/{food.pk}/reassign/", {"reassign-to_user": "officer2"})
    assert re.search(r'id="id_reassign-reason"[^>]*aria-invalid="true"', page(no_reason))
    lead.post(
        f"/workbench/subcases/{food.pk}/reassign/",
        {"reassign-to_user": "officer2", "reassign-reason": "休假"},
    )
    assert subcase(case, "food_business_permit").assignee == people.officer2
    # Not the fire officer: another department is not on the list (and refused if posted).
    form = page(lead.get(f"/workbench/subcases/{food.pk}/"))
    assert 'value="fire"' not in form


def test_the_fire_department_accepts_a_registered_class_three_item(people: People) -> None:
    case = accepted_case(people)
    fire = subcase(case, "fire_safety_inspection")
    client = signed_in(people.fire)
    assert "部门受理" in page(client.get(f"/workbench/subcases/{fire.pk}/"))
    client.post(f"/workbench/subcases/{fire.pk}/accept/", {"accept-version": fire.version})
    assert subcase(case, "fire_safety_inspection").status == S.PENDING


def test_an_instant_decision_is_reviewed_and_upheld(
    people: People, officer: Client, instant_rule: Any
) -> None:
    case = accepted_case(
        people, verified={"enterprise.uscc": "prefill:run-1", "enterprise.name": "prefill:run-1"}
    )
    filing = subcase(case, "quick_filing")
    assert filing.status == S.APPROVED
    html = page(officer.get(f"/workbench/subcases/{filing.pk}/"))
    assert "秒批记录" in html
    assert "经营备案：市场主体已登记" in html
    instant = html[html.index('id="instant-h"') : html.index("</section>", html.index('id="instant-h"'))]
    assert "统一社会信用代码：" in instant  # the rule's inputs by name
    assert "enterprise.uscc" not in instant  # never by their internal code
    empty = officer.post(f"/workbench/subcases/{filing.pk}/instant/", {"instant-verdict": "uphold"})
    assert empty.status_code == 400
    assert "请填写复核意见" in page(empty)
    officer.post(
        f"/workbench/subcases/{filing.pk}/instant/",
        {"instant-verdict": "uphold", "instant-opinion": "数据核验无误"},
    )
    assert InstantDecision.objects.get(subcase=filing).review_verdict == "upheld"


def test_a_joint_inspection_is_scheduled_recorded_and_then_the_item_approved(
    people: People, officer: Client
) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    officer.post(f"/workbench/subcases/{food.pk}/claim/")
    html = page(officer.get(f"/workbench/subcases/{food.pk}/"))
    assert "安排联合踏勘" in html
    past = officer.post(
        f"/workbench/subcases/{food.pk}/inspect_schedule/",
        {"inspect_schedule-when": "2026-03-01T10:00", "inspect_schedule-place": "南明区花果园"},
    )
    assert past.status_code == 400
    assert re.search(r'id="id_inspect_schedule-when"[^>]*aria-invalid="true"', page(past))
    assert "踏勘时间不能早于今天" in page(past)
    no_place = officer.post(
        f"/workbench/subcases/{food.pk}/inspect_schedule/",
        {"inspect_schedule-when": "2026-03-02T14:00", "inspect_schedule-place": ""},
    )
    assert re.search(r'id="id_inspect_schedule-place"[^>]*aria-invalid="true"', page(no_place))
    officer.post(
        f"/workbench/subcases/{food.pk}/inspect_schedule/",
        {"inspect_schedule-when": "2026-03-02T14:00", "inspect_schedule-place": "南明区花果园"},
    )
    html = page(officer.get(f"/workbench/subcases/{food.pk}/"))
    assert "已安排" in html
    assert "2026-03-02 14:00" in html
    assert "待记录" in html
    no_findings = officer.post(
        f"/workbench/subcases/{food.pk}/inspect_findings/", {"inspect_findings-conclusion": "pass"}
    )
    assert re.search(r'id="id_inspect_findings-findings"[^>]*aria-invalid="true"', page(no_findings))
    officer.post(
        f"/workbench/subcases/{food.pk}/inspect_findings/",
        {"inspect_findings-conclusion": "pass", "inspect_findings-findings": "布局与平面图一致"},
    )
    html = page(officer.get(f"/workbench/subcases/{food.pk}/"))
    assert "已踏勘" in html
    assert "布局与平面图一致" in html
    assert "符合要求" in html
    officer.post(f"/workbench/subcases/{food.pk}/approve/", {"approve-opinion": "准予"})
    assert subcase(case, "food_business_permit").status == S.APPROVED


def test_an_inspection_happening_now_is_recorded_with_its_findings_at_once(
    people: People, officer: Client
) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    officer.post(f"/workbench/subcases/{food.pk}/claim/")
    yesterday = officer.post(
        f"/workbench/subcases/{food.pk}/inspect_schedule/",
        {"inspect_schedule-when": "2026-03-01T10:00", "inspect_schedule-place": "南明区花果园"},
    )
    assert yesterday.status_code == 400
    assert "踏勘时间不能早于今天" in page(yesterday)
    # Monday 09:30: the officer is on site since 09:00 and records it as it happens.
    now = officer.post(
        f"/workbench/subcases/{food.pk}/inspect_schedule/",
        {"inspect_schedule-when": "2026-03-02T09:00", "inspect_schedule-place": "南明区花果园"},
        follow=True,
    )
    assert "已记录现场联合踏勘：2026-03-02 09:00" in page(now)
    officer.post(
        f"/workbench/subcases/{food.pk}/inspect_findings/",
        {"inspect_findings-conclusion": "pass", "inspect_findings-findings": "布局与平面图一致"},
    )
    html = page(officer.get(f"/workbench/subcases/{food.pk}/"))
    assert "已踏勘" in html
    assert "布局与平面图一致" in html
    officer.post(f"/workbench/subcases/{food.pk}/approve/", {"approve-opinion": "准予"})
    assert subcase(case, "food_business_permit").status == S.APPROVED
