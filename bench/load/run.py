"""The HTTP load test at rising concurrency: locust, headless, bounded in time, 127.0.0.1 only.

    DEMO=1 ONEGO_STAFF_OTP=0 make cluster WEB=4 WORKERS=1 PORT=8470 &    # the multi-process setup
    .venv/bin/python -m bench.load.run --port 8470 --users 5,10,20,40 --seconds 30

For each number of simulated users it runs bench/load/locustfile.py for --seconds (after --warmup
seconds not counted) and prints, per endpoint class, requests/s and p50/p95/p99 in ms, with the
`baseline /healthz` row (Django's floor on the same server, same run) beside them; then the knee: the
first step where total throughput grows less than 15 % while p95 more than doubles. Figures depend on
the machine and its load (report ratios); the test never leaves loopback.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_step(port: int, users: int, seconds: int, warmup: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "s")
        locust = Path(sys.executable).parent / "locust"
        cmd = [
            str(locust),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--only-summary",
            "-u",
            str(users),
            "-r",
            str(max(1, users)),
            "--run-time",
            f"{seconds + warmup}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            prefix,
            "--reset-stats" if warmup else "--stop-timeout=1",
        ]
        # --reset-stats resets when all users have spawned (spawn rate = users: after 1 s).
        subprocess.run(cmd, check=False, capture_output=True, timeout=seconds + warmup + 120)
        rows: dict[str, dict[str, float]] = {}
        with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["Name"] == "staff sign-in":
                    continue
                rows[row["Name"]] = {
                    "requests": float(row["Request Count"]),
                    "failures": float(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": float(row["50%"] or 0),
                    "p95": float(row["95%"] or 0),
                    "p99": float(row["99%"] or 0),
                }
        return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--users", default="5,10,20,40")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    steps = []
    for users in (int(u) for u in args.users.split(",")):
        rows = run_step(args.port, users, args.seconds, args.warmup)
        steps.append({"users": users, "rows": rows})
        total = rows.get("Aggregated", {})
        print(
            f"{users} users: {total.get('rps', 0):.1f} req/s, p95 {total.get('p95', 0):.0f} ms",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(steps, indent=1))
        return
    names = sorted({n for s in steps for n in s["rows"]} - {"Aggregated"}) + ["Aggregated"]
    print("| users | endpoint class | req/s | p50 ms | p95 ms | p99 ms | failures |")
    print("|---|---|---|---|---|---|---|")
    for s in steps:
        for name in names:
            r = s["rows"].get(name)
            if r:
                print(
                    f"| {s['users']} | {name} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f}"
                    f" | {int(r['failures'])} |"
                )
    knee = None
    for before, after in zip(steps, steps[1:], strict=False):
        a, b = before["rows"].get("Aggregated"), after["rows"].get("Aggregated")
        if a and b and b["rps"] < a["rps"] * 1.15 and b["p95"] > 2 * a["p95"]:
            knee = before["users"]
            break
    print(f"\nknee: {'at about ' + str(knee) + ' users' if knee else 'not reached in these steps'}")


if __name__ == "__main__":
    main()
