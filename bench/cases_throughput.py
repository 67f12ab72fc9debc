"""Cases concluded per second: OneGo's case services against SpiffWorkflow and a raw-SQL floor.

    .venv/bin/python -m bench.cases_throughput [--cases 300] [--workers 4] [--seed 1]
                                               [--postgres-url URL] [--runners raw,obligations,spiff,onego]

Starts a throw-away PostgreSQL on a free loopback port (or uses --postgres-url, creating and
dropping its own databases there), gives each runner its own database, and drives the same
workload (bench/workload.py) through each runner in turn: K worker processes, each taking every
K-th case from submission to conclusion. It prints one table — cases concluded per second, p50/p99
latency of submit and of approve, INSERT/UPDATE/DELETE statements per case, and each runner's
throughput as a fraction of raw SQL's — and checks afterwards, in each database, that every case
was concluded with all sub-cases approved. Numbers are ratios against the floor measured in the
same run on the same machine; they are never assertions. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import math
import multiprocessing as mp
import os
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from queue import Empty
from typing import Any

from bench import pg
from bench.workload import SUBCASES, case_actions

RUNNERS = {
    "raw": "bench.runners.raw_sql",
    "obligations": "bench.runners.raw_obligations",
    "spiff": "bench.runners.spiff",
    "onego": "bench.runners.onego",
}
SETUP_TIMEOUT = 300.0
# The ledger's sequencer runs this often, in its own process, during the timed phase of the runners
# that have one (OneGo and the obligations runner: entries pending with a promise, sealed in batches).
SEQUENCE_EVERY = 1.0


@dataclass
class RunResult:
    runner: str
    name: str
    cases: int
    workers: int
    seconds: float
    cases_per_second: float
    writes_per_case: float
    statements_per_case: float
    per_case_by_action: dict[str, dict[str, float]] = field(default_factory=dict)
    latencies_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    state_bytes: int = 0
    concluded: int = 0
    rounds_cases_per_second: list[float] = field(default_factory=list)
    ledger: dict[str, int] = field(default_factory=dict)  # entries, and how many were pending at the end


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Tally:
    """What a worker measured: latency of every action, and statements/writes by kind of action."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    writes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statements: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _drive(runner: Any, number: int, seed: int, tally: Tally | None) -> None:
    for action in case_actions(random.Random(f"{seed}:{number}")):
        writes, statements = runner.writes(), runner.statements()
        began = time.perf_counter()
        runner.do(number, action)
        took = time.perf_counter() - began
        if tally is not None:
            tally.latencies[action.kind].append(took)
            tally.writes[action.kind] += runner.writes() - writes
            tally.statements[action.kind] += runner.statements() - statements


def _worker(
    module: str,
    url: str,
    numbers: list[int],
    warmup: list[int],
    seed: int,
    barrier: Any,
    results: Any,
    data_dir: str,
) -> None:
    os.environ["ONEGO_DATA_DIR"] = data_dir
    try:
        runner = importlib.import_module(module).open_runner(url)
        for number in warmup:  # first-use costs (imports, caches, prepared statements) out of the timing
            _drive(runner, number, seed, None)
    except BaseException:
        results.put({"error": traceback.format_exc()})
        barrier.abort()
        return
    try:
        barrier.wait(timeout=SETUP_TIMEOUT)
    except threading.BrokenBarrierError:
        runner.close()
        return
    tally = Tally()
    try:
        # CLOCK_MONOTONIC is system-wide on Linux, so start and end compare across processes.
        start = time.monotonic()
        for number in numbers:
            _drive(runner, number, seed, tally)
        end = time.monotonic()
        results.put(
            {
                "start": start,
                "end": end,
                "cases": len(numbers),
                "latencies": dict(tally.latencies),
                "writes": dict(tally.writes),
                "statements": dict(tally.statements),
                "state_bytes": getattr(runner, "state_bytes", 0),
            }
        )
    except BaseException:
        results.put({"error": traceback.format_exc()})
    finally:
        runner.close()


def _prepare(module: str, url: str, data_dir: str) -> None:
    os.environ["ONEGO_DATA_DIR"] = data_dir
    importlib.import_module(module).prepare(url)


def _sequencer(module: str, url: str, stop: Any, data_dir: str) -> None:
    os.environ["ONEGO_DATA_DIR"] = data_dir
    runner = importlib.import_module(module)
    while not stop.wait(SEQUENCE_EVERY):
        runner.sequence(url)


def _check_ledger(module: str, url: str, data_dir: str, results: Any) -> None:
    os.environ["ONEGO_DATA_DIR"] = data_dir
    try:
        results.put(importlib.import_module(module).check_ledger(url))
    except BaseException:
        results.put({"error": traceback.format_exc()})


