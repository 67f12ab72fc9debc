"""The acceptance queue selector: online submissions of the clerk's centre, oldest first (cases/queue.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from onego.cases.models import Case
from onego.cases.queue import acceptance_queue, waiting_label
from onego.core.errors import PermissionDenied
from onego.exchange.models import Consent
from tests.cases.factories import online_applicant, submit

pytestmark = pytest.mark.django_db


def consent(case: Case, actor: str, decision: str = "granted") -> None:
    Consent.objects.create(
        case_ref=case.pk,
        subject_index="x" * 16,
        subject_kind="person",
        purpose="办理一件事",
        package_code=case.package_code,
        region_code=case.region.code,
        decision=decision,
        actor=actor,
    )


def test_online_submissions_are_listed_oldest_first_with_waiting_time_and_consent_source(
    staff: Any, monday_morning: Any
) -> None:
    first = submit(online_applicant(), key="queue-key-0001", channel="web").case
    consent(first, "applicant:0123456789abcdef")
    monday_morning.shift(dt.timedelta(hours=2, minutes=30))
    second = submit(online_applicant(), key="queue-key-0002", channel="app").case
    consent(second, "dept:nm-zwfw/user:clerk")
    submit(staff.clerk, key="queue-key-0003", channel="counter")  # taken in at the window: not queued
    submit(online_applicant(), key="queue-key-0004", channel="web", draft=True)  # not submitted yet
    monday_morning.shift(dt.timedelta(minutes=5))

    rows = acceptance_queue(staff.clerk)
    assert [r.reference for r in rows] == [first.reference, second.reference]
    assert [r.waiting_label for r in rows] == ["2小时35分钟", "5分钟"]
    assert [r.consent_channel for r in rows] == ["online", "counter"]
    assert rows[0].consent_label == "申请人网上授权"
    assert rows[0].applicant == "张*"
    assert rows[0].status == "pre_reviewed"


def test_an_accepted_case_leaves_the_queue(staff: Any) -> None:
    from onego.cases.services.acceptance import case_accept

    case = submit(online_applicant(), key="queue-key-0005", channel="web").case
    assert [r.case_id for r in acceptance_queue(staff.clerk)] == [case.pk]
    case_accept(actor=staff.clerk, case_id=case.pk)
    assert acceptance_queue(staff.clerk) == []


def test_a_clerk_of_another_region_sees_nothing(staff: Any) -> None:
    submit(online_applicant(), key="queue-key-0006", channel="web")
    assert acceptance_queue(staff.other_clerk) == []


def test_someone_who_is_no_clerk_is_refused(staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        acceptance_queue(staff.officer)


def test_a_declined_consent_and_none_are_told_apart(staff: Any) -> None:
    declined = submit(online_applicant(), key="queue-key-0007", channel="web").case
    consent(declined, "applicant:0123456789abcdef", decision="declined")
    submit(online_applicant(), key="queue-key-0008", channel="web", contact=None)
    labels = {r.consent_channel for r in acceptance_queue(staff.clerk)}
    assert labels == {"declined", "none"}


@pytest.mark.parametrize(
    ("minutes", "label"),
    [
        (0, "不到1分钟"),
        (45, "45分钟"),
        (60, "1小时"),
        (200, "3小时20分钟"),
        (1440, "1天"),
        (3180, "2天5小时"),
    ],
)
def test_waiting_time_reads_as_a_clerk_says_it(minutes: int, label: str) -> None:
    assert waiting_label(minutes) == label
