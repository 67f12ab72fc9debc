"""Dashboard query time against the number of cases behind the rollups (issue 17, deliver 6).

    ONEGO_DATABASE_URL=postgres://… .venv/bin/python -m bench.insight_scale --sizes 1000000 10000000

For each size N it empties the two rollup tables and fills them with N cases' worth of rollup rows,
generated in PostgreSQL by one `INSERT … SELECT … GROUP BY` over `generate_series(1, N)` virtual cases
(and 2·N virtual item sub-cases): each virtual case draws a submission day in the last 365 days, a
package (the national 13-package table's volumes: 社会保障卡 alone is ~94 %), a channel (the package's
online share), and a region — 75 % filed at one of 88 counties, 25 % at one of 1,496 towns, both
skewed towards the big ones — then the GROUP BY sums them into buckets exactly as the refresh does
(one row per day × region × package × channel; per day × region × package × department × prerequisite).
Not through the engine: the point is the read side, whose cost depends on the rollup rows, not on how
the cases were made.

Then it times `onego.insight.selectors.dashboard()` — the very function the page calls, every figure —
for the province, a city and a county over the last 180 days: one warm-up call, then the median of
`--repeat` calls. It prints rows, build time and query times per size, and the ratios between sizes.
Run it on a database migrated with `onego migrate` (the catalog tables are read for names).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from typing import Any

PACKAGES: list[tuple[str, float, float]] = [  # code, cases in six months, online share (MECHANISMS.md)
    ("social-security-card", 102e6, 0.344),
    ("school-enrolment", 2.453e6, 0.658),
    ("retirement", 111.0e3, 0.512),
    ("credit-repair", 94.8e3, 0.564),
    ("disability-services", 48.7e3, 0.501),
    ("newborn-birth", 36.7e3, 0.504),
    ("enterprise-change", 32.7e3, 0.961),
    ("enterprise-deregistration", 13.3e3, 0.831),
    ("open-transport-company", 13.1e3, 0.526),
    ("open-restaurant", 6812, 0.602),
    ("utility-connection", 3012, 0.528),
    ("bankruptcy-check", 676, 0.524),
    ("listing-compliance-check", 260, 0.812),
]
SLOTS = 10_000  # the package is drawn from this many slots, each package at least one


def _slots() -> tuple[list[str], list[float]]:
    total = sum(v for _, v, _ in PACKAGES)
    codes: list[str] = []
    shares: list[float] = []
    for code, volume, share in PACKAGES:
        n = max(1, round(SLOTS * volume / total))
        codes += [code] * n
        shares += [share] * n
    return codes, shares


REGION_SQL = """
    CASE WHEN random() < 0.75
      THEN '52' || lpad((1 + (floor(88 * power(random(), 2)))::int / 10)::text, 2, '0')
               || lpad((1 + (floor(88 * power(random(), 2)))::int %% 10)::text, 2, '0')
      ELSE '52' || lpad((1 + (floor(1496 * power(random(), 1.5)))::int / 170)::text, 2, '0')
               || lpad((1 + ((floor(1496 * power(random(), 1.5)))::int / 17) %% 10)::text, 2, '0')
               || lpad((1 + (floor(1496 * random()))::int %% 17)::text, 3, '0')
    END
"""

CASES_SQL = f"""
WITH slots AS (SELECT %(codes)s::text[] AS codes, %(shares)s::float8[] AS shares)
INSERT INTO insight_caseday (
  day, region_code, package_code, channel, submitted, online, accepted, not_accepted, withdrawn, concluded,
  approved, open_cases, open_overdue, accept_n, accept_hours, accept_workdays, conclude_n, conclude_hours,
  conclude_workdays, on_time, legal_on_time, fields_separate, fields_to_type, uploads_separate,
  uploads_to_make, uploads_made, trips_separate, trips_package, days_serial, days_taken, rated, rating_sum,
  satisfied, bad)
