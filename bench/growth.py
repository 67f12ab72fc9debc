"""Growth (issue 14, deliver 5): the pages people work with, at 1 M and 10 M historical cases.

    .venv/bin/python -m bench.growth --data-dir /tmp/onego-growth --sizes 1000000        # then
    .venv/bin/python -m bench.growth --data-dir /tmp/onego-growth --sizes 10000000       # grows on

It runs its own throw-away PostgreSQL cluster (initdb under `--data-dir`, a free port on 127.0.0.1,
`fsync=off`: nothing here needs durability), started and stopped by the script; the directory is kept
between runs so that 10 M grows on top of 1 M (`--drop` removes it at the end).

1. **Set-up, once**: `onego migrate`, the starter catalog, the sharing contracts and `onego demo setup`
   (demo logins, identities and 1,200 finished historical cases compiled against the catalog like real
   ones: snapshot, sub-cases, departments, materials, transitions, conclusions).
2. **The working set, once**: a fixed number of live cases cloned from those — `--open` cases in progress
   (their item sub-cases waiting in the departments' inboxes) and `--queue` online submissions waiting for
   acceptance — plus a few cases of the demo applicant 王芳 (52010219940312902X). The working set does not
   grow with the history: officers' inboxes hold today's work, not the archive.
3. **History up to N**: finished cases cloned in SQL (`INSERT … SELECT … FROM generate_series`) from the
   1,200 templates with every row they own (sub-cases, case and sub-case transitions, materials,
   conclusions), new ids, references and idempotency keys, applicants drawn from N/4 synthetic blind
   indexes (about four cases each), and all times shifted back at a constant rate of `--per-day` cases a
   day: a bigger N is a longer past, as a deployment accumulates it.
4. **Measure** through Django's test client, the real views with their real selectors, signed in as the
   demo people (the applicant through the SMS code flow): the officer's inbox, the applicant's case list
   and a case page, the public search, the clerk's acceptance queue, the officer's case page (review of a
   sub-case) and the lead officer's list; one warm-up, then the median of `--repeat`. For each page the
   statement count and its slowest statement, with `EXPLAIN (ANALYZE, BUFFERS)` written to `--plans`.
5. **Sizes**: `pg_total_relation_size` per case table and bytes per case.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.pg import _as_postgres, free_port, pg_bin

ROOT = Path(__file__).resolve().parent.parent
ONEGO = ROOT / ".venv" / "bin" / "onego"
WANG = ("52010219940312902X", "13908510001")  # demo identity 王芳 (docs/demo-identities.md)
WORKING_BASE = 1_000_000_000  # clone numbers of the working set (history uses 1..N)
HISTORY_TABLES = [  # every row a finished case owns, cloned with it
    "cases_case",
    "cases_subcase",
    "cases_casetransition",
    "cases_subcasetransition",
    "cases_material",
    "cases_conclusion",
]
SERVER_SETTINGS = [
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "shared_buffers=1GB",
    "max_wal_size=8GB",
    "maintenance_work_mem=512MB",
    "work_mem=64MB",
    "max_connections=50",
]


# --- the server ---------------------------------------------------------------------------------------------


class Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = 0

    def start(self) -> str:
        binaries = pg_bin()
        fresh = not (self.data / "PG_VERSION").exists()
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        if fresh:
            subprocess.run(
                _as_postgres(
                    [str(binaries / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
                    + ["-E", "UTF8", "--locale=C.UTF-8"]
                ),
                check=True,
                capture_output=True,
            )
        self.port = free_port()
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-p {self.port}",
            f"-k {self.root}",
            *(f"-c {s}" for s in SERVER_SETTINGS),
        ]
        subprocess.run(
            _as_postgres(
                [str(binaries / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.root / "server.log")]
                + ["-o", " ".join(options), "start"]
            ),
            check=True,
            capture_output=True,
        )
        url = f"postgres://postgres@127.0.0.1:{self.port}/onego"
        if fresh:
            psql(url.rsplit("/", 1)[0] + "/postgres", "CREATE DATABASE onego")
        return url

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )


def psql(url: str, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql, params)  # type: ignore[arg-type]
        return list(cur.fetchall()) if cur.description else []


# --- set-up and the generator -----------------------------------------------------------------------------


def setup(url: str, data_dir: Path) -> None:
    env = {**os.environ, "ONEGO_DEBUG": "1", "ONEGO_DATABASE_URL": url, "ONEGO_DATA_DIR": str(data_dir)}
    steps = [
        ["migrate", "--noinput", "-v0"],
        ["catalog", "import", str(ROOT / "src/onego/catalog/starter")],
        ["exchange", "contracts", "import"],
        ["demo", "setup"],
    ]
    done = psql(url, "SELECT 1 FROM pg_tables WHERE tablename = 'cases_case'") and psql(
        url, "SELECT 1 FROM cases_case WHERE idempotency_key LIKE 'demo-history-%%' LIMIT 1"
    )
    for step in [] if done else steps:  # an earlier run that stopped after the demo set-up: keep it
        subprocess.run([str(ONEGO), *step], check=True, env=env, cwd=ROOT, capture_output=True)
    psql(
        url,
        """CREATE TABLE growth_template AS
           SELECT row_number() OVER (ORDER BY created_at, id) AS n, id AS case_id
           FROM cases_case WHERE idempotency_key LIKE 'demo-history-%%'""",
    )
    psql(url, "CREATE TABLE growth_state (name text PRIMARY KEY, value bigint)")


def _columns(url: str, table: str) -> list[tuple[str, str]]:
    return [
        (str(name), str(kind))
        for name, kind in psql(
            url,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %(t)s "
            "ORDER BY ordinal_position",
            {"t": table},
        )
    ]


def _newid(kind: str, old: str) -> str:
    return f"md5('{kind}:' || g.i || ':' || {old}::text)::uuid"


def _clone_sql(url: str, table: str, *, working: bool) -> str:
    """INSERT … SELECT cloning `table`'s rows of the template cases, once per g.i of the series."""
    exprs = []
    for name, kind in _columns(url, table):
        e = f"src.{name}"
        if name == "id":
            e = _newid("c" if table == "cases_case" else table, "src.id")
        elif name == "case_id":
            e = _newid("c", "src.case_id")
        elif name == "subcase_id":
            e = _newid("cases_subcase", "src.subcase_id")
        elif kind == "timestamp with time zone":
            e = f"src.{name} - shift.t" if not working else f"src.{name} + shift.t"
        elif kind == "date":
            e = f"src.{name} - shift.d" if not working else f"src.{name} + shift.d"
        if table == "cases_case":
            e = {
                "reference": "'G' || g.i",
                "idempotency_key": "'growth-' || g.i",
                "applicant_index": "CASE WHEN g.i BETWEEN %(wang_from)s AND %(wang_to)s THEN %(wang)s "
                "ELSE encode(sha256(('applicant:' || (g.i %% %(pool)s))::bytea), 'hex') END",
            }.get(name, e)
            if working:
                e = {
                    "status": "CASE WHEN g.i <= %(queue_upto)s THEN 'submitted' ELSE 'in_progress' END",
                    "channel": "CASE WHEN g.i <= %(queue_upto)s THEN 'web' ELSE src.channel END",
                    "accepted_at": "CASE WHEN g.i <= %(queue_upto)s THEN NULL ELSE src.accepted_at + shift.t END",
                    "concluded_at": "NULL",
                    "promised_due": "current_date + (g.i %% 15)::int",
                }.get(name, e)
        if table == "cases_subcase" and working:
            e = {
                "status": "CASE WHEN src.kind = 'item' THEN (ARRAY['pending','claimed','registered'])[1 + (g.i %% 3)::int] "
                "ELSE 'waiting' END",
                "decided_at": "NULL",
                "decided_by_id": "NULL",
                "promised_due": "current_date + (g.i %% 15)::int",
                "clock_started_on": "current_date - (g.i %% 10)::int",
            }.get(name, e)
        exprs.append(e)
    cols = ", ".join(f'"{n}"' for n, _ in _columns(url, table))
    if table == "cases_case":
        source = "JOIN cases_case src ON src.id = t.case_id"
    elif table == "cases_subcasetransition":
        source = "JOIN cases_subcasetransition src ON src.case_id = t.case_id"
    else:
        source = f"JOIN {table} src ON src.case_id = t.case_id"
    if working:
        shift = (
            "(SELECT now() - max(created_at) - interval '1 day' AS t, "
            "current_date - max(created_at)::date - 1 AS d FROM cases_case "
            "WHERE idempotency_key LIKE 'demo-history-%%') shift"
        )
    else:
        shift = "LATERAL (SELECT make_interval(days => (g.i / %(per_day)s)::int) AS t, (g.i / %(per_day)s)::int AS d) shift"
    return (
        f"INSERT INTO {table} ({cols}) SELECT {', '.join(exprs)} "  # noqa: S608 — names from the catalog
        f"FROM generate_series(%(a)s::bigint, %(b)s::bigint) g(i) "
        f"JOIN growth_template t ON t.n = 1 + g.i %% (SELECT count(*) FROM growth_template) {source}, {shift}"
    )


