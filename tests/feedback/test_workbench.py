"""好差评 in the workbench: the department's list and answer, the appeal and its review, the
supervisor's page, the window's rating code, and the escalation command."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import time_machine
from django.core.management import call_command
from django.test import Client

from onego.cases.models import Case
from onego.feedback.models import RatingInvitation, Rectification
from onego.feedback.rules import Channel, RectStatus
from onego.feedback.services import DepartmentRatingIn, RatingIn, evaluation_submit
from tests.feedback.conftest import People


def logged_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def bad_rating(case: Case, comment: str = "跑了三趟还没办成") -> Rectification:
    evaluation_submit(
        case_id=case.pk,
        rater_index=case.applicant_index,
        channel=Channel.WEB,
        rating=RatingIn(
            level=1, comment=comment, tags=["efficiency"], departments=[DepartmentRatingIn("gy-xf", 5)]
        ),
    )
    return Rectification.objects.get()


def test_the_department_sees_its_order_with_deadline_but_not_the_rater(
    rateable: Case, people: People
) -> None:
    rect = bad_rating(rateable)
    officer = logged_in(people.officer)
    page = officer.get("/workbench/feedback/").content.decode()
    assert rateable.reference in page
    assert "2026-03-09" in page
    detail = officer.get(f"/workbench/feedback/{rect.pk}/").content.decode()
    assert "跑了三趟还没办成" in detail
    assert "办事效率" in detail
    assert "依规保密" in detail
    assert rateable.applicant_display not in detail
    assert "核实、整改并答复" in detail
    assert "申诉" not in detail.split("处理过程")[0].split("核实、整改并答复")[1]  # officers do not appeal
    fire = logged_in(people.fire)
    assert rateable.reference not in fire.get("/workbench/feedback/").content.decode()
    assert fire.get(f"/workbench/feedback/{rect.pk}/").status_code == 404


def test_the_answer_form_refuses_gaps_and_then_calls_back(rateable: Case, people: People) -> None:
    rect = bad_rating(rateable)
    officer = logged_in(people.officer)
    bad = officer.post(
        f"/workbench/feedback/{rect.pk}/answer/", {"finding": "rectified", "verification": "属实"}
    )
    assert bad.status_code == 400
    assert "请填写整改措施" in bad.content.decode()
    ok = officer.post(
        f"/workbench/feedback/{rect.pk}/answer/",
        {"finding": "rectified", "verification": "属实", "changes": "增设导办员", "reply": "已整改"},
    )
    assert ok.status_code == 302
    rect.refresh_from_db()
    assert rect.status == RectStatus.ANSWERED
    page = officer.get(f"/workbench/feedback/{rect.pk}/").content.decode()
    assert "部门核实答复，系统回访申请人" in page


def test_appeal_by_the_head_and_review_by_the_supervisor(rateable: Case, people: People) -> None:
    rect = bad_rating(rateable)
    assert (
        logged_in(people.officer).post(f"/workbench/feedback/{rect.pk}/appeal/", {"reason": "x"}).status_code
        == 403
    )
    assert (
        logged_in(people.lead)
        .post(f"/workbench/feedback/{rect.pk}/appeal/", {"reason": "评价对象错误"})
        .status_code
        == 302
    )
    supervisor = logged_in(people.supervisor)
    page = supervisor.get(f"/workbench/feedback/{rect.pk}/").content.decode()
    assert "申诉复核" in page
    assert (
        supervisor.post(f"/workbench/feedback/{rect.pk}/review/", {"uphold": "yes", "reason": ""}).status_code
        == 400
    )
    assert (
        supervisor.post(
            f"/workbench/feedback/{rect.pk}/review/", {"uphold": "yes", "reason": "误评"}
        ).status_code
        == 302
    )
    rect.refresh_from_db()
    assert rect.status == RectStatus.VOIDED


def test_the_supervision_page_is_for_supervisors_and_shows_the_figures(
    rateable: Case, people: People, monday_morning: time_machine.Coordinates
) -> None:
    bad_rating(rateable)
    assert logged_in(people.officer).get("/workbench/feedback/supervision/").status_code == 403
    monday_morning.shift(dt.timedelta(days=10))
    page = logged_in(people.supervisor).get("/workbench/feedback/supervision/").content.decode()
    for words in (
        "好差评监督",
        "超期未整改",
        "按期整改率",
        "南明区市场监督管理局",
        "贵阳市消防救援支队",
        "开办餐饮店",
        "网上评价",
    ):
        assert words in page, words
    assert rateable.applicant_display not in page
    elsewhere = logged_in(people.bj_supervisor).get("/workbench/feedback/supervision/").content.decode()
    assert rateable.reference not in elsewhere
    assert "南明区市场监督管理局" not in elsewhere


def test_the_window_code_page_shows_a_short_link_and_qr(rateable: Case, people: People) -> None:
    clerk = logged_in(people.clerk)
    response = clerk.post("/workbench/feedback/invite/", {"reference": rateable.reference})
    assert response.status_code == 200
    code = RatingInvitation.objects.get().code
    page = response.content.decode()
    assert f"/r/{code}" in page
    assert "<svg" in page
    missing = clerk.post("/workbench/feedback/invite/", {"reference": "GY-00000000-000000"})
    assert missing.status_code == 400
    assert "没有找到该办件" in missing.content.decode()


def test_the_tick_command_escalates_once(
    rateable: Case, people: People, monday_morning: time_machine.Coordinates
) -> None:
    bad_rating(rateable)
    monday_morning.shift(dt.timedelta(days=10))
    out = StringIO()
    call_command("feedback", "tick", stdout=out)
    call_command("feedback", "tick", stdout=out)
    assert out.getvalue().splitlines() == [
        "超期督办整改工单 1 个，部门工单 0 个。",
        "超期督办整改工单 0 个，部门工单 0 个。",
    ]