SELECT day, region, package, channel,
  count(*), count(*) FILTER (WHERE channel <> 'counter'), count(*) FILTER (WHERE fate > 0.03),
  count(*) FILTER (WHERE fate <= 0.03), count(*) FILTER (WHERE fate BETWEEN 0.03 AND 0.05),
  count(*) FILTER (WHERE fate > 0.10), count(*) FILTER (WHERE fate > 0.12),
  count(*) FILTER (WHERE fate BETWEEN 0.05 AND 0.10), count(*) FILTER (WHERE fate BETWEEN 0.05 AND 0.06),
  count(*) FILTER (WHERE fate > 0.03), coalesce(sum(hours) FILTER (WHERE fate > 0.03), 0),
  coalesce(sum(floor(hours / 8)) FILTER (WHERE fate > 0.03), 0),
  count(*) FILTER (WHERE fate > 0.10), coalesce(sum(hours * 6) FILTER (WHERE fate > 0.10), 0),
  coalesce(sum(floor(hours * 6 / 8)) FILTER (WHERE fate > 0.10), 0),
  count(*) FILTER (WHERE fate > 0.10 AND hours < 20), count(*) FILTER (WHERE fate > 0.10),
  sum(30), sum(12), sum(6), sum(2), sum(2), sum(3), sum(1), coalesce(sum(10) FILTER (WHERE fate > 0.10), 0),
  coalesce(sum(floor(hours * 6 / 8)) FILTER (WHERE fate > 0.10), 0),
  count(*) FILTER (WHERE rating > 0), sum(rating), count(*) FILTER (WHERE rating >= 3),
  count(*) FILTER (WHERE rating BETWEEN 1 AND 2)
FROM (
  SELECT day, region, codes[slot] AS package, fate, hours, rating,
         CASE WHEN random() < shares[slot] THEN (CASE WHEN random() < 0.8 THEN 'web' ELSE 'app' END)
              ELSE 'counter' END AS channel
  FROM (
    SELECT %(end)s::date - floor(random() * 365)::int AS day, {REGION_SQL} AS region,
           1 + floor(random() * array_length(codes, 1))::int AS slot, random() AS fate,
           random() * 30 AS hours,
           CASE WHEN random() < 0.45 THEN 1 + floor(random() * 5)::int ELSE 0 END AS rating
    FROM generate_series(1, %(n)s), slots
  ) v, slots
) c
GROUP BY 1, 2, 3, 4
"""

DEPARTMENTS_SQL = f"""
WITH slots AS (SELECT %(codes)s::text[] AS codes)
INSERT INTO insight_departmentday (
  day, region_code, package_code, department_code, held_by, subcases, decided, handle_n, handle_hours,
  handle_workdays, wait_n, wait_hours, wait_workdays, on_time, late, open_overdue, ratings, rating_sum, bad,
  rectifications, rect_answered, rect_on_time, rect_open_overdue)
SELECT day, region, package, department, held_by,
  count(*), count(*) FILTER (WHERE fate > 0.1), count(*) FILTER (WHERE fate > 0.1),
  coalesce(sum(hours) FILTER (WHERE fate > 0.1), 0), coalesce(sum(floor(hours / 8)) FILTER (WHERE fate > 0.1), 0),
  count(*) FILTER (WHERE held_by <> ''), coalesce(sum(hours / 2) FILTER (WHERE held_by <> ''), 0),
  coalesce(sum(floor(hours / 16)) FILTER (WHERE held_by <> ''), 0),
  count(*) FILTER (WHERE fate > 0.2), count(*) FILTER (WHERE fate BETWEEN 0.1 AND 0.2),
  count(*) FILTER (WHERE fate < 0.02), count(*) FILTER (WHERE fate > 0.6), coalesce(sum(4) FILTER (WHERE fate > 0.6), 0),
  count(*) FILTER (WHERE fate > 0.97), count(*) FILTER (WHERE fate > 0.97), count(*) FILTER (WHERE fate > 0.97),
  count(*) FILTER (WHERE fate > 0.985), 0