def _in_process(ctx: Any, target: Any, *args: Any) -> dict[str, Any]:
    """Run `target(*args, queue)` in a fresh process (Django is set up per database) and return what it put."""
    results = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, results))
    proc.start()
    report: dict[str, Any] = results.get(timeout=SETUP_TIMEOUT)
    proc.join()
    return report


def run_one(
    label: str, url: str, *, cases: int, workers: int, seed: int, warmup: int, data_dir: str
) -> RunResult:
    module_name = RUNNERS[label]
    module = importlib.import_module(module_name)
    ctx = mp.get_context("spawn")
    prep = ctx.Process(target=_prepare, args=(module_name, url, data_dir))
    prep.start()
    prep.join()
    if prep.exitcode != 0:
        raise RuntimeError(f"{label}: preparing the database failed (exit {prep.exitcode})")

    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    procs = []
    for w in range(workers):
        numbers = list(range(w, cases, workers))
        warm = [cases + w * warmup + i for i in range(warmup)]
        procs.append(
            ctx.Process(
                target=_worker, args=(module_name, url, numbers, warm, seed, barrier, results, data_dir)
            )
        )
    for p in procs:
        p.start()
    stop = ctx.Event()
    sequencer = None
    if hasattr(module, "sequence"):
        sequencer = ctx.Process(target=_sequencer, args=(module_name, url, stop, data_dir))
        sequencer.start()
    reports: list[dict[str, Any]] = []
    try:
        # A broken barrier means a worker failed during setup; its report below says why.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=SETUP_TIMEOUT)
        while len(reports) < workers:
            try:
                report = results.get(timeout=5)
            except Empty:
                if not any(p.is_alive() for p in procs):
                    raise RuntimeError(f"{label}: workers exited without reporting") from None
                continue
            if "error" in report:
                raise RuntimeError(f"{label}: a worker failed:\n{report['error']}")
            reports.append(report)
    finally:
        stop.set()
        for p in [*procs, *([sequencer] if sequencer is not None else [])]:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
                p.join()

    seconds = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    merged: dict[str, list[float]] = defaultdict(list)
    writes: dict[str, int] = defaultdict(int)
    statements: dict[str, int] = defaultdict(int)
    for r in reports:
        for kind, values in r["latencies"].items():
            merged[kind].extend(values)
        for kind, n in r["writes"].items():
            writes[kind] += n
        for kind, n in r["statements"].items():
            statements[kind] += n
    done = module.concluded(url)
    expected = cases + workers * warmup
    if done != expected:
        raise RuntimeError(f"{label}: {done} cases concluded in the database, expected {expected}")
    ledger: dict[str, int] = {}
    if hasattr(module, "check_ledger"):
        # Verified as the run left it (pending entries against their promises), then sealed and
        # verified again: a run whose ledger does not check out gives no figures.
        ledger = _in_process(ctx, _check_ledger, module_name, url, data_dir)
        if "error" in ledger:
            raise RuntimeError(f"{label}: the ledger does not verify:\n{ledger['error']}")
    return RunResult(
        runner=label,
        name=module.NAME,
        cases=cases,
        workers=workers,
        seconds=seconds,
        cases_per_second=cases / seconds,
        writes_per_case=sum(writes.values()) / cases,
        statements_per_case=sum(statements.values()) / cases,
        per_case_by_action={
            kind: {"writes": writes[kind] / cases, "statements": statements[kind] / cases}
            for kind in sorted(statements)
        },
        latencies_ms={
            kind: {
                "n": len(v),
                "p50": percentile(v, 50) * 1000,
                "p99": percentile(v, 99) * 1000,
                "mean": sum(v) / len(v) * 1000,
            }
            for kind, v in sorted(merged.items())
        },
        state_bytes=max(r["state_bytes"] for r in reports),
        concluded=done,
        ledger=ledger,
    )


def median_run(runs: Sequence[RunResult]) -> RunResult:
    """The round with the median throughput (the lower middle one for an even count), with every
    round's throughput attached."""
    ordered = sorted(runs, key=lambda r: r.cases_per_second)
    chosen = ordered[(len(ordered) - 1) // 2]
    chosen.rounds_cases_per_second = [r.cases_per_second for r in runs]
    return chosen


def ratios(results: Sequence[RunResult]) -> dict[str, float | None]:
    """The issue's three targets as ratios of this run (None when a runner was not run):
    OneGo/SpiffWorkflow cases/s (target ≥ 1.0), OneGo/(raw + obligations) cases/s (≥ 0.6), OneGo's
    statements per case / the obligations runner's (≤ 1.2)."""
    by = {r.runner: r for r in results}
    onego, spiff, obligations = by.get("onego"), by.get("spiff"), by.get("obligations")

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 4) if a is not None and b else None

    return {
        "onego_vs_spiff_cases_per_second": ratio(
            onego and onego.cases_per_second, spiff and spiff.cases_per_second
        ),
        "onego_vs_obligations_cases_per_second": ratio(
            onego and onego.cases_per_second, obligations and obligations.cases_per_second
        ),
        "onego_vs_obligations_statements_per_case": ratio(
            onego and onego.statements_per_case, obligations and obligations.statements_per_case
        ),
    }


