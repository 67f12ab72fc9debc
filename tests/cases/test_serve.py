"""`onego serve` — the whole service from one command — with real processes on the test's database.

The README's demo end to end: a case decided and its conclusion issued leave tasks in the queue; the
service's worker sends the SMS into the development outbox (ONEGO_DATA_DIR/sms.log) and produces the
conclusion PDF. Then the worker is killed and comes back, and one Ctrl-C (SIGINT) stops everything.
Waits are generous; nothing is timed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from onego.cases.models import Conclusion, Notification
from tests.cases.processes import free_port, shared_database, wait_until
from tests.cases.results_builders import ResultsStaff, concluded

pytestmark = pytest.mark.django_db(transaction=True)


def pids(log: Path, name: str) -> list[int]:
    text = log.read_text(errors="replace") if log.exists() else ""
    return [int(p) for p in re.findall(rf"started {name} \(pid (\d+)\)", text)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def sms_keys(data_dir: Path) -> set[str]:
    path = data_dir / "sms.log"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {json.loads(line)["key"] for line in lines}


def test_serve_runs_the_demo_end_to_end_restarts_a_killed_worker_and_stops_on_ctrl_c(
    cases_catalog: None, tmp_path: Path
) -> None:
    conclusion = concluded(ResultsStaff(), produce=False)  # its tasks wait in the queue
    expected_sms = {str(pk) for pk in Notification.objects.filter(channel="sms").values_list("pk", flat=True)}
    assert expected_sms
    database = shared_database(tmp_path)
    database.push()
    data_dir = tmp_path / "data"
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onego.settings",
        "ONEGO_DEBUG": "1",
        "ONEGO_DATABASE_URL": database.url,
        "ONEGO_DATA_DIR": str(data_dir),
        "ONEGO_LOG_LEVEL": "WARNING",
    }
    for name in ("ONEGO_PII_KEYS", "ONEGO_BLIND_INDEX_KEY", "ONEGO_SECRET_KEY"):
        env.pop(name, None)  # development keys from the development secret, like the test run
    argv = [
        sys.executable,
        "-m",
        "onego",
        "serve",
        "--no-reload",
        "--port",
        str(port),
        "--tick-interval",
        "0",
    ]
    with log.open("wb") as out:
        serve = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:

        def web_answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=10) as r:  # noqa: S310
                    return r.status == 200
            except OSError:
                return False

        wait_until(web_answers, what="the web server to answer", timeout=240, every=0.5)
        # The worker of the service did the queued work: SMS in the outbox, the conclusion PDF on disk.
        wait_until(lambda: sms_keys(data_dir) >= expected_sms, what="every SMS in sms.log", timeout=240)
        wait_until(
            lambda: list((data_dir / "media" / "conclusions").glob("*.pdf")),
            what="the conclusion PDF",
            timeout=240,
        )

        first = pids(log, "worker-1")[0]
        os.kill(first, signal.SIGKILL)
        restarted = wait_until(
            lambda: [p for p in pids(log, "worker-1") if p != first],
            what="the worker to restart",
            timeout=240,
        )
        assert "worker-1 exited with code -9; restarting in 1 s" in log.read_text()
        assert alive(restarted[0])
        assert serve.poll() is None  # the site kept serving meanwhile

        serve.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal does
        assert serve.wait(timeout=120) == 0
        everyone = pids(log, "web") + pids(log, "worker-1")
        assert len(everyone) == 3
        assert [p for p in everyone if alive(p)] == []
        assert "received SIGINT; stopping" in log.read_text()
    finally:
        for pid in [serve.pid, *pids(log, "web"), *pids(log, "worker-1")]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        serve.wait()

    database.pull()
    conclusion = Conclusion.objects.get(pk=conclusion.pk)
    assert conclusion.document.name.endswith(".pdf")
    assert (data_dir / "media" / conclusion.document.name).read_bytes().startswith(b"%PDF-")


def test_serve_production_runs_gunicorn_with_production_settings_and_stops_on_sigterm(
    db: None, tmp_path: Path
) -> None:
    import base64

    database = shared_database(tmp_path)
    database.push()
    key = base64.b64encode(bytes(range(32))).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="onego.settings",  # production defaults: DEBUG off, HTTPS redirect, HSTS
        ONEGO_SECRET_KEY="test-only-" + "k" * 50,
        ONEGO_PII_KEYS=f"k1:{key}",
        ONEGO_BLIND_INDEX_KEY=key,
        ONEGO_LEDGER_SIGNING_KEY=key,
        ONEGO_DATABASE_URL=database.url,
        ONEGO_DATA_DIR=str(tmp_path / "data"),
    )
    port = free_port()
    log = tmp_path / "serve.log"
    argv = [sys.executable, "-m", "onego", "serve", "--production", "--port", str(port), "--web-workers", "1"]
    argv += ["--tick-interval", "0"]
    with log.open("wb") as out:
        serve = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:

        def get(path: str) -> tuple[int, dict[str, str], bytes] | None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # follows no redirect
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                return r.status, dict(r.getheaders()), r.read()
            except OSError:
                return None
            finally:
                conn.close()

        status, headers, body = wait_until(
            lambda: get("/readyz"), what="gunicorn to answer", timeout=240, every=0.5
        )
        assert (status, json.loads(body)["status"]) == (200, "ready")
        assert headers["Server"] == "gunicorn"
        assert wait_until(lambda: pids(log, "worker-1"), what="the task worker", timeout=60)
        redirected = get("/")  # DEBUG off: plain HTTP is sent to HTTPS (the probes are exempt)
        assert redirected is not None
        assert redirected[0] == 301
        assert redirected[1]["Location"] == f"https://127.0.0.1:{port}/"
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=120) == 0
        assert [p for p in pids(log, "web") + pids(log, "worker-1") if alive(p)] == []
    finally:
        for pid in [serve.pid, *pids(log, "web"), *pids(log, "worker-1")]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        serve.wait()
