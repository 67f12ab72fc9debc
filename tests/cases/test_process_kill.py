"""Killing real processes with SIGKILL mid-run: the server in the middle of submissions and acceptances,
the worker in the middle of notifications and deadline checks. After a restart (and, for the worker,
the cron `onego cases tick`) every acknowledged submission exists once, no transition is half-applied,
every task's visible effect happened, once.

The processes share the test's database (tests/cases/processes.py); each test takes some 15-30 s.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import itertools
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from onego.cases.models import (
    Case,
    CaseTransition,
    Notification,
    SubCase,
    SubCaseKind,
    SubCaseTransition,
)
from onego.cases.services.acceptance import case_accept
from onego.cases.workflow import SUBCASE_ACTIVE, SUBCASE_PAUSED
from onego.core import clock
from onego.ledger.selectors import entries_for_subject
from onego.ledger.verify import verify_ledger
from tests.cases.conftest import MONDAY
from tests.cases.factories import PERSON_ID, full_form, submit
from tests.cases.processes import (
    Processes,
    free_port,
    in_progress,
    processes,
    shared_database,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = "k1llt3stk1llt3stk1llt3stk1llt3st"  # any 32 letters/digits: the cookie and the header must agree
SEND = "onego.cases.tasks.send_notification"
CHECK = "onego.cases.tasks.check_subcase_deadline"


# --- the server ---------------------------------------------------------------------------------


class Api:
    """The JSON API over real HTTP, signed in as a clerk (session cookie + CSRF token)."""

    def __init__(self, port: int, session: str) -> None:
        self.port, self.session = port, session

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        """(status, JSON); raises OSError / HTTPException when no answer came back."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                method,
                path,
                body=None if body is None else json.dumps(body).encode(),
                headers={
                    "Cookie": f"sessionid={self.session}; csrftoken={CSRF}",
                    "X-CSRFToken": CSRF,
                    "Content-Type": "application/json",
                    **headers,
                },
            )
            res = conn.getresponse()
            data = res.read()
        finally:
            conn.close()
        return res.status, json.loads(data) if data else None

    def ready(self) -> bool:
        try:
            return self.call("GET", "/api/v1/inbox")[0] == 200
        except (OSError, http.client.HTTPException):
            return False


def pdf(name: str) -> dict[str, str]:
    return {"filename": name, "content_base64": base64.b64encode(b"%PDF-1.4 " + name.encode()).decode()}


def submission() -> dict[str, Any]:
    return {
        "package": "open-restaurant",
        "region": "520102",
        "applicant": {"kind": "person", "identifier": PERSON_ID, "name": "张三"},
        "channel": "counter",
        "answers": {"has_licence": False, "floor_area": 500},
        "form": full_form(),
        "materials": [
            {"material": "resident_id_card", **pdf("id.pdf")},  # no consent here: the card is scanned
            {"material": "food_safety_plan", **pdf("plan.pdf")},
            {"material": "floor_plan", **pdf("floor.pdf")},
            {"material": "lease_contract", **pdf("lease.pdf")},
        ],
        "contact": {"phone": "13812345678", "email": "zhangsan@example.com"},
        # Sixteen applications of one applicant for one package: deliberate, not duplicates (cases/applications.py).
        "confirm_duplicate": True,
    }


NO_ANSWER = (OSError, http.client.HTTPException)