def table(results: Sequence[RunResult]) -> str:
    floor = next((r.cases_per_second for r in results if r.runner == "raw"), None)
    head = (
        f"{'runner':<34} {'cases/s':>8} {'submit p50':>10} {'p99':>8} {'approve p50':>11} {'p99':>8}"
        f" {'writes/case':>11} {'stmts/case':>10} {'vs raw SQL':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        sub, app = r.latencies_ms.get("submit", {}), r.latencies_ms.get("approve", {})
        ratio = f"{r.cases_per_second / floor:.2f}×" if floor else "—"
        lines.append(
            f"{r.name:<34} {r.cases_per_second:>8.1f} {sub.get('p50', 0):>8.1f}ms {sub.get('p99', 0):>6.1f}ms"
            f" {app.get('p50', 0):>9.1f}ms {app.get('p99', 0):>6.1f}ms {r.writes_per_case:>11.1f}"
            f" {r.statements_per_case:>10.1f} {ratio:>10}"
        )
    return "\n".join(lines)


def machine(url: str) -> dict[str, Any]:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    versions = {}
    for dist in ("SpiffWorkflow", "Django", "psycopg"):
        try:
            from importlib.metadata import version

            versions[dist] = version(dist)
        except Exception:
            versions[dist] = "?"
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg.server_version(url),
        "python": platform.python_version(),
        **versions,
    }


@contextlib.contextmanager
def server(args: argparse.Namespace) -> Iterator[str]:
    if args.postgres_url:
        yield args.postgres_url
        return
    settings = ["synchronous_commit=off"] if args.async_commit else []
    with pg.throwaway_server(settings=settings) as url:
        yield url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=300, help="cases measured per runner (default 300)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent worker processes (default 4)")
    parser.add_argument("--seed", type=int, default=1, help="orders the parallel steps of each case")
    parser.add_argument("--warmup", type=int, default=2, help="untimed cases per worker first (default 2)")
    parser.add_argument(
        "--postgres-url", help="an existing server (admin URL); its own databases are created and dropped"
    )
    parser.add_argument(
        "--runners",
        default="raw,obligations,spiff,onego",
        help="comma-separated: raw, obligations, spiff, onego",
    )
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="throw-away server with synchronous_commit=off (commits stop waiting for the WAL flush)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every runner this many times, alternating, each on a fresh database; report the median",
    )
    parser.add_argument("--json", help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    labels = [x.strip() for x in args.runners.split(",") if x.strip()]
    unknown = sorted(set(labels) - RUNNERS.keys())
    if unknown or not labels:
        parser.error(f"unknown runners: {unknown}; choose from {sorted(RUNNERS)}")
    if args.cases < 1 or args.workers < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--cases, --workers and --rounds must be at least 1, --warmup at least 0")

    data_dir = tempfile.mkdtemp(prefix="onego-bench-data-")
    results: list[RunResult] = []
    try:
        names = [f"{label}_{r}" for r in range(args.rounds) for label in labels]
        with server(args) as admin, pg.databases(admin, names) as urls:
            info = machine(admin)
            print(
                f"{len(SUBCASES)} sub-cases per case; {args.cases} cases per runner, {args.workers} workers,"
                f" seed {args.seed}, warm-up {args.warmup} per worker, {args.rounds} round(s)"
                f"{', synchronous_commit=off' if args.async_commit else ''}",
                flush=True,
            )
            print(
                "machine: " + ", ".join(f"{k} {v}" for k, v in info.items()),
                flush=True,
            )
            runs: dict[str, list[RunResult]] = defaultdict(list)
            # Rounds alternate the runners, so a burst of load from elsewhere hits all of them.
            for round_no in range(args.rounds):
                for label in labels:
                    print(f"… {label}", end="", flush=True)
                    result = run_one(
                        label,
                        urls[f"{label}_{round_no}"],
                        cases=args.cases,
                        workers=args.workers,
                        seed=args.seed,
                        warmup=args.warmup,
                        data_dir=data_dir,
                    )
                    print(f" {result.seconds:.1f} s, {result.cases_per_second:.1f} cases/s", flush=True)
                    runs[label].append(result)
            results = [median_run(runs[label]) for label in labels]
        print()
        print(table(results))
        found = ratios(results)
        print("ratios: " + ", ".join(f"{k} {'—' if v is None else f'{v:.2f}'}" for k, v in found.items()))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(
                    {
                        "args": vars(args),
                        "machine": info,
                        "load_average": list(os.getloadavg()),
                        "results": [asdict(r) for r in results],
                        "ratios": found,
                    },
                    f,
                    ensure_ascii=False,
                    indent=2,
                )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
