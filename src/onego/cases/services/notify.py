"""The notification outbox: rows written with the step they report, sent by a task after commit.

`notify_applicant` / `notify_staff` are called inside a service's transaction: they write one
Notification row per channel and enqueue its send task in that same transaction (see tasks.py).
`deliver_notification` is the task body: it sends a row at most once while it is pending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from onego.cases.channels import Message, channel_for
from onego.cases.identity import unseal
from onego.cases.models import Case, Notification, NotificationChannel, NotificationStatus
from onego.cases.tasks import send_notification
from onego.core import clock, uow
from onego.core.uow import unit_of_work

MAX_ATTEMPTS = 5
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))


def case_contact(case: Case) -> dict[str, str]:
    if not case.contact_sealed:
        return {}
    value = unseal(case.contact_sealed)
    return {k: str(v) for k, v in value.items() if v} if isinstance(value, dict) else {}


def _queue(rows: list[Notification]) -> list[Notification]:
    for row in rows:
        uow.insert(row)  # with the action's other new rows; the task row below goes with them
        send_notification.enqueue(str(row.pk))
    return rows


def notify_applicant(*, case: Case, kind: str, subject: str, body: str) -> list[Notification]:
    """One row per channel the applicant gave (SMS for a phone, e-mail for an address)."""
    contact = case_contact(case)
    subject = f"【一件事一次办】{subject}（办件编号 {case.reference}）"
    rows = [
        Notification(case=case, to_applicant=True, channel=channel, kind=kind, subject=subject, body=body)
        for channel, present in (
            (NotificationChannel.SMS, "phone" in contact),
            (NotificationChannel.EMAIL, "email" in contact),
        )
        if present
    ]
    return _queue(rows)


def notify_staff(
    *, users: Iterable[Any], case: Case | None, kind: str, subject: str, body: str
) -> list[Notification]:
    """E-mail to each staff user who has an address; the workbench inbox shows the rest anyway."""
    prefix = f"（办件编号 {case.reference}）" if case is not None else ""
    seen: set[Any] = set()
    rows: list[Notification] = []
    for user in users:
        if user.pk in seen or not getattr(user, "email", ""):
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                case=case,
                recipient=user,
                channel=NotificationChannel.EMAIL,
                kind=kind,
                subject=f"【办件提醒】{subject}{prefix}",
                body=body,
            )
        )
    return _queue(rows)


def _address(row: Notification) -> str:
    if row.to_applicant and row.case is not None:
        contact = case_contact(row.case)
        return contact.get("phone" if row.channel == NotificationChannel.SMS else "email", "")
    if row.recipient is not None and row.channel == NotificationChannel.EMAIL:
        return str(row.recipient.email or "")
    return ""


def deliver_notification(*, notification_id: str) -> str:
    """Send one outbox row if it is still pending. Returns what happened (for the task result).

    The row stays locked while it is sent, so two workers given the same row (a re-enqueue by the
    sweep) send it once. If the process dies after the channel accepted the message but before the
    commit, the row is still pending and is sent again later: delivery is at least once, and the
    message key lets the receiving side spot the duplicate.
    """
    with unit_of_work():
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("case", "recipient")
            .filter(pk=notification_id)
            .first()
        )
        if row is None:
            return "missing"
        if row.status != NotificationStatus.PENDING:
            return str(row.status)
        address = _address(row)
        if not address:
            row.status = NotificationStatus.FAILED
            row.last_error = "没有可用的联系方式"
            row.save(update_fields=["status", "last_error", "updated_at"])
            return "failed"
        row.attempts += 1
        try:
            channel_for(row.channel).send(
                Message(key=str(row.pk), to=address, subject=row.subject, body=row.body)
            )
        except Exception as exc:  # any channel failure: retried with back-off, then given up
            row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = NotificationStatus.FAILED
            else:
                row.next_attempt_at = clock.now() + BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
                send_notification.using(run_after=row.next_attempt_at).enqueue(str(row.pk))
            row.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])
            return "failed" if row.status == NotificationStatus.FAILED else "retry"
        row.status = NotificationStatus.SENT
        row.sent_at = clock.now()
        row.save(update_fields=["status", "attempts", "sent_at", "updated_at"])
        return "sent"


def sweep_outbox(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Re-enqueue pending rows whose send is overdue (their task was lost with a killed worker).

    Harmless when the original task is still queued: the second run finds the row sent.
    """
    cutoff = clock.now() - older_than
    ids = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    with unit_of_work():
        for pk in ids:
            send_notification.enqueue(str(pk))
    return len(ids)