class Clerk:
    """Submits each key and accepts what was acknowledged; remembers which answers came back."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.lock = threading.Lock()
        self.submitted: dict[str, str] = {}  # key → case id, for every acknowledged submission
        self.accepted: set[str] = set()  # keys whose acceptance was acknowledged
        self.versions: dict[str, int] = {}
        self.errors: list[BaseException] = []
        self.answer_lost: list[str] = []  # what committed although its answer never came back

    def submit(self, key: str) -> int | None:
        try:
            status, body = self.api.call("POST", "/api/v1/cases", submission(), **{"Idempotency-Key": key})
        except NO_ANSWER:
            return None
        assert status in (200, 201), (key, status, body)
        with self.lock:
            if status == 200 and key not in self.submitted:
                self.answer_lost.append(f"submit {key}")
            assert self.submitted.setdefault(key, body["id"]) == body["id"], key
            self.versions[key] = body["version"]
        return status

    def accept(self, key: str) -> int | None:
        case_id = self.submitted[key]
        try:
            status, body = self.api.call(
                "POST", f"/api/v1/cases/{case_id}/accept", {"version": self.versions[key]}
            )
        except NO_ANSWER:
            return None
        if status == 409:
            # A retry after a lost answer: the first attempt committed, so the version moved on.
            status, body = self.api.call("GET", f"/api/v1/cases/{case_id}")
            assert body["status"] == "in_progress", body
            assert [t for t in body["timeline"] if t["action"] == "accept"], body["timeline"]
            self.answer_lost.append(f"accept {key}")
        assert status == 200, (key, status, body)
        with self.lock:
            self.accepted.add(key)
        return status

    def work(self, keys: list[str], *, threads: int = 3, pace: float = 0.0) -> None:
        """Submit and accept `keys` from `threads` threads; the n-th waits `n × pace` s before each acceptance.

        Threads of equal pace run in lock-step wherever the database lets writers run in parallel
        (PostgreSQL): three submissions, then three acceptances, so a submission and an acceptance are
        never in flight together; a start-up stagger does not hold, the first requests re-align them.
        Different paces make the threads drift through every phase of each other. SQLite's single
        writer staggers them by itself.
        """
        todo = iter(keys)

        def loop(wait: float) -> None:
            while True:
                with self.lock:
                    key = next(todo, None)
                if key is None:
                    return
                try:
                    if (key in self.submitted or self.submit(key) is not None) and key not in self.accepted:
                        time.sleep(wait)
                        self.accept(key)
                except BaseException as exc:  # handed to the test thread
                    with self.lock:
                        self.errors.append(exc)
                    return

        workers = [threading.Thread(target=loop, args=(n * pace,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()


def start_server(procs: Processes, session: str, *, slow: float = 0.0) -> tuple[Any, Path, Api]:
    port = free_port()
    proc, log = procs.start("server", ["runserver", "--noreload", f"127.0.0.1:{port}"], slow=slow)
    api = Api(port, session)

    def up() -> bool:
        assert proc.poll() is None, f"the server died:\n{log.read_text()}"
        return api.ready()

    wait_until(up, what=f"the server on port {port}", timeout=90, every=0.2)
    return proc, log, api


def assert_history_whole(case: Case) -> None:
    """The status is where the transition rows lead, step by step, from the draft."""
    history = list(CaseTransition.objects.filter(case=case))
    assert history, f"{case.reference}: a case without its history"
    assert history[0].action == "create"
    status = "draft"
    for row in history:
        assert row.from_status == status, (
            f"{case.reference}: {row.action} from {row.from_status}, not {status}"
        )
        status = row.to_status
    assert status == case.status, f"{case.reference}: history ends at {status}, the case says {case.status}"


def test_killing_the_server_mid_submission_loses_and_repeats_nothing(staff: Any, tmp_path: Path) -> None:
    client = Client()
    client.force_login(staff.clerk)
    session = client.cookies["sessionid"].value
    db = shared_database(tmp_path)
    db.push()
    keys = [f"kill-submit-{i:04d}" for i in range(16)]

    with processes(db, tmp_path, at=clock.now()) as procs:
        server, log, api = start_server(procs, session, slow=0.3)
        clerk = Clerk(api)
        run = threading.Thread(target=clerk.work, args=(keys,), kwargs={"pace": 0.15})
        run.start()

        def aimed() -> set[tuple[str, str]]:
            # A submission committed but not yet answered, and an acceptance written but not committed.
            inside = in_progress(log)
            ready = len(clerk.accepted) >= 4 and {what for what, _ in inside} >= {
                "submit-committed",
                "accept-uncommitted",
            }
            return inside if ready else set()

        inside = wait_until(aimed, what="a submission and an acceptance in flight together", every=0.01)
        procs.kill(server)  # SIGKILL
        run.join()
        assert not clerk.errors, clerk.errors
        acknowledged = dict(clerk.submitted)
        assert 4 <= len(clerk.accepted) < len(keys)
        unanswered = {key for what, key in inside if what == "submit-committed"}
        uncommitted = {case_id for what, case_id in inside if what == "accept-uncommitted"}
        assert not unanswered & set(acknowledged)

        _, _, clerk.api = start_server(procs, session)
        # Retry everything without an answer; re-send some acknowledged submissions as well.
        for key in list(acknowledged)[::3]:
            assert clerk.submit(key) == 200
        clerk.work(keys)
        assert not clerk.errors, clerk.errors
        assert set(clerk.submitted) == set(keys)
        assert clerk.accepted == set(keys)
        assert {k: clerk.submitted[k] for k in acknowledged} == acknowledged
    db.pull()
    # The retry found each committed-but-unanswered submission and returned it (200, not a new case);
    # each acceptance killed before its commit had left nothing, so its retry applied it (200, not 409).
    assert {f"submit {key}" for key in unanswered} <= set(clerk.answer_lost)
    by_id = {case_id: key for key, case_id in clerk.submitted.items()}
    assert not {f"accept {by_id[case_id]}" for case_id in uncommitted} & set(clerk.answer_lost)

    cases = Case.objects.filter(idempotency_key__startswith="kill-submit-")
    assert Counter(cases.values_list("idempotency_key", flat=True)) == dict.fromkeys(keys, 1)
    assert {c.idempotency_key: str(c.pk) for c in cases} == clerk.submitted
    distributed: set[frozenset[str]] = set()
    for case in cases:
        assert_history_whole(case)
        assert case.status == "in_progress"
        assert case.materials.count() == 4
        assert CaseTransition.objects.filter(case=case, action="accept").count() == 1
        assert entries_for_subject(f"case:{case.pk}").count() == 1  # one ledger entry per acceptance
        subcases = list(SubCase.objects.filter(case=case))
        distributed.add(frozenset(sc.code for sc in subcases))
        for sc in subcases:
            assert SubCaseTransition.objects.filter(subcase=sc).exists(), f"{case.reference}: {sc.code}"
        told = Notification.objects.filter(case=case, kind="accepted", to_applicant=True)
        assert sorted(told.values_list("channel", flat=True)) == ["email", "sms"]
    print(
        f"killed after {len(acknowledged)} answered submissions; answer lost, work kept: {clerk.answer_lost}"
    )
    assert len(distributed) == 1  # every case was distributed whole, to the same five items
    assert len(next(iter(distributed))) == 5
    # Every outbox row has its send task (they commit together).
    queued = Counter(
        a["args"][0]
        for a in DBTaskResult.objects.filter(task_path=SEND).values_list("args_kwargs", flat=True)
    )
    assert {str(pk) for pk in Notification.objects.values_list("pk", flat=True)} <= set(queued)
    assert verify_ledger().ok


# --- the worker ---------------------------------------------------------------------------------


def sms_keys(data_dir: Path) -> Counter[str]:
    path = data_dir / "sms.log"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return Counter(json.loads(line)["key"] for line in lines)


def email_keys(logs: Path) -> Counter[str]:
    """Message-IDs of the e-mails the workers printed (console back end), over every worker's log."""
    found: Counter[str] = Counter()
    for log in logs.glob("*worker*.log"):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Message-ID: <") and line.endswith("@onego>"):
                found[line[len("Message-ID: <") : -len("@onego>")]] += 1
    return found


