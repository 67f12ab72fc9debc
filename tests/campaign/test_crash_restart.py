"""Crash safety with a database restart (SECURITY.md TM-14): several gunicorn servers (OneGo's production
configuration, synchronous workers) on a throw-away PostgreSQL cluster this test creates itself; several
clients submit and accept applications concurrently, each retrying with its idempotency key whenever no
answer (or a server error) comes back; meanwhile gunicorn workers and whole gunicorn instances are killed
with SIGKILL at random, and the PostgreSQL server is stopped in immediate mode (no checkpoint: crash
recovery at the next start) and started again. Some clients give up after their first failure (the citizen
closed the browser).

Afterwards, read from the cluster in a process of its own (tests/campaign/crash_facts.py):

* every acknowledged submission exists exactly once, as the case the answer named; no key has two cases;
* every case written — acknowledged or given up on — is whole: its history leads from the draft to its
  status, its four materials are stored with their SHA-256, every sub-case has its history; what a client
  gave up on exists whole or not at all;
* every acknowledged acceptance happened once: one `accept` transition, one ledger entry, five sub-cases,
  its notices (SMS and e-mail) queued;
* `onego ledger verify` is ok with the entries not yet sealed (each checked against its signed promise),
  and again after `onego ledger sequence` sealed them;
* the tasks drain: after `onego cases tick` and one `db_worker --batch`, nothing is ready, running or
  failed, and every notice was sent.

Quick profile (PostgreSQL leg of `make test`): 16 submissions from 4 clients over 3 servers × 2 workers,
3 kills, 1 restart, derandomized. Long profile: `ONEGO_CAMPAIGN_CRASH_KEYS=N` (`make campaign`): a kill
every 8 acknowledged submissions, a restart every 60, a random seed (printed; `ONEGO_CAMPAIGN_CRASH_SEED`
repeats it).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onego.core import clock
from tests.campaign.cluster import Cluster, postgres_bin
from tests.cases.processes import (
    ROOT,
    Processes,
    _real_now,
    free_port,
    processes,
    shared_database,
    wait_until,
)
from tests.cases.test_process_kill import CSRF, submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

LONG_KEYS = int(os.environ.get("ONEGO_CAMPAIGN_CRASH_KEYS", "0"))  # test knobs, like ONEGO_CAMPAIGN_STEPS
SEED = int(os.environ.get("ONEGO_CAMPAIGN_CRASH_SEED", "0")) or (
    random.randrange(1, 10**6) if LONG_KEYS else 19
)
CLIENTS, SERVERS, WORKERS = 4, 3, 2
PREFIX = "crash-"
WORKER = ["db_worker", "--no-reload", "--no-startup-delay", "--batch"]


# --- the servers -------------------------------------------------------------------------------------


@dataclass
class Server:
    """One gunicorn instance (master + WORKERS synchronous workers) in a process group of its own."""

    procs: Processes
    port: int
    starts: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.starts += 1
        log = (self.procs.logs / f"gunicorn-{self.port}-{self.starts}.log").open("wb")
        self.procs._files.append(log)
        args = [sys.executable, "-m", "tests.campaign.crash_child", str(self.procs.offset.total_seconds())]
        # --preload: the master imports the application once and forks its workers (a killed worker is back at once)
        args += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS), "--preload"]
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=self.procs.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def workers(self) -> list[int]:
        assert self.proc is not None
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def kill_worker(self, rng: random.Random) -> bool:
        """SIGKILL one worker (gunicorn's master forks a new one); False when none is running."""
        pids = self.workers()
        if not pids:
            return False
        try:
            os.kill(rng.choice(pids), signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def kill_all(self) -> None:
        """SIGKILL the master and its workers at once (the machine's OOM killer, a crashed container)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


# --- the clients -------------------------------------------------------------------------------------


def call(
    port: int, session: str, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any]:
    """(status, JSON or None); status 0 when no answer came back (reset, refused, cut off)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            method,
            path,
            body=None if body is None else json.dumps(body).encode(),
            headers={
                "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
                "Content-Type": "application/json",
                **headers,
            },
        )
        res = conn.getresponse()
        data = res.read()
    except (OSError, http.client.HTTPException):
        return 0, None
    finally:
        conn.close()
    try:
        return res.status, json.loads(data) if data else None
    except ValueError:  # an HTML error page (the database went away before the API's handler ran)
        return res.status, None


def answers(port: int, session: str) -> bool:
    return call(port, session, "GET", "/api/v1/inbox")[0] == 200


@dataclass
class Run:
    """What the clients saw, shared by their threads."""

    session: str
    ports: list[int]
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key → case id the answer named
    accepted: set[str] = field(default_factory=set)
    abandoned: set[str] = field(default_factory=set)  # given up after a failure, never acknowledged
    failures: Counter[str] = field(default_factory=Counter)  # "no answer", "500", …
    lost: list[str] = field(default_factory=list)  # committed although the answer never came back
    errors: list[str] = field(default_factory=list)
    done: int = 0

    def fail(self, status: int) -> None:
        with self.lock:
            self.failures["no answer" if status == 0 else str(status)] += 1

    def client(self, n: int, keys: list[str]) -> None:
        try:
            for i, key in enumerate(keys):
                gives_up = i % 3 == 2  # this one closes the browser after a failure
                case = self.submit(n + i, key, gives_up=gives_up)
                if case is not None:
                    self.accept(n + i, key, *case)
        except BaseException as exc:  # handed to the test thread
            with self.lock:
                self.errors.append(repr(exc))
        finally:
            with self.lock:
                self.done += 1

    def submit(self, start: int, key: str, *, gives_up: bool) -> tuple[str, int] | None:
        for attempt in range(400):
            port = self.ports[(start + attempt) % len(self.ports)]  # the next try goes to another server
            status, body = call(
                port, self.session, "POST", "/api/v1/cases", submission(), **{"Idempotency-Key": key}
            )
            if status in (200, 201):
                with self.lock:
                    if status == 200:
                        self.lost.append(f"submit {key}")
                    self.acknowledged[key] = body["id"]
                return body["id"], body["version"]
            if status and status < 500:
                with self.lock:
                    self.errors.append(f"submit {key}: {status} {body}")
                return None
            self.fail(status)
            if gives_up:
                with self.lock:
                    self.abandoned.add(key)
                return None
            time.sleep(0.2)
        with self.lock:
            self.errors.append(f"submit {key}: no answer after 400 tries")
        return None

    def accept(self, start: int, key: str, case_id: str, version: int) -> None:
        for attempt in range(400):
            port = self.ports[(start + attempt) % len(self.ports)]
            status, body = call(
                port, self.session, "POST", f"/api/v1/cases/{case_id}/accept", {"version": version}
            )
            if status == 409:
                # A retry after a lost answer: the first attempt committed, the version moved on.
                status, body = call(port, self.session, "GET", f"/api/v1/cases/{case_id}")
                if status != 200:
                    self.fail(status)
                    time.sleep(0.2)
                    continue
                if body["status"] != "in_progress" or not [
                    t for t in body["timeline"] if t["action"] == "accept"
                ]:
                    with self.lock:
                        self.errors.append(f"accept {key}: 409 but not accepted: {body['status']}")
                    return
                with self.lock:
                    self.lost.append(f"accept {key}")
            if status == 200:
                with self.lock:
                    self.accepted.add(key)
                return
            if status and status < 500:
                with self.lock:
                    self.errors.append(f"accept {key}: {status} {body}")
                return
            self.fail(status)
            time.sleep(0.2)
        with self.lock:
            self.errors.append(f"accept {key}: no answer after 400 tries")

    def failed(self) -> int:
        with self.lock:
            return sum(self.failures.values())

    def progress(self) -> int:
        with self.lock:
            return len(self.acknowledged) + len(self.abandoned)

    def reached(self, settled: int) -> bool:
        return self.finished() or self.progress() >= settled

    def failed_since(self, failed: int) -> bool:
        return self.finished() or self.failed() > failed

    def finished(self) -> bool:
        with self.lock:
            return self.done == CLIENTS


# --- chaos ---------------------------------------------------------------------------------------------


def plan(keys: int, rng: random.Random) -> list[tuple[int, str]]:
    """(after how many settled submissions, what): kills spread over the run, restarts in between."""
    if not LONG_KEYS:
        return [(2, "kill worker"), (6, "kill instance"), (8, "restart"), (11, "kill worker")]
    kills = [(at, rng.choice(["kill worker", "kill instance"])) for at in range(8, keys, 8)]
    restarts = [(at + 4, "restart") for at in range(60, keys, 60)] or [(keys // 2, "restart")]
    return sorted(kills + restarts)


def chaos(
    run: Run, servers: list[Server], cluster: Cluster, rng: random.Random, done: Counter[str], keys: int
) -> None:
    try:
        for at, action in plan(keys, rng):
            wait_until(functools.partial(run.reached, at), what=f"{at} settled", timeout=900)
            if run.finished():
                return
            if action == "restart":
                failed = run.failed()
                cluster.stop_immediately()
                # Down until a client has felt it (no timing: the clients keep sending all the while).
                wait_until(functools.partial(run.failed_since, failed), what="a failed request", timeout=120)
                cluster.start()
                cluster.restarts += 1
                done["restart"] += 1
                continue
            server = rng.choice(servers)
            if action == "kill worker" and server.kill_worker(rng):
                done["worker killed"] += 1
            else:
                server.kill_all()
                done["instance killed"] += 1
                server.start()  # the supervisor (systemd) starts it again; clients meanwhile try the others
    except BaseException as exc:
        with run.lock:
            run.errors.append(f"chaos: {exc!r}")


# --- the test ----------------------------------------------------------------------------------------


def facts(procs: Processes) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.campaign.crash_facts",
            PREFIX,
            (_real_now() + procs.offset).isoformat(),
        ],
        cwd=ROOT,
        env=procs.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_killed_servers_and_a_database_restart_lose_and_repeat_no_acknowledged_submission(
    staff: Any, tmp_path: Path
) -> None:
    pg = postgres_bin()
    if pg is None:
        pytest.skip("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) for a throw-away cluster")
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - started - sum(phases.values()), 1)

    client = Client()
    client.force_login(staff.clerk)
    session = client.cookies["sessionid"].value
    n_keys = LONG_KEYS or 16
    keys = [f"{PREFIX}{i:05d}" for i in range(n_keys)]
    rng = random.Random(SEED)
    cluster = Cluster(bin=pg)
    servers: list[Server] = []
    done: Counter[str] = Counter()
    try:
        cluster.create()
        cluster.load(shared_database(tmp_path).url)  # the catalog, the staff, the session: this test's rows
        phase("set-up and cluster")
        db = shared_database(tmp_path)
        db.url = cluster.url()
        with processes(db, tmp_path, at=clock.now()) as procs:
            servers = [Server(procs, free_port()) for _ in range(SERVERS)]
            for server in servers:
                server.start()
            for server in servers:
                wait_until(
                    functools.partial(answers, server.port, session),
                    what=f"gunicorn on port {server.port}",
                    timeout=120,
                    every=0.2,
                )
            phase("servers up")
            run = Run(session=session, ports=[s.port for s in servers])
            threads = [
                threading.Thread(target=run.client, args=(n, keys[n::CLIENTS])) for n in range(CLIENTS)
            ]
            chaos_thread = threading.Thread(target=chaos, args=(run, servers, cluster, rng, done, n_keys))
            for t in [*threads, chaos_thread]:
                t.start()
            for t in [*threads, chaos_thread]:
                t.join()
            for server in servers:
                server.kill_all()
            phase("run")
            assert not run.errors, run.errors
            before_seal = facts(procs)
            procs.run("drain and seal", ["cases", "tick"], WORKER, ["ledger", "sequence"], timeout=600)
            after = facts(procs)
            phase("drain, seal, checks")
        recovered = cluster.recovery_lines()
    finally:
        for server in servers:
            server.kill_all()
        cluster.remove()

    cases: dict[str, list[dict[str, Any]]] = after["cases"]
    figures = (
        f"crash campaign (seed {SEED}): {n_keys} submissions from {CLIENTS} clients over {SERVERS} gunicorn "
        f"× {WORKERS} workers; {done['worker killed']} workers and {done['instance killed']} instances "
        f"killed (SIGKILL), {done['restart']} PostgreSQL immediate stop + start; failed requests "
        f"{dict(run.failures)}; acknowledged {len(run.acknowledged)}, given up {len(run.abandoned)} "
        f"(written anyway: {len(set(cases) & run.abandoned)}); answers lost, work kept: {len(run.lost)}; "
        f"{after['ledger']['summary']} (before sealing: {before_seal['ledger']['summary']}); tasks {after['tasks']}; "
        f"{time.monotonic() - started:.0f} s ({phases})"
    )
    print("\n" + figures)
    assert done["restart"] >= 1, figures
    assert run.failed() >= 1, figures
    assert len(recovered) >= 1, "the restart was not a crash: no recovery in the server log"

    # Every acknowledged submission exactly once, as the case the answer named; no key twice.
    assert set(run.acknowledged) | run.abandoned == set(keys)
    assert {key: len(rows) for key, rows in cases.items() if len(rows) != 1} == {}
    assert {key: cases[key][0]["id"] for key in run.acknowledged} == run.acknowledged
    assert set(cases) <= set(keys)
    # Everything written is whole; what was given up on is whole or absent.
    for key, (case,) in cases.items():
        assert case["history"] == "", (key, case)
        assert case["materials"] == 4, (key, case)
        assert case["files"] == [], (key, case)
        assert case["subcases_without_history"] == 0, (key, case)
        if key in run.accepted:
            assert case["status"] == "in_progress", (key, case)
            assert case["accepts"] == 1, (key, case)
            assert case["ledger_entries"] == 1, (key, case)
            assert case["subcases"] == 5, (key, case)
            assert case["accepted_notices"] == ["email", "sms"], (key, case)
        else:
            assert case["accepts"] == 0, (key, case)
            assert case["ledger_entries"] == 0, (key, case)
    assert run.accepted == set(run.acknowledged)
    # The ledger verifies with its pending entries (promises) and once they are sealed.
    assert before_seal["ledger"]["ok"], before_seal["ledger"]
    assert before_seal["ledger"]["pending"] >= len(run.accepted), before_seal["ledger"]
    assert after["ledger"]["ok"], after["ledger"]
    assert after["ledger"]["pending"] == 0, after["ledger"]
    # The tasks drained: nothing ready, running or failed; every notice sent.
    assert after["tasks_due"] == {}, after["tasks"]
    assert after["tasks"].get("SUCCESSFUL", 0) > 0, after["tasks"]
    assert set(after["notifications"]) <= {"sent"}, after["notifications"]
