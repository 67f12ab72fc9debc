"""OneGo itself: the workload driven through the real case services on PostgreSQL.

Each worker process sets up Django against the runner's database and calls the services the API and
the web views call, as the people who would: the applicant files online the way a channel does — a draft,
consent and one-click prefill through the data exchange (`onego.applications.consent`, reading the
applicants `bench.seed_people.seed_applicants` put in the simulated registries), then the draft submitted
with the prefilled values and the material reference the exchange verified, so the server marks them
verified — a window clerk accepts, an officer of each department approves its sub-case
(the benchmark's items are sole-approver items, so approving is one call, no separate claim), the
bank reports its step done with a signed callback (`partner_callback_receive`, what the partner API
calls; its endpoint is the simulated `local:` one), and the lead department's officer issues the
conclusion. Instant approvals (秒批) are decided by the engine when the sub-case becomes ready, by the
`instant_rule` the benchmark's catalog declares for its two instant items (bench/catalog/catalog.yaml),
over the values the exchange verified.

Writes are counted with `connection.execute_wrapper`: every INSERT/UPDATE/DELETE Django executes,
including the history rows, the ledger, the notification outbox, the partner delivery and the
tasks it enqueues (which the benchmark does not run: they are a worker's job, after commit).
"""

from __future__ import annotations

import base64
import datetime as dt
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
# What the exchange prefills from the registries (the contract below allows it); the rest is typed.
PREFILLED = ("person.name", "person.id_number", "enterprise.name")


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


def prepare(url: str) -> None:
    _setup(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bench.seed_people import seed_applicants
    from onego.accounts.models import Membership
    from onego.cases.services.partners import partner_endpoint_set
    from onego.catalog.models import Department, Package
    from onego.catalog.services import catalog_import
    from onego.exchange.preview import package_purpose
    from onego.exchange.services import contract_publish

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
    # The exchange's side: the sharing contract that lets the package read what it prefills (published
    # as an administrator would), and the applicants' records in the simulated registries.
    contract_publish(
        code="pkg.open-restaurant-bench",
        consumer_kind="package",
        consumer_code=PACKAGE,
        purpose=package_purpose(Package.objects.get(code=PACKAGE).name),
        elements=list(PREFILLED),
        materials=["resident_id_card"],
        licence_types=["business_licence"],
        valid_from=dt.date(2025, 1, 1),
        published_by="admin:bench",
    )
    seed_applicants()


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
        """As the portal files online: a draft, the applicant's consent and one-click prefill through the
        exchange (which reads the registries seeded by `bench.seed_people.seed_applicants`), then the draft
        submitted with the prefilled values, the two the applicant types, and the material reference the
        exchange verified. The server marks what it verified; nothing is claimed by the runner."""
        from onego.applications.consent import application_consent, application_prefill
        from onego.cases.services.submission import (
            ApplicantIn,
            ContactIn,
            MaterialIn,
            case_submit,
            case_submit_draft,
        )
        from onego.cases.workflow import CaseStatus

        data = application(number)
        draft = case_submit(
            actor=self.applicant,
            package_code=PACKAGE,
            region_code=REGION,
            applicant=ApplicantIn(kind="person", identifier=person_id(number), name=str(data["person_name"])),
            idempotency_key=f"bench-case-{number:010d}",
            channel="web",
            contact=ContactIn(phone="13812345678"),
            draft=True,
        ).case
        consent = application_consent(user=self.applicant, case_id=draft.pk, agree=True)
        outcome = application_prefill(user=self.applicant, case_id=draft.pk, consent_id=consent.pk)
        references = {m["material"]: m["reference"] for m in outcome.materials_verified}
        missing = sorted(set(PREFILLED) - outcome.values.keys()) + sorted(
            {"resident_id_card"} - references.keys()
        )
        if missing:
            raise WorkflowError(f"case {number}: the exchange did not verify {missing}")
        case = case_submit_draft(
            actor=self.applicant,
            case_id=draft.pk,
            form_data={
                **{code: outcome.values[code]["value"] for code in PREFILLED},
                "premises.area": data["premises_area"],
                "bank.account_type": data["bank_account_type"],
            },
            materials=[MaterialIn(code=code, reference=ref) for code, ref in references.items()],
        )
        if case.status != CaseStatus.PRE_REVIEWED:
            raise WorkflowError(f"case {number}: pre-review left it {case.status}")
        if not set(PREFILLED) <= set(case.verified):
            raise WorkflowError(f"case {number}: verified only {sorted(case.verified)}")
        self.case_ids[number] = case.pk

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