FROM (
  SELECT %(end)s::date - floor(random() * 365)::int AS day, region, codes[slot] AS package,
         substr(region, 1, 6) || '-d' || (1 + floor(12 * power(random(), 1.5)))::int AS department,
         CASE WHEN random() < 0.3 THEN 'item-' || (1 + floor(random() * 3))::int ELSE '' END AS held_by,
         random() AS fate, random() * 60 AS hours
  FROM (
    SELECT {REGION_SQL} AS region, 1 + floor(random() * array_length(codes, 1))::int AS slot
    FROM generate_series(1, %(subcases)s), slots
  ) v, slots
) s
GROUP BY 1, 2, 3, 4, 5
"""


def counts() -> list[int]:
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for table in (
            "insight_caseday",
            "insight_departmentday",
            "insight_casemonth",
            "insight_departmentmonth",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — fixed table names
            out.append(int(cur.fetchone()[0]))
    return out


def held_cases() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(sum(submitted), 0) FROM insight_casemonth")
        return int(cur.fetchone()[0])


def build(n: int, end: dt.date) -> tuple[float, float, list[int]]:
    from django.db import connection, transaction

    from onego.insight.refresh import rebuild_months

    if held_cases() == n:  # the rollups already hold this size (an earlier run): measure only
        return 0.0, 0.0, counts()

    codes, shares = _slots()
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE insight_caseday, insight_departmentday, insight_casemonth, insight_departmentmonth"
        )
        cur.execute("SET work_mem = '256MB'")
        cur.execute(CASES_SQL, {"codes": codes, "shares": shares, "end": end, "n": n})
        cur.execute(DEPARTMENTS_SQL, {"codes": codes, "end": end, "subcases": 2 * n})
        cur.execute("RESET work_mem")
        cur.execute("ANALYZE insight_caseday")
        cur.execute("ANALYZE insight_departmentday")
    daily = time.perf_counter() - started
    # The monthly county rollups, by the refresh's own code, from the daily rows.
    months = {(end - dt.timedelta(days=d)).replace(day=1) for d in range(366)}
    month_started = time.perf_counter()
    with transaction.atomic():
        rebuild_months(months)
    with connection.cursor() as cur:
        cur.execute("ANALYZE insight_casemonth")
        cur.execute("ANALYZE insight_departmentmonth")
    assert held_cases() == n
    return daily, time.perf_counter() - month_started, counts()


def time_dashboard(code: str, name: str, end: dt.date, repeat: int) -> tuple[float, int]:
    from onego.catalog.models import Region
    from onego.insight.selectors import dashboard

    region = Region(code=code, name=name)
    start = end - dt.timedelta(days=179)
    board = dashboard(region=region, start=start, end=end)  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        board = dashboard(region=region, start=start, end=end)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), int(board.headline["submitted"])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not os.environ.get("ONEGO_DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set ONEGO_DATABASE_URL to a PostgreSQL database migrated with `onego migrate`")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onego.settings")
    os.environ.setdefault("ONEGO_DEBUG", "1")
    import django

    django.setup()
    end = dt.date(2026, 6, 30)
    scopes = [("520000", "province"), ("520100", "city"), ("520102", "county"), ("520102001", "town")]
    results: list[dict[str, Any]] = []
    for n in args.sizes:
        daily_s, monthly_s, counts = build(n, end)
        row: dict[str, Any] = {"n": n, "daily_s": daily_s, "monthly_s": monthly_s, "counts": counts}
        for code, label in scopes:
            median, in_scope = time_dashboard(code, label, end, args.repeat)
            row[label] = median
            row[f"{label}_cases"] = in_scope
        results.append(row)
        print(
            f"N={n:,}: daily rollups built in {daily_s:.1f} s, monthly from them in {monthly_s:.1f} s; rows: "
            f"CaseDay {counts[0]:,}, DepartmentDay {counts[1]:,}, CaseMonth {counts[2]:,}, "
            f"DepartmentMonth {counts[3]:,}",
            flush=True,
        )
        for _, label in scopes:
            print(
                f"    dashboard {label:<8} {row[label] * 1000:9.1f} ms  ({row[label + '_cases']:,} cases in scope)"
            )
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(
            f"\nratio N={b['n']:,} / N={a['n']:,}: cases {b['n'] / a['n']:.1f}x; monthly rows "
            f"{(b['counts'][2] + b['counts'][3]) / (a['counts'][2] + a['counts'][3]):.2f}x; daily rows "
            f"{(b['counts'][0] + b['counts'][1]) / (a['counts'][0] + a['counts'][1]):.2f}x; "
            + ", ".join(f"{label} {b[label] / a[label]:.2f}x" for _, label in scopes)
        )


if __name__ == "__main__":
    main(sys.argv[1:])
