"""The outbox and durable tasks: enqueued in the change's transaction, sent once, retried with back-off."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from onego.cases import channels
from onego.cases.models import Case, Notification
from onego.cases.services.acceptance import case_accept
from onego.cases.services.notify import MAX_ATTEMPTS, deliver_notification, notify_staff, sweep_outbox
from onego.core import clock
from tests.cases.factories import run_tasks, submit

pytestmark = pytest.mark.django_db
SEND = "onego.cases.tasks.send_notification"


@pytest.fixture(autouse=True)
def sms_log(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "sms.log"


def sms_lines(path: Path) -> list[dict[str, Any]]:
    return (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    )


def test_a_rolled_back_change_leaves_no_task_and_no_message(staff: Any) -> None:
    case = submit(staff.clerk).case
    tasks_before, rows_before = DBTaskResult.objects.count(), Notification.objects.count()
    seen_inside: list[int] = []

    def accept_then_crash() -> None:
        with transaction.atomic():
            case_accept(actor=staff.clerk, case_id=case.pk)
            # Inside the transaction the task rows exist already: they commit with the change.
            seen_inside.append(DBTaskResult.objects.filter(task_path=SEND).count())
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        accept_then_crash()
    assert seen_inside[0] > 0
    assert DBTaskResult.objects.count() == tasks_before
    assert Notification.objects.count() == rows_before
    assert Case.objects.get(pk=case.pk).status == "pre_reviewed"


def test_every_outbox_row_has_its_send_task(staff: Any) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    queued = {
        json.dumps(r)
        for r in DBTaskResult.objects.filter(task_path=SEND).values_list("args_kwargs", flat=True)
    }
    for pk in Notification.objects.filter(case=case).values_list("pk", flat=True):
        assert json.dumps({"args": [str(pk)], "kwargs": {}}) in queued


def test_the_worker_sends_email_and_sms_once(staff: Any, sms_log: Path) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    accepted = Notification.objects.filter(case=case, kind="accepted")
    assert set(accepted.values_list("status", flat=True)) == {"pending"}  # nothing goes out before the worker
    run_tasks()
    assert set(accepted.values_list("status", flat=True)) == {"sent"}
    email = next(m for m in mail.outbox if "申请已受理" in m.subject)
    assert email.to == ["zhangsan@example.com"]
    row = accepted.get(channel="email")
    assert email.extra_headers["Message-ID"] == f"<{row.pk}@onego>"
    sms = [line for line in sms_lines(sms_log) if "已受理" in line["text"]]
    assert len(sms) == 1
    assert sms[0]["to"] == "13812345678"
    # Running the same send again (a re-enqueued task) sends nothing.
    sent = len(mail.outbox)
    assert deliver_notification(notification_id=str(row.pk)) == "sent"
    assert len(mail.outbox) == sent


def test_a_failing_channel_is_retried_with_back_off_then_given_up(
    staff: Any, monkeypatch: pytest.MonkeyPatch, monday_morning: Any
) -> None:
    class Down:
        def send(self, message: channels.Message) -> None:
            raise ConnectionError("gateway down")

    monkeypatch.setattr("onego.cases.services.notify.channel_for", lambda name: Down())
    case = submit(staff.clerk).case
    [row] = notify_staff(users=[staff.officer], case=case, kind="test", subject="测试", body="正文")
    assert deliver_notification(notification_id=str(row.pk)) == "retry"
    row.refresh_from_db()
    assert row.status == "pending"
    assert row.attempts == 1
    assert "gateway down" in row.last_error
    assert row.next_attempt_at - clock.now() > dt.timedelta(seconds=50)
    retry = DBTaskResult.objects.filter(task_path=SEND).order_by("-enqueued_at").first()
    assert retry is not None
    assert retry.run_after > clock.now()
    for _ in range(MAX_ATTEMPTS - 1):
        deliver_notification(notification_id=str(row.pk))
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.attempts == MAX_ATTEMPTS


def test_sweeping_re_enqueues_what_a_killed_worker_left_pending(staff: Any, monday_morning: Any) -> None:
    case = submit(staff.clerk).case
    [row] = notify_staff(users=[staff.officer], case=case, kind="test", subject="测试", body="正文")
    # The worker claimed the task and died: the task row stays RUNNING, the outbox row pending.
    DBTaskResult.objects.filter(task_path=SEND).update(status="RUNNING")
    assert sweep_outbox() == 0  # not yet overdue
    monday_morning.shift(dt.timedelta(minutes=15))
    assert sweep_outbox() == 1
    run_tasks()
    row.refresh_from_db()
    assert row.status == "sent"
    assert sum(1 for m in mail.outbox if m.subject.startswith("【办件提醒】测试")) == 1


def test_staff_without_an_address_are_not_queued(staff: Any) -> None:
    case = submit(staff.clerk).case
    staff.officer.email = ""
    staff.officer.save()
    assert (
        notify_staff(
            users=[staff.officer, staff.officer2, staff.officer2], case=case, kind="t", subject="s", body="b"
        )
        != []
    )
    assert Notification.objects.filter(kind="t").count() == 1


def test_the_console_sms_backend_prints_with_the_number_masked(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.ONEGO_SMS_BACKEND = "console"
    channels.channel_for("sms").send(channels.Message(key="k1", to="13800000000", subject="s", body="您好"))
    assert "[SMS k1] to 138****0000: 您好" in capsys.readouterr().out
