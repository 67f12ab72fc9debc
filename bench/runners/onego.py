"""OneGo itself: the workload driven through the real case services on PostgreSQL.

Each worker process sets up Django against the runner's database and calls the services the API and
the web views call, as the people who would: the applicant submits online (with the data the
exchange verified), a window clerk accepts, an officer of each department approves its sub-case
(the benchmark's items are sole-approver items, so approving is one call, no separate claim), the
bank reports its step done with a signed callback (`partner_callback_receive`, what the partner API
calls; its endpoint is the simulated `local:` one), and the lead department's officer issues the
conclusion. Instant
approvals (秒批) are decided by the engine when the sub-case becomes ready, by the two rules declared
below — `onego.cases.instant.RULES` is a registry in code, and the benchmark adds its own the way a
deployment would.

Writes are counted with `connection.execute_wrapper`: every INSERT/UPDATE/DELETE Django executes,
including the history rows, the ledger, the notification outbox, the partner delivery and the
tasks it enqueues (which the benchmark does not run: they are a worker's job, after commit).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.runners.base import WorkflowError, is_write
from bench.workload import BY_CODE, Action, application

NAME = "OneGo (case services)"
CATALOG = Path(__file__).resolve().parent.parent / "catalog"
PACKAGE = "open-restaurant-bench"
REGION = "520102"  # 南明区
PARTNER = "ccb-guizhou"
PARTNER_SECRET = "bench-partner-shared-secret-0001"

STAFF = {
    # username: (department, role)
    "bench-clerk": ("nm-zwfw", "clerk"),
    "bench-scjg": ("nm-scjg", "officer"),
    "bench-xf": ("gy-xf", "officer"),
    "bench-lead": ("nm-scjg", "lead_officer"),
}
APPLICANT = "bench-applicant"


def _setup(url: str) -> None:
    """Point Django at this runner's database and start it (once per process)."""
    os.environ["ONEGO_DATABASE_URL"] = url
    os.environ.setdefault("ONEGO_DEBUG", "0")  # DEBUG keeps every query in memory
    os.environ.setdefault("ONEGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault("ONEGO_LOG_LEVEL", "WARNING")
    # Personal data is sealed and blind-indexed as in production; the keys only have to agree
    # between the benchmark's processes, and its databases are thrown away.
    os.environ.setdefault("ONEGO_PII_KEYS", "bench:" + _bench_key("pii"))
    os.environ.setdefault("ONEGO_BLIND_INDEX_KEY", _bench_key("blind-index"))
    # Ledger promises and heads are signed as in production (a key of 32 raw bytes, base64).
    os.environ.setdefault("ONEGO_LEDGER_SIGNING_KEY", _bench_key("ledger-signing"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onego.settings")
    import django

    django.setup()


def _bench_key(purpose: str) -> str:
    return base64.b64encode(hashlib.sha256(f"onego-bench-{purpose}".encode()).digest()).decode()


def register_rules() -> None:
    """The instant-approval rules of the benchmark's two instant items (in every process)."""
    from onego.cases import instant

    for code, title in (
        ("outdoor_sign", "户外招牌设置备案：市场主体名称经共享核验"),
        ("tobacco_retail", "烟草专卖零售许可：市场主体名称经共享核验"),
    ):
        instant.RULES[code] = instant.InstantRule(
            code=f"bench.{code}.v1",
            item=code,
            title=title,
            checks=(
                instant.Check("enterprise.name", "present", label="市场主体名称已登记（市场主体库核验）"),
            ),
        )


def prepare(url: str) -> None:
    _setup(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from onego.accounts.models import Membership
    from onego.cases.services.partners import partner_endpoint_set
    from onego.catalog.models import Department
    from onego.catalog.services import catalog_import

    call_command("migrate", verbosity=0, interactive=False)
    catalog_import(path=CATALOG)
    users = get_user_model().objects
    for username, (department, role) in STAFF.items():
        user = users.create_user(
            username=username, password=None, email=f"{username}@example.gov.cn", first_name=username
        )
        Membership.objects.create(user=user, department=Department.objects.get(code=department), role=role)
    users.create_user(username=APPLICANT, password=None, first_name="张三")
    # The bank's endpoint: "local:" is the simulated partner (nothing is posted: the benchmark does
    # not run the delivery tasks); the secret signs the bank's callbacks.
    partner_endpoint_set(partner_code=PARTNER, url="local:", secret=PARTNER_SECRET)


def concluded(url: str) -> int:
    """Cases concluded with all six sub-cases approved and the conclusion issued."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM cases_case c JOIN cases_conclusion k ON k.case_id = c.id"
            " WHERE c.status = 'concluded' AND k.issued_at IS NOT NULL"
            " AND (SELECT count(*) FROM cases_subcase s WHERE s.case_id = c.id AND s.status = 'approved') = %s",
            (len(BY_CODE),),
        ).fetchone()
        return int(row[0]) if row else 0


def open_runner(url: str) -> OneGoRunner:
    return OneGoRunner(url)


def person_id(number: int) -> str:
    from onego.core.validators import id_number_check_char

    body = f"52010219900307{number % 1000:03d}"
    return body + id_number_check_char(body)


class OneGoRunner:
    def __init__(self, url: str) -> None:
        _setup(url)
        register_rules()
        from django.contrib.auth import get_user_model
        from django.db import connection

        users = {u.username: u for u in get_user_model().objects.filter(username__in=[*STAFF, APPLICANT])}
        missing = sorted({*STAFF, APPLICANT} - users.keys())
        if missing:
            raise WorkflowError(f"users missing (prepare() not run?): {missing}")
        self.applicant = users[APPLICANT]
        self.clerk = users["bench-clerk"]
        self.lead = users["bench-lead"]
        self.officers = {"nm-scjg": users["bench-scjg"], "gy-xf": users["bench-xf"]}
        self.case_ids: dict[int, Any] = {}
        self.subcase_ids: dict[int, dict[str, Any]] = {}
        self._writes = 0
        self._statements = 0
        # Installed for the life of the process: every statement Django runs on this connection.
        self._counting = connection.execute_wrapper(self._count)
        self._counting.__enter__()

    def _count(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        times = len(params) if many and params is not None else 1
        self._statements += times
        if is_write(sql):
            self._writes += times
        return execute(sql, params, many, context)

    def writes(self) -> int:
        return self._writes

    def statements(self) -> int:
        return self._statements

    def close(self) -> None:
        from django.db import connection

        self._counting.__exit__(None, None, None)
        connection.close()

    def do(self, number: int, action: Action) -> None:
        if action.kind == "submit":
            self._submit(number)
        elif action.kind == "accept":
            self._accept(number)
        elif action.kind == "approve":
            from onego.cases.services.decisions import subcase_approve

            officer = self.officers[BY_CODE[action.code].department]
            subcase_approve(actor=officer, subcase_id=self.subcase_ids[number][action.code], opinion="同意")
        elif action.kind == "callback":
            self._callback(number, action.code)
        else:
            from onego.cases.services.conclusion import case_issue_conclusion

            case_issue_conclusion(actor=self.lead, case_id=self.case_ids[number])

    def _submit(self, number: int) -> None:
        from onego.cases.services.submission import ApplicantIn, ContactIn, MaterialIn, case_submit
        from onego.cases.workflow import CaseStatus

        data = application(number)
        identifier = person_id(number)
        result = case_submit(
            actor=self.applicant,
            package_code=PACKAGE,
            region_code=REGION,
            applicant=ApplicantIn(kind="person", identifier=identifier, name=str(data["person_name"])),
            idempotency_key=f"bench-case-{number:010d}",
            channel="web",
            form_data={
                "person.name": data["person_name"],
                "person.id_number": identifier,
                "enterprise.name": data["enterprise_name"],
                "premises.area": data["premises_area"],
                "bank.account_type": data["bank_account_type"],
            },
            # What the data exchange attached when it prefilled these fields.
            verified={
                "person.name": f"population:bench-{number}",
                "person.id_number": f"population:bench-{number}",
                "enterprise.name": f"enterprise:bench-{number}",
            },
            materials=[MaterialIn(code="resident_id_card", reference=f"population:bench-{number}")],
            contact=ContactIn(phone="13812345678"),
        )
        if result.case.status != CaseStatus.PRE_REVIEWED:
            raise WorkflowError(f"case {number}: pre-review left it {result.case.status}")
        self.case_ids[number] = result.case.pk

    def _callback(self, number: int, code: str) -> None:
        """The bank reports the step done: a signed callback, as the partner API receives it."""
        from onego.cases import webhooks
        from onego.cases.models import PartnerDelivery
        from onego.cases.services.partner_callbacks import partner_callback_receive

        # The delivery id the bank was sent when the step started (in the dispatched payload).
        delivery = (
            PartnerDelivery.objects.filter(subcase_id=self.subcase_ids[number][code])
            .values_list("pk", flat=True)
            .first()
        )
        if delivery is None:
            raise WorkflowError(f"case {number}: {code} was never dispatched to the partner")
        body = json.dumps(
            {
                "id": f"bench-callback-{number:010d}",
                "delivery": str(delivery),
                "outcome": "done",
                "reference": f"CCB-{number:08d}",
                "message": "已预约开户",
            },
            ensure_ascii=False,
        ).encode()
        headers = webhooks.sign(PARTNER_SECRET, body, now=time.time())
        result = partner_callback_receive(
            partner_code=PARTNER,
            body=body,
            timestamp=headers[webhooks.TIMESTAMP_HEADER],
            signature=headers[webhooks.SIGNATURE_HEADER],
        )
        if result.status != "applied":
            raise WorkflowError(f"case {number}: the callback was {result.status}")

    def _accept(self, number: int) -> None:
        from onego.cases.models import SubCase
        from onego.cases.services.acceptance import case_accept

        case = case_accept(actor=self.clerk, case_id=self.case_ids[number])
        # The ids an officer's inbox would show; the services take a sub-case id.
        self.subcase_ids[number] = dict(SubCase.objects.filter(case=case).values_list("code", "pk"))
        if set(self.subcase_ids[number]) != set(BY_CODE):
            raise WorkflowError(f"case {number}: sub-cases {sorted(self.subcase_ids[number])}")


def sequence(url: str) -> int:
    """The ledger's sequencer, as `onego ledger sequence` runs it (the benchmark runs it every second
    in a process of its own during the timed phase)."""
    _setup(url)
    from onego.ledger.sequencer import ledger_sequence

    return ledger_sequence().sealed


def check_ledger(url: str) -> dict[str, int]:
    """After the run: `onego ledger verify` over the log as the run left it (pending entries checked
    against their promises), then sealed and verified again."""
    _setup(url)
    from onego.ledger.sequencer import ledger_sequence
    from onego.ledger.verify import verify_ledger

    before = verify_ledger()
    if not before.ok:
        raise RuntimeError(f"ledger after the run: {before.summary()}")
    ledger_sequence()
    after = verify_ledger()
    if not after.ok or after.pending:
        raise RuntimeError(f"ledger after sealing: {after.summary()}")
    return {"entries": after.entries, "pending_after_run": before.pending}