def state(url: str, name: str) -> int:
    rows = psql(url, "SELECT value FROM growth_state WHERE name = %(n)s", {"n": name})
    return int(rows[0][0]) if rows else 0


def set_state(url: str, name: str, value: int) -> None:
    psql(
        url,
        "INSERT INTO growth_state VALUES (%(n)s, %(v)s) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        {"n": name, "v": value},
    )


def wang_index() -> str:
    from onego.core.pii import blind_index

    return blind_index(WANG[0], kind="person")


def make_working_set(url: str, *, open_cases: int, queue: int, wang_cases: int) -> None:
    if state(url, "working"):
        return
    a, b = WORKING_BASE + 1, WORKING_BASE + queue + open_cases
    params = {
        "a": a,
        "b": b,
        "queue_upto": WORKING_BASE + queue,
        "wang_from": b - wang_cases + 1,
        "wang_to": b,
        "wang": wang_index(),
        "pool": 1,
        "per_day": 1,
    }
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:  # one transaction
        for table in HISTORY_TABLES[:-1]:  # live cases have no conclusion yet
            cur.execute(_clone_sql(url, table, working=True), params)  # type: ignore[arg-type]
        cur.execute("INSERT INTO growth_state VALUES ('working', %(v)s)", {"v": b - a + 1})


