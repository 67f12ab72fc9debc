"""Builders for partner-step tests: a catalog with banks, endpoints, a loopback webhook receiver,
signed callbacks, and running only the partner delivery tasks."""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django_tasks_db.models import DBTaskResult

from onego.cases import webhooks
from onego.cases.models import Case, PartnerDelivery
from onego.cases.services.acceptance import case_accept
from onego.cases.services.decisions import subcase_approve
from onego.cases.services.partner_callbacks import CallbackResult, partner_callback_receive
from onego.catalog.services import catalog_import
from onego.core import clock
from tests.builders import write_folder
from tests.cases.factories import cases_catalog, cases_package, subcase, submit

DELIVER = "onego.cases.tasks.deliver_partner_step"
SECRET = "test-shared-secret-0123456789"


def partner_catalog() -> dict[str, Any]:
    doc = cases_catalog()
    doc["partners"] = [
        {"code": "gz-bank", "name": "贵州省测试银行", "kind": "bank", "regions": ["520000"]},
        {"code": "gy-bank", "name": "贵阳市测试银行", "kind": "bank", "regions": ["520100"]},
        {"code": "yn-bank", "name": "云南省测试银行", "kind": "bank", "regions": ["530000"]},
    ]
    return doc


def import_partner_catalog(tmp_path: Path) -> None:
    catalog_import(path=write_folder(tmp_path / "partner-catalog", partner_catalog(), [cases_package()]))


def started_case(staff: Any) -> Case:
    """A case whose bank step has just started (business licence approved → bank_account pending)."""
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    subcase_approve(actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion="准予")
    return case


def delivery_of(case: Case) -> PartnerDelivery:
    return PartnerDelivery.objects.filter(subcase=subcase(case, "bank_account")).latest("created_at")


def run_deliveries(*, limit: int = 20) -> list[str]:
    """Run the partner delivery tasks that are due now (as the worker does), nothing else."""
    results: list[str] = []
    for _ in range(limit):
        row = (
            DBTaskResult.objects.ready()
            .filter(task_path=DELIVER)
            .order_by("run_after", "enqueued_at")
            .first()
        )
        if row is None:
            break
        row.claim("test-worker")
        value = row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.set_successful(value)
        results.append(str(value))
    return results


def callback_body(delivery: PartnerDelivery | str, outcome: str = "done", **extra: Any) -> bytes:
    body = {
        "id": extra.pop("id", None) or f"cb-{uuid.uuid4()}",
        "delivery": str(delivery.pk if isinstance(delivery, PartnerDelivery) else delivery),
        "outcome": outcome,
        "reference": "BANK-0001",
        "message": "已开立基本存款账户，账号 6217 0000 1234 5678",
        **extra,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def signed(
    body: bytes, *, secret: str = SECRET, age: int = 0, algorithm: str = "hmac-sha256"
) -> dict[str, str]:
    return webhooks.sign(secret, body, now=clock.now().timestamp() - age, algorithm=algorithm)


def call_back(partner: str, body: bytes, headers: dict[str, str]) -> CallbackResult:
    return partner_callback_receive(
        partner_code=partner,
        body=body,
        timestamp=headers.get(webhooks.TIMESTAMP_HEADER),
        signature=headers.get(webhooks.SIGNATURE_HEADER),
    )


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A partner's webhook on 127.0.0.1: answers with the queued codes (then 200), records requests."""

    url: str
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


@contextmanager
def loopback_receiver(answers: list[int] | None = None) -> Iterator[Receiver]:
    state = Receiver(url="", answers=list(answers or []))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = min(int(self.headers.get("Content-Length", "0")), 1_000_000)
            state.received.append(Received(dict(self.headers.items()), self.rfile.read(length)))
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"accepted": true}' if code < 300 else b'{"error": "busy"}')

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/onego/steps"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
