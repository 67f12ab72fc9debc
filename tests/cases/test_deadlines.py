"""Deadlines on the working-day clock: warnings once, escalation when overdue, provisional years."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from onego.cases.models import Case, CaseTransition, Notification, SubCaseTransition
from onego.cases.services.acceptance import case_accept
from onego.cases.services.deadlines import calendar_year_entered, run_deadline_check
from onego.cases.services.decisions import subcase_approve
from onego.core import clock
from onego.core.services import calendar_enter_year
from tests.cases.factories import run_tasks, subcase, submit

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def accept(staff: Any) -> Case:
    return case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)


def kinds(subject: str) -> list[tuple[str, Any]]:
    return list(
        Notification.objects.filter(subject__contains=subject)
        .values_list("kind", "recipient__username")
        .order_by("created_at", "recipient__username")
    )


def test_warnings_go_out_once_per_colour_and_overdue_escalates(staff: Any, monday_morning: Any) -> None:
    case = accept(staff)
    licence = subcase(case, "business_licence")
    assert licence.promised_due == dt.date(2026, 3, 3)
    run_tasks()  # one working day left: yellow at once
    # Not claimed yet: everyone who decides for the department is told.
    assert kinds("营业执照") == [
        ("deadline_yellow", "lead"),
        ("deadline_yellow", "officer"),
        ("deadline_yellow", "officer2"),
    ]
    run_tasks()
    assert len(kinds("营业执照")) == 3  # nothing repeats

    monday_morning.move_to(at(2026, 3, 3, 0, 10))
    run_tasks()
    assert [k for k, _ in kinds("营业执照")].count("deadline_red") == 3

    monday_morning.move_to(at(2026, 3, 4, 0, 10))
    run_tasks()
    overdue = [who for k, who in kinds("营业执照") if k == "overdue"]
    assert sorted(w for w in overdue if w) == ["lead", "officer", "officer2"]
    told = Notification.objects.filter(
        case=case, kind="overdue", to_applicant=True, body__contains="营业执照"
    )
    assert told.count() == 2  # sms + email
    licence.refresh_from_db()
    assert licence.warned_level == "overdue"
    assert licence.escalated_at is not None
    escalation = SubCaseTransition.objects.get(subcase=licence, action="escalate")
    assert "已上报牵头部门南明区市场监督管理局督办" in escalation.reason
    # One case-level entry per overdue item (the instant item, due the day it started, is overdue too).
    assert (
        CaseTransition.objects.filter(case=case, action="escalate", reason__contains="营业执照").count() == 1
    )
    # A repeated check (a task run twice after a crash) changes nothing visible.
    before = Notification.objects.count()
    assert run_deadline_check(subcase_id=str(licence.pk), token=licence.check_token) == "overdue"
    assert Notification.objects.count() == before


def test_a_check_with_an_old_token_or_for_a_decided_item_does_nothing(staff: Any) -> None:
    case = accept(staff)
    licence = subcase(case, "business_licence")
    assert run_deadline_check(subcase_id=str(licence.pk), token=licence.check_token - 1) == "stale"
    subcase_approve(actor=staff.officer, subcase_id=licence.pk)
    licence.refresh_from_db()
    assert run_deadline_check(subcase_id=str(licence.pk), token=licence.check_token) == "closed"


def test_a_deadline_over_an_unentered_year_is_provisional_then_recomputed(staff: Any) -> None:
    with time_machine.travel(at(2026, 12, 15, 10, 0)):
        case = accept(staff)
        assert case.legal_due == dt.date(2027, 1, 15)  # 1 Jan 2027 counted as a plain Friday
        assert case.deadline_provisional
        assert case.provisional_years == [2027]
        calendar_enter_year(
            year=2027,
            holidays=[(dt.date(2027, 1, 1), "元旦")],
            adjusted_workdays=[],
            source="国办发明电〔2026〕X号",
            entered_by="test",
        )
        report = calendar_year_entered(year=2027)
    case.refresh_from_db()
    assert case.legal_due == dt.date(2027, 1, 18)
    assert not case.deadline_provisional
    assert report.checked == 1
    assert report.changed == [f"{case.reference}: 办件法定办结日 2027-01-15 → 2027-01-18"]
    told = Notification.objects.get(case=case, kind="deadline_changed", channel="sms")
    assert "法定办结日 2027-01-15 → 2027-01-18" in told.body
    assert CaseTransition.objects.filter(case=case, action="deadline_changed").exists()


def test_recomputing_twice_tells_the_applicant_once(staff: Any) -> None:
    with time_machine.travel(at(2026, 12, 15, 10, 0)):
        case = accept(staff)
        calendar_enter_year(
            year=2027,
            holidays=[(dt.date(2027, 1, 1), "元旦")],
            adjusted_workdays=[],
            source="x",
            entered_by="t",
        )
        calendar_year_entered(year=2027)
        out = StringIO()
        call_command("cases", "recompute-deadlines", "--year", "2027", stdout=out)
    assert "检查了 0 件" in out.getvalue()
    assert Notification.objects.filter(case=case, kind="deadline_changed").count() == 2  # sms + email, once


def test_a_case_accepted_in_a_year_nobody_knows_is_accepted_provisionally(staff: Any) -> None:
    with time_machine.travel(at(2090, 6, 1, 10, 0)):
        case = accept(staff)
    assert case.promised_due is not None
    assert case.deadline_provisional
    assert case.provisional_years == [2090]


def test_the_tick_command_recovers_checks_lost_with_a_killed_worker(staff: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    accept(staff)
    out = StringIO()
    call_command("cases", "tick", stdout=out)
    assert "恢复期限检查 2 个" in out.getvalue()  # yellow/red due now, not yet warned
    # A worker claimed every check and died: the rows stay RUNNING, nothing was sent.
    DBTaskResult.objects.filter(task_path="onego.cases.tasks.check_subcase_deadline").update(status="RUNNING")
    call_command("cases", "tick", stdout=StringIO())
    run_tasks()
    assert sorted(
        Notification.objects.filter(kind__startswith="deadline_").values_list("kind", flat=True)
    ) == [
        *["deadline_red"] * 3,
        *["deadline_yellow"] * 3,
    ]
    out = StringIO()
    call_command("cases", "tick", stdout=out)
    assert "恢复期限检查 0 个" in out.getvalue()


def test_the_tick_says_when_tasks_are_left_running_by_a_dead_worker(staff: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    accept(staff)
    # The checks enqueued at acceptance; a worker claimed them and died (the tick adds new rows).
    claimed = list(
        DBTaskResult.objects.filter(task_path="onego.cases.tasks.check_subcase_deadline").values_list(
            "pk", flat=True
        )
    )
    assert claimed
    rows = DBTaskResult.objects.filter(pk__in=claimed)
    now = clock.now()
    rows.update(status="RUNNING", started_at=now - dt.timedelta(minutes=5))
    quiet = StringIO()
    call_command("cases", "tick", stdout=StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""  # a task running for five minutes may still finish
    rows.update(started_at=now - dt.timedelta(hours=2))
    err = StringIO()
    call_command("cases", "tick", stdout=StringIO(), stderr=err)
    assert f"{len(claimed)} 个后台任务开始运行已超过 30 分钟仍未结束" in err.getvalue()


def test_the_scheduled_tick_picks_up_a_year_entered_in_the_admin(staff: Any) -> None:
    with time_machine.travel(at(2026, 12, 15, 10, 0)):
        case = accept(staff)
        out = StringIO()
        call_command("cases", "tick", stdout=out)  # 2027 still unknown: nothing to do
        assert "检查了 0 件" in out.getvalue()
        calendar_enter_year(
            year=2027,
            holidays=[(dt.date(2027, 1, 1), "元旦")],
            adjusted_workdays=[],
            source="x",
            entered_by="admin",
        )
        call_command("cases", "tick", stdout=StringIO())
    case.refresh_from_db()
    assert case.legal_due == dt.date(2027, 1, 18)
    assert not case.deadline_provisional