def grow(url: str, n: int, *, per_day: int, batch: int) -> list[tuple[int, float]]:
    """Clone finished cases until the history holds n; returns (cases added, seconds) per batch."""
    done = state(url, "history")
    timings = []
    while done < n:
        b = min(n, done + batch)
        params = {
            "a": done + 1,
            "b": b,
            "per_day": per_day,
            "pool": max(1, n // 4),
            "wang_from": 1,
            "wang_to": 0,
            "wang": "",
            "queue_upto": 0,
        }
        t0 = time.perf_counter()
        import psycopg

        with psycopg.connect(url) as conn, conn.cursor() as cur:  # one transaction per batch
            for table in HISTORY_TABLES:
                cur.execute(_clone_sql(url, table, working=False), params)  # type: ignore[arg-type]
            cur.execute(
                "INSERT INTO growth_state VALUES ('history', %(v)s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                {"v": b},
            )
        elapsed = time.perf_counter() - t0
        timings.append((b - done, elapsed))
        print(
            f"  history {b:>12,}  (+{b - done:,} in {elapsed:6.1f} s, {(b - done) / elapsed:8.0f} cases/s)",
            flush=True,
        )
        done = b
    if timings:
        t0 = time.perf_counter()
        psql(url, "VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE {time.perf_counter() - t0:.1f} s", flush=True)
    return timings


# --- measuring ----------------------------------------------------------------------------------------------


def sizes(url: str) -> dict[str, Any]:
    rows = psql(
        url,
        """SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), s.n_live_tup
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'cases\\_%%'
           ORDER BY 2 DESC""",
    )
    cases = int(psql(url, "SELECT count(*) FROM cases_case")[0][0])
    total = sum(int(r[1]) for r in rows)
    heap = sum(int(r[2]) for r in rows)
    return {
        "cases": cases,
        "tables": {str(r[0]): {"total": int(r[1]), "heap": int(r[2]), "rows": int(r[3] or 0)} for r in rows},
        "total_bytes": total,
        "bytes_per_case": total / cases,
        "heap_bytes_per_case": heap / cases,
        "database_bytes": int(psql(url, "SELECT pg_database_size('onego')")[0][0]),
    }


def _sign_in_applicant(client: Any, data_dir: Path) -> None:
    client.post("/login/", {"id_number": WANG[0]})
    code = ""
    for line in reversed((data_dir / "sms.log").read_text("utf-8").splitlines()):
        item = json.loads(line)
        if item["to"] == WANG[1] and (m := re.search(r"验证码是 (\d{6})", item["text"])):
            code = m.group(1)
            break
    response = client.post("/login/code/", {"code": code})
    assert response.status_code == 302, response.content[:300]


def configure(url: str, data_dir: Path) -> None:
    """Django in this process, on the growth database (before anything reads the settings)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "onego.settings",
            "ONEGO_DEBUG": "1",
            "ONEGO_DATABASE_URL": url,
            "ONEGO_DATA_DIR": str(data_dir),
            "ONEGO_STAFF_OTP": "0",
            "ONEGO_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def measure(url: str, data_dir: Path, *, repeat: int, plans: Path | None, label: str) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from onego.cases.models import Case, SubCase

    setup_test_environment()
    users = get_user_model().objects
    officer, clerk, lead = Client(), Client(), Client()
    officer.force_login(users.get(username="officer-market"))
    clerk.force_login(users.get(username="clerk"))
    lead.force_login(users.get(username="lead-market"))
    applicant = Client()
    _sign_in_applicant(applicant, data_dir)
    wang = wang_index()
    wang_case = Case.objects.filter(applicant_index=wang, status="in_progress").order_by("reference").first()
    assert wang_case is not None, "the working set has no case of the demo applicant"
    subcase = (
        SubCase.objects.filter(status="pending", department__code="nm-market-regulation")
        .order_by("case__reference")
        .first()
    )
    assert subcase is not None, "the working set has nothing in the market officer's inbox"
    pages = [
        ("officer inbox", officer, "/workbench/inbox/"),
        ("applicant's case list", applicant, "/me/cases/"),
        ("applicant's case page", applicant, f"/me/cases/{wang_case.pk}/"),
        ("search", Client(), "/search/?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7"),  # 营业执照
        ("acceptance queue", clerk, "/workbench/queue/"),
        ("officer case page", officer, f"/workbench/subcases/{subcase.pk}/"),
        ("lead officer's cases", lead, "/workbench/lead/"),
    ]
    results: dict[str, Any] = {}
    plan_text = []
    for name, client, path in pages:
        response = client.get(path)  # warm-up
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - t0)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        results[name] = {
            "median_ms": statistics.median(times) * 1000,
            "statements": len(queries.captured_queries),
            "slowest_sql_ms": float(slowest["time"]) * 1000,
            "bytes": len(response.content),
        }
        if plans is not None and slowest["sql"].lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                plan = "\n".join(r[0] for r in cur.fetchall())
            plan_text.append(f"## {label}: {name} — {path}\n\n{slowest['sql']}\n\n{plan}\n")
        print(
            f"  {name:<24} {results[name]['median_ms']:8.1f} ms  {results[name]['statements']:3d} statements, "
            f"slowest {results[name]['slowest_sql_ms']:.1f} ms",
            flush=True,
        )
    if plans is not None:
        with plans.open("a", encoding="utf-8") as f:
            f.write("\n".join(plan_text))
    return results


def dashboard(root: Path, sizes: list[int], *, repeat: int) -> None:
    """bench.insight_scale (the dashboard's rollups at N cases) on a throw-away cluster of its own."""
    server = Server(root / "pg")
    url = server.start()
    try:
        env = {**os.environ, "ONEGO_DEBUG": "1", "ONEGO_DATABASE_URL": url, "ONEGO_DATA_DIR": str(root)}
        subprocess.run([str(ONEGO), "migrate", "--noinput", "-v0"], check=True, env=env, cwd=ROOT)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.insight_scale",
                "--sizes",
                *map(str, sizes),
                "--repeat",
                str(repeat),
            ],
            check=True,
            env=env,
            cwd=ROOT,
        )
    finally:
        server.stop()