def in_flight(*, known: Any) -> list[DBTaskResult[Any, Any]]:
    return list(DBTaskResult.objects.filter(status="RUNNING").exclude(pk__in=list(known)))


WORKER = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]


def test_killing_the_worker_mid_task_loses_and_repeats_no_visible_effect(staff: Any, tmp_path: Path) -> None:
    for i in range(6):
        case_accept(actor=staff.clerk, case_id=submit(staff.clerk, key=f"kill-worker-{i:04d}").case.pk)
    assert DBTaskResult.objects.filter(task_path=SEND).count() >= 12
    db = shared_database(tmp_path)
    db.push()
    # Two days on, just after the nightly check time: every promised date of the first items is past.
    overdue_at = dt.datetime(2026, 3, 4, 0, 10, tzinfo=MONDAY.tzinfo)
    killed: dict[Any, DBTaskResult[Any, Any]] = {}

    with processes(db, tmp_path, at=overdue_at) as procs:
        # First kill: a deadline check has written its escalation but not committed it.
        # Second kill: a notification is being handed to its channel.
        for aim in ("check-uncommitted", "send-unsent"):
            worker, log = procs.start("worker", WORKER, slow=0.3)

            def aimed(log: Path = log, aim: str = aim) -> set[str]:
                return {key for what, key in in_progress(log) if what == aim}

            inside = wait_until(aimed, what=f"the worker inside {aim}", every=0.01)
            procs.kill(worker)
            db.pull()
            flight = in_flight(known=killed)
            assert len(flight) == 1, flight  # the task it was running stays RUNNING (django-tasks-db)
            killed.update((r.pk, r) for r in flight)
            assert flight[0].args_kwargs["args"][0] in inside
            assert DBTaskResult.objects.filter(status="READY").exists(), "the queue ran dry before the kill"
        # The worker came back later; cron ran `onego cases tick` before it (every few minutes).
        procs.travel_to(overdue_at + dt.timedelta(minutes=15))
        out = procs.run("tick+worker", ["cases", "tick"], [*WORKER[:-2], "--batch"])
        assert "重新排队通知" in out
    db.pull()

    print("in flight at the kills:", [r.task_path.rsplit(".", 1)[1] for r in killed.values()])
    assert killed, "no task was in flight at either kill (the kill should land mid-task)"
    lost_sends = {r.args_kwargs["args"][0] for r in killed.values() if r.task_path == SEND}
    # Every due task ran: nothing ready is left; RUNNING rows are only the two killed in flight.
    assert not DBTaskResult.objects.ready().filter(run_after__lte=overdue_at).exists()
    assert {r.pk for r in DBTaskResult.objects.filter(status="RUNNING")} == set(killed)
    assert not DBTaskResult.objects.filter(status="FAILED").exists()

    # Every outbox row was sent, once in the database ...
    rows = Notification.objects.all()
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    sms = {str(pk) for pk in rows.filter(channel="sms").values_list("pk", flat=True)}
    email = {str(pk) for pk in rows.filter(channel="email").values_list("pk", flat=True)}
    sent_sms, sent_email = sms_keys(procs.data_dir), email_keys(procs.logs)
    # ... and on the wire: each message went out, and a second copy only of a message whose send was
    # cut between the gateway's answer and the commit (at-least-once; the key marks the duplicate).
    assert set(sent_sms) == sms
    assert set(sent_email) == email
    print("sent twice:", [k for k, n in (sent_sms + sent_email).items() if n > 1])
    for key, times in itertools.chain(sent_sms.items(), sent_email.items()):
        assert times == 1 or (times == 2 and key in lost_sends), (key, times)

    # Every deadline fired: each running item past its promised date escalated exactly once.
    due = SubCase.objects.filter(
        kind=SubCaseKind.ITEM, status__in=SUBCASE_ACTIVE, promised_due__lt=overdue_at.date()
    ).exclude(status__in=SUBCASE_PAUSED)
    assert due.count() >= 6  # at least one per case
    for sc in due:
        assert sc.warned_level == "overdue", sc
        assert SubCaseTransition.objects.filter(subcase=sc, action="escalate").count() == 1
        assert (
            CaseTransition.objects.filter(case=sc.case, action="escalate", reason__contains=sc.name).count()
            == 1
        )
        told = Notification.objects.filter(
            case=sc.case, kind="overdue", to_applicant=True, body__contains=sc.name
        )
        assert told.count() == 2  # SMS and e-mail, once each
