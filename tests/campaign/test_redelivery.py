"""Redelivery (the standing campaign): every task a case's life enqueues, and every partner callback, is
delivered twice — as a queue that redelivers after a lost acknowledgement would — and the second delivery
must change nothing: the snapshot of the relevant tables after it equals the one after the first."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from onego.cases.models import (
    Case,
    CaseTransition,
    Conclusion,
    Notification,
    PartnerCallback,
    PartnerDelivery,
    PartnerDeliveryAttempt,
    SubCase,
    SubCaseTransition,
)
from onego.cases.services.acceptance import case_accept
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.partners import partner_endpoint_set
from onego.ledger.models import LedgerEntry
from tests.cases.conftest import Staff
from tests.cases.factories import subcase, submit
from tests.cases.partner_builders import SECRET, call_back, callback_body, import_partner_catalog, signed
from tests.cases.test_conclusion import decide

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff(db: None, tmp_path: Path) -> Staff:
    import_partner_catalog(tmp_path)
    return Staff()


def snapshot(*, leave_out: Any = None) -> dict[str, Any]:
    """The state a redelivery could change: statuses and versions, history, outbox, partner steps and
    callbacks, conclusions and their results, the ledger, and what is queued (but the task being run)."""
    queued = DBTaskResult.objects.filter(status="READY").exclude(pk=leave_out)  # due or not
    return {
        "cases": sorted(map(str, Case.objects.values_list("pk", "status", "version"))),
        "subcases": sorted(map(str, SubCase.objects.values_list("pk", "status", "version", "external_ref"))),
        "history": (CaseTransition.objects.count(), SubCaseTransition.objects.count()),
        "outbox": sorted(map(str, Notification.objects.values_list("pk", "status", "sent_at"))),
        "deliveries": sorted(map(str, PartnerDelivery.objects.values_list("pk", "status", "attempts"))),
        "attempts": PartnerDeliveryAttempt.objects.count(),
        "callbacks": PartnerCallback.objects.count(),
        "conclusions": sorted(
            map(str, Conclusion.objects.values_list("pk", "results_status", "document_digest", "results"))
        ),
        "ledger": LedgerEntry.objects.count(),
        "queued": sorted(
            (t.task_path, json.dumps(t.args_kwargs, sort_keys=True)) for t in queued.order_by("enqueued_at")
        ),
    }


def deliver_everything_twice(ran: list[str]) -> None:
    """Run every task due now twice, the first result acknowledged only after the second."""
    for _ in range(200):
        row = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if row is None:
            return
        args, kwargs = row.args_kwargs["args"], row.args_kwargs["kwargs"]
        row.claim("campaign")
        first = row.task.call(*args, **kwargs)
        after_first = snapshot(leave_out=row.pk)
        row.task.call(*args, **kwargs)
        after_second = snapshot(leave_out=row.pk)
        if after_second != after_first:
            diff = {
                k: (after_first[k], after_second[k]) for k in after_first if after_first[k] != after_second[k]
            }
            if "queued" in diff:
                a, b = diff["queued"]
                diff["queued"] = ([x for x in a if x not in b], [x for x in b if x not in a])
            raise AssertionError(f"{row.task_path}{args}{kwargs} delivered twice changed the state: {diff}")
        row.set_successful(first)
        ran.append(row.task_path.rsplit(".", 1)[-1])
    raise AssertionError("the queue never emptied")


def test_every_task_and_partner_callback_delivered_twice_changes_nothing_the_second_time(
    staff: Staff, monday_morning: Any
) -> None:
    partner_endpoint_set(partner_code="gy-bank", url="local:", secret=SECRET)
    ran: list[str] = []
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    deliver_everything_twice(ran)
    decide(staff, case, "business_licence", staff.officer)
    deliver_everything_twice(ran)  # the bank step goes out
    # Days pass: the deadline checks of the items still open fall due (warnings to the departments).
    monday_morning.shift(dt.timedelta(days=4))
    deliver_everything_twice(ran)
    delivery = PartnerDelivery.objects.get(subcase=subcase(case, "bank_account"))
    for outcome in ("started", "done"):
        body = callback_body(delivery, outcome)
        headers = signed(body)
        assert call_back("gy-bank", body, headers).status == "applied"
        once = snapshot()
        assert call_back("gy-bank", body, headers).status == "duplicate"
        assert snapshot() == once, f"the {outcome} callback delivered twice changed the state"
        ran.append(f"callback:{outcome}")
    decide(staff, case, "quick_filing", staff.officer)
    decide(staff, case, "food_business_permit", staff.officer2)
    decide(staff, case, "fire_safety_inspection", staff.fire)
    deliver_everything_twice(ran)
    case_issue_conclusion(actor=staff.lead, case_id=case.pk, summary="准予")
    deliver_everything_twice(ran)  # the results (e-licences, signed PDF) and the messages that say so

    case.refresh_from_db()
    assert case.status == "concluded"
    conclusion = Conclusion.objects.get(case=case)
    assert conclusion.results_status == "produced"
    # Every kind of task ran twice, and both callbacks.
    kinds = set(ran)
    for needed in (
        "send_notification",
        "check_subcase_deadline",
        "deliver_partner_step",
        "produce_conclusion_results",
        "callback:started",
        "callback:done",
    ):
        assert needed in kinds, f"{needed} never ran: {sorted(kinds)}"
    print(f"\nredelivery: {len(ran)} deliveries, each twice; kinds: {sorted(kinds)}")