def report(path: Path) -> None:
    """The README's tables from the `--json` lines: time per page and size per case, side by side."""
    runs = sorted(
        (json.loads(line) for line in path.read_text().splitlines() if line.strip()), key=lambda r: r["n"]
    )
    names = list(runs[0]["pages"])
    head = " | ".join(f"{r['n']:,} ms (stmts, slowest SQL ms)" for r in runs)
    print(f"| page | {head} | ratio {runs[-1]['n']:,} / {runs[0]['n']:,} |")
    print("|---" * (len(runs) + 2) + "|")
    for name in names:
        cells = " | ".join(
            f"{r['pages'][name]['median_ms']:.1f} ({r['pages'][name]['statements']}, "
            f"{r['pages'][name]['slowest_sql_ms']:.1f})"
            for r in runs
        )
        ratio = runs[-1]["pages"][name]["median_ms"] / runs[0]["pages"][name]["median_ms"]
        print(f"| {name} | {cells} | {ratio:.2f}× |")
    print()
    print("| cases in cases_case | case tables with indexes | bytes/case with indexes | bytes/case heap |")
    print("|---|---|---|---|")
    for r in runs:
        z = r["sizes"]
        print(
            f"| {z['cases']:,} | {z['total_bytes'] / 2**20:,.0f} MiB | {z['bytes_per_case']:,.0f} | "
            f"{z['heap_bytes_per_case']:,.0f} |"
        )
    last = runs[-1]["sizes"]
    print()
    print("| table | rows | total MiB | heap MiB | bytes per case |")
    print("|---|---|---|---|---|")
    for table, t in last["tables"].items():
        if t["total"] > 2**20:
            print(
                f"| {table} | {t['rows']:,} | {t['total'] / 2**20:,.1f} | {t['heap'] / 2**20:,.1f} | "
                f"{t['total'] / last['cases']:,.0f} |"
            )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/onego-growth"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--per-day", type=int, default=2740, help="historical cases per day (1 M ≈ one year)")
    parser.add_argument("--open", type=int, default=3000, help="live cases in progress (the inboxes)")
    parser.add_argument("--queue", type=int, default=300, help="online submissions awaiting acceptance")
    parser.add_argument("--batch", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--plans", type=Path, default=None, help="append EXPLAIN ANALYZE plans here")
    parser.add_argument("--json", type=Path, default=None, help="append one JSON line per size here")
    parser.add_argument("--drop", action="store_true", help="remove the cluster's directory at the end")
    parser.add_argument(
        "--dashboard",
        type=int,
        nargs="+",
        default=None,
        help="instead: bench.insight_scale at these sizes on a cluster of its own (issue 17, deliver 6)",
    )
    parser.add_argument("--report", type=Path, default=None, help="instead: print tables from a --json file")
    args = parser.parse_args(argv)
    if args.report:
        report(args.report)
        return
    if args.dashboard:
        dashboard(args.data_dir / "dash", args.dashboard, repeat=args.repeat)
        return
    server = Server(args.data_dir / "pg")
    url = server.start()
    try:
        app_dir = args.data_dir / "var"
        app_dir.mkdir(parents=True, exist_ok=True)
        configure(url, app_dir)
        if not psql(url, "SELECT 1 FROM pg_tables WHERE tablename = 'growth_state'"):
            t0 = time.perf_counter()
            setup(url, app_dir)
            print(f"set-up (migrate, catalog, contracts, demo) {time.perf_counter() - t0:.1f} s", flush=True)
        else:  # migrations added since the set-up (indexes this benchmark asked for) apply to the grown data
            env = {**os.environ, "ONEGO_DATABASE_URL": url, "ONEGO_DATA_DIR": str(app_dir)}
            t0 = time.perf_counter()
            subprocess.run([str(ONEGO), "migrate", "--noinput", "-v0"], check=True, env=env, cwd=ROOT)
            print(f"migrate {time.perf_counter() - t0:.1f} s", flush=True)
        make_working_set(url, open_cases=args.open, queue=args.queue, wang_cases=12)
        for n in args.sizes:
            print(f"N = {n:,} historical cases", flush=True)
            timings = grow(url, n, per_day=args.per_day, batch=args.batch)
            size = sizes(url)
            print(
                f"  {size['cases']:,} cases in cases_case; case tables {size['total_bytes'] / 2**30:.2f} GiB, "
                f"{size['bytes_per_case']:,.0f} B/case with indexes, {size['heap_bytes_per_case']:,.0f} B/case heap",
                flush=True,
            )
            pages = measure(url, app_dir, repeat=args.repeat, plans=args.plans, label=f"N={n:,}")
            if args.json:
                with args.json.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"n": n, "generation": timings, "sizes": size, "pages": pages}) + "\n")
    finally:
        server.stop()
        if args.drop:
            shutil.rmtree(args.data_dir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
