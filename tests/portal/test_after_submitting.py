"""After submitting: the confirmation page and SMS say what happens next, who decides and by when; the
case page's clock labels say why a clock has not started or is stopped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from onego.accounts.models import Role
from onego.cases.models import Case, Notification, SubCase
from onego.cases.services.acceptance import case_accept
from onego.cases.services.decisions import subcase_claim
from onego.cases.services.supplements import SupplementItemIn, subcase_request_supplement
from tests.cases.factories import cases_package, import_cases_catalog, make_staff, submit
from tests.exchange.factories import restaurant_contract
from tests.portal.applicants import person, sign_in, to_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]

CST = dt.timezone(dt.timedelta(hours=8))
FRIDAY_MORNING = dt.datetime(2026, 12, 11, 10, 0, tzinfo=CST)
MONDAY = dt.date(2026, 12, 14)


@pytest.fixture
def signed_in(client: Client, db: None, tmp_path: Path) -> Client:
    # The food permit waits for the same-day filing: a prerequisite inside the case.
    package = cases_package(
        items=[
            {"item": "business_licence", "when": "not has_licence"},
            {"item": "quick_filing", "binding": "bound"},
            {"item": "food_business_permit", "binding": "bound", "after": ["quick_filing"]},
        ]
    )
    import_cases_catalog(tmp_path, [package])
    restaurant_contract()
    return client


def signed_in_as_wang(client: Client) -> None:
    sign_in(client, person("王小红"))


def text(response: Any) -> str:
    return str(response.content.decode())


def submitted(client: Client) -> tuple[Case, str]:
    signed_in_as_wang(client)
    base = to_review(client)
    response = client.post(f"{base}review/")
    case = Case.objects.get()
    assert response["Location"] == f"/me/cases/{case.pk}/submitted/"
    return case, text(client.get(response["Location"]))


def test_the_confirmation_page_says_what_happens_next_who_decides_and_by_when(signed_in: Client) -> None:
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        case, html = submitted(signed_in)
    assert "申请已提交" in html
    assert case.reference in html
    assert "接下来会发生什么" in html
    # Submitted on a Friday: the window is expected to accept by Monday (the next working day).
    assert "预计 <strong>2026-12-14</strong> 前" in html
    for entry in case.snapshot["entries"]:
        if entry["kind"] == "item":
            assert entry["department"] in html
            assert entry["name"] in html
    # The package promises 8 working days from acceptance: Monday 14th + 8 = Thursday 24th.
    assert "预计 <strong>2026-12-24</strong> 前办结" in html
    assert "尾号 " in html  # the SMS goes to the phone given, shown by its last digits only


def test_submitting_sends_one_sms_saying_the_same_briefly(signed_in: Client) -> None:
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        case, _html = submitted(signed_in)
    rows = list(Notification.objects.filter(case=case, kind="submitted"))
    assert [r.channel for r in rows] == ["sms"]
    body = rows[0].body
    assert "开办餐饮店" in body
    assert "12月14日 前受理" in body
    departments = {e["department"] for e in case.snapshot["entries"] if e["kind"] == "item"}
    assert all(d in body for d in departments)
    assert "前办结" in body


def test_a_counter_case_gets_no_submission_sms(signed_in: Client) -> None:
    clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
    case = submit(clerk).case
    assert not Notification.objects.filter(case=case, kind="submitted").exists()


def test_clock_labels_say_waiting_for_a_prerequisite_and_paused(signed_in: Client) -> None:
    clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
    officer = make_staff("officer", "nm-scjg", Role.OFFICER)
    case, _html = submitted(signed_in)
    case_accept(actor=clerk, case_id=case.pk)
    permit = SubCase.objects.get(case=case, code="food_business_permit")
    assert permit.status == "waiting"
    html = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "等待前置事项办结后开始计时" in html
    assert "受理后开始计时" not in html  # the case is accepted: that label would be false

    quick = SubCase.objects.get(case=case, code="quick_filing")
    assert quick.status == "pending"  # no rule declared for it: referred to an officer
    subcase_claim(actor=officer, subcase_id=quick.pk)
    subcase_request_supplement(
        actor=officer,
        subcase_id=quick.pk,
        items=[SupplementItemIn("enterprise.name", "名称与营业执照不一致")],
    )
    html = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "已暂停计时" in html
    assert "未开始计时" not in html


def test_a_same_day_item_released_at_nine_in_the_evening_is_not_due_today(signed_in: Client) -> None:
    clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
    evening = FRIDAY_MORNING.replace(hour=21)
    with time_machine.travel(evening, tick=False):
        case, _html = submitted(signed_in)
        case_accept(actor=clerk, case_id=case.pk)
        quick = SubCase.objects.get(case=case, code="quick_filing")
        assert quick.promised_days == 0
        # Released after working hours on a Friday: its day is Monday, not "today" at 21:00.
        assert quick.promised_due == MONDAY
        html = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "今日到期" not in html


def test_the_message_centre_shows_what_was_sent_and_only_to_its_applicant(signed_in: Client) -> None:
    case, _html = submitted(signed_in)
    sms = Notification.objects.get(case=case, kind="submitted")
    html = text(signed_in.get("/me/messages/"))
    assert "消息中心" in html
    assert sms.subject in html
    assert sms.body[:30] in html
    assert case.reference in html
    assert "短信" in html

    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    theirs = text(other.get("/me/messages/"))
    assert sms.subject not in theirs
    assert "暂无消息" in theirs
