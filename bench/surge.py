"""Surge (动态适配): a burst of submissions, the queues over time, and how more task workers drain them.

Runs against the PostgreSQL and Redis of `make cluster WORKERS=0` (the cluster's own workers off, so
this script decides how many there are). For each worker count in --workers:

- a burst: --submitters processes file --cases cases as fast as they can, through the real path of the
  OneGo runner (bench/runners/onego.py: draft, consent + prefill through the exchange, submit);
- --clerks processes accept the oldest submitted case first, the whole time (a fixed staff);
- W `onego rqworker` processes run the tasks the submissions and acceptances enqueue on Redis (SMS and
  e-mail to applicants and officers, deadline checks, the bank's partner step);
- every --every seconds a sampler records the Redis queue depth (runnable jobs), the age of the oldest
  runnable job, the acceptance queue (submitted, not accepted: length and oldest age) and the officers'
  inboxes (sub-cases waiting for an officer: count and oldest age).

It stops when the burst is filed, the acceptance queue is empty and the Redis queue is drained, and prints
a timeline per worker count and a summary (peak depth, time to drain after the last enqueue, jobs/s).
Not a timed test: figures depend on the machine and its load; compare the rows of one run.

    make cluster WORKERS=0 &      # then, in another shell:
    set -a; . var/cluster/env; . var/cluster/data/secrets.env; set +a
    .venv/bin/python -m bench.surge --cases 150 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onego.settings")
    os.environ.setdefault("ONEGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _prepare() -> None:
    """The benchmark catalog, staff and seeded applicants (bench/runners/onego.prepare), once."""
    _django()
    from django.contrib.auth import get_user_model

    from bench.runners import onego

    if not get_user_model().objects.filter(username=onego.APPLICANT).exists():
        onego.prepare(os.environ["ONEGO_DATABASE_URL"])


def _submitter(numbers: list[int]) -> None:
    _django()
    from bench.runners.onego import OneGoRunner

    runner = OneGoRunner(os.environ["ONEGO_DATABASE_URL"])
    for number in numbers:
        runner._submit(number)
    runner.close()


def _clerk(stop_at: float) -> None:
    """Accepts the oldest submitted bench case, one after another, until the queue stays empty."""
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from onego.cases.models import Case
    from onego.cases.services.acceptance import case_accept
    from onego.cases.workflow import CaseStatus
    from onego.core.errors import OneGoError

    clerk = get_user_model().objects.get(username="bench-clerk")
    while time.time() < stop_at:
        pk = (
            Case.objects.filter(status=CaseStatus.PRE_REVIEWED, package__code="open-restaurant-bench")
            .order_by("submitted_at")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            if os.path.exists(os.environ["SURGE_DONE"]):
                break
            time.sleep(0.2)
            continue
        try:
            case_accept(actor=clerk, case_id=pk)
        except OneGoError:
            continue  # another clerk took it
    connection.close()


def _sample(t0: float) -> dict[str, Any]:
    import django_rq
    from django.db.models import Min
    from django.utils import timezone
    from django_tasks_rq.backend import Job

    from onego.cases.models import Case, SubCase
    from onego.cases.workflow import CaseStatus

    queue = django_rq.get_queue("default", job_class=Job)
    now = timezone.now()
    ids = queue.get_job_ids(0, 1)  # the head of the queue (offset, length)
    oldest_job = Job.fetch(ids[0], connection=queue.connection) if ids else None
    waiting = Case.objects.filter(status=CaseStatus.PRE_REVIEWED, package__code="open-restaurant-bench")
    # An officer's inbox: sub-cases waiting to be claimed, aged from their case's acceptance.
    inbox = SubCase.objects.filter(status="pending", case__package__code="open-restaurant-bench")
    acc = waiting.aggregate(oldest=Min("submitted_at"))["oldest"]
    ibx = inbox.aggregate(oldest=Min("case__accepted_at"))["oldest"]
    return {
        "t": round(time.time() - t0, 1),
        "queue": queue.count,
        "running": len(queue.started_job_registry),
        "oldest_job_s": round((now - oldest_job.enqueued_at).total_seconds(), 1)
        if oldest_job and oldest_job.enqueued_at
        else 0.0,
        "acceptance": waiting.count(),
        "acceptance_oldest_s": round((now - acc).total_seconds(), 1) if acc else 0.0,
        "inbox": inbox.count(),
        "inbox_oldest_s": round((now - ibx).total_seconds(), 1) if ibx else None,
        "finished": len(queue.finished_job_registry),
    }


def run_once(workers: int, args: argparse.Namespace, first: int) -> dict[str, Any]:
    import django_rq
    from django_tasks_rq.backend import Job

    queue = django_rq.get_queue("default", job_class=Job)
    queue.empty()
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    done_flag = Path(f"/tmp/onego-surge-{os.getpid()}-{workers}.done")
    done_flag.unlink(missing_ok=True)
    os.environ["SURGE_DONE"] = str(done_flag)
    t0 = time.time()
    onego = [str(Path(sys.executable).parent / "onego")]
    worker_procs = [
        subprocess.Popen([*onego, "rqworker", "default", "--with-scheduler", "-v", "0"], cwd=ROOT)
        for _ in range(workers)
    ]
    numbers = list(range(first, first + args.cases))
    ctx = mp.get_context("spawn")
    submitters = [
        ctx.Process(target=_submitter, args=(numbers[i :: args.submitters],)) for i in range(args.submitters)
    ]
    clerks = [ctx.Process(target=_clerk, args=(t0 + args.timeout,)) for _ in range(args.clerks)]
    for p in submitters + clerks:
        p.start()
    timeline: list[dict[str, Any]] = []
    burst_end = None
    drained_at = None
    while time.time() - t0 < args.timeout:
        time.sleep(args.every)
        sample = _sample(t0)
        timeline.append(sample)
        if burst_end is None and not any(p.is_alive() for p in submitters):
            burst_end = sample["t"]
            done_flag.touch()
        if (
            burst_end is not None
            and not any(p.is_alive() for p in clerks)
            and sample["queue"] == 0
            and sample["running"] == 0
        ):
            drained_at = sample["t"]
            break
    for p in submitters + clerks:
        p.join(timeout=5)
        if p.is_alive():
            p.terminate()
    for w in worker_procs:
        w.send_signal(signal.SIGTERM)
    for w in worker_procs:
        w.wait(timeout=30)
    done_flag.unlink(missing_ok=True)
    jobs = timeline[-1]["finished"] if timeline else 0
    return {
        "workers": workers,
        "cases": args.cases,
        "burst_s": burst_end,
        "drained_s": drained_at,
        "peak_queue": max((s["queue"] for s in timeline), default=0),
        "peak_oldest_job_s": max((s["oldest_job_s"] for s in timeline), default=0),
        "peak_acceptance": max((s["acceptance"] for s in timeline), default=0),
        "peak_acceptance_oldest_s": max((s["acceptance_oldest_s"] for s in timeline), default=0),
        "jobs_run": jobs,
        "jobs_per_s": round(jobs / drained_at, 1) if drained_at else None,
        "failed_jobs": len(queue.failed_job_registry),
        "timeline": timeline,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--workers", default="1,2,4", help="task worker counts to compare, comma-separated")
    parser.add_argument("--submitters", type=int, default=3)
    parser.add_argument("--clerks", type=int, default=2)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if os.environ.get("ONEGO_TASK_BACKEND") != "rq":
        parser.error("run against make cluster's Redis: source var/cluster/env first (ONEGO_TASK_BACKEND=rq)")
    _prepare()
    from django.db import connection

    from onego.cases.models import Case

    first = Case.objects.count() + 1  # fresh idempotency keys each run
    connection.close()
    results = []
    for n, workers in enumerate(int(w) for w in args.workers.split(",")):
        results.append(run_once(workers, args, first + n * args.cases))
        connection.close()
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for r in results:
        print(f"\n== {r['workers']} task worker(s), {r['cases']} cases")
        print(
            " t(s)  queue  running  oldest job(s)  acceptance  oldest waiting(s)  inbox  inbox oldest(s)  jobs done"
        )
        step = max(1, len(r["timeline"]) // 15)
        for s in r["timeline"][::step] + r["timeline"][-1:]:
            print(
                f"{s['t']:5.0f} {s['queue']:6d} {s['running']:8d} {s['oldest_job_s']:14.1f}"
                f" {s['acceptance']:11d} {s['acceptance_oldest_s']:18.1f} {s['inbox']:6d} {s['inbox_oldest_s'] or 0:16.1f}"
                f" {s['finished']:10d}"
            )
    print(
        "\nworkers | burst filed (s) | queue drained (s) | peak depth | oldest job peak (s) | acceptance peak | jobs | jobs/s | failed"
    )
    for r in results:
        print(
            f"{r['workers']} | {r['burst_s']} | {r['drained_s']} | {r['peak_queue']} | {r['peak_oldest_job_s']}"
            f" | {r['peak_acceptance']} | {r['jobs_run']} | {r['jobs_per_s']} | {r['failed_jobs']}"
        )


if __name__ == "__main__":
    main()
