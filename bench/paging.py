"""The staff lists on a seeded set, through Django's test client (issue 14, growth; the inbox's 2–5 s).

    .venv/bin/python -m bench.paging --repeat 5 --json /tmp/paging.jsonl --label after

A throw-away SQLite test database (onego.test_settings, migrated), the test region's staff and catalog
(tests/workbench/conftest.py), one restaurant case accepted at the counter, then copies of it in SQL
(tests/workbench/test_paging.py `clones`): `--cases` copies in progress give 2 items each in 南明区市场监管's
inbox (600 rows at the default 300), as many copies ready for the lead's conclusion (items decided), and `--cases` online submissions in the clerk's
queue. Each page: one warm-up, then the median of `--repeat` requests, with its statement count and
bytes. The script only requests URLs, so the same script measures an older commit's views (check out
src/onego/workbench and src/onego/cases of that commit, run, check them back out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
import zoneinfo
from pathlib import Path
from typing import Any

PAGES = [
    ("officer inbox", "officer", "/workbench/inbox/"),
    ("officer inbox, colour=green", "officer", "/workbench/inbox/?colour=green"),
    ("officer inbox, page 2", "officer", "/workbench/inbox/?page=2"),
    ("acceptance queue", "clerk", "/workbench/queue/"),
    ("lead officer's lists", "lead", "/workbench/lead/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onego.test_settings")
    import django

    django.setup()
    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    monday = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(monday, tick=True):
        from tests.cases.factories import import_cases_catalog, online_applicant, submit
        from tests.workbench.conftest import People, accepted_case
        from tests.workbench.test_paging import clones

        from onego.cases.models import SubCase
        from onego.cases.workflow import CaseStatus

        import_cases_catalog(Path(tempfile.mkdtemp()))
        people = People()
        case = accepted_case(people)
        clones(case, args.cases - 1)
        ready = clones(case, args.cases, status=CaseStatus.READY_TO_CONCLUDE)
        SubCase.objects.filter(case__in=ready).update(status="approved")  # every item decided
        online = submit(online_applicant(), key="bench-paging-queue", channel="web").case
        clones(online, args.cases - 1)
        inbox_rows = SubCase.objects.filter(
            department__code="nm-scjg", kind="item", status__in=["pending", "claimed"]
        ).count()
        clients = {name: Client() for name in ("officer", "clerk", "lead")}
        for name, client in clients.items():
            client.force_login(getattr(people, name))
        results = []
        for label, who, url in PAGES:
            client = clients[who]
            client.get(url)  # warm-up
            times, statements, size = [], 0, 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                statements, size = len(queries), len(response.content)
            row: dict[str, Any] = {
                "label": args.label,
                "page": label,
                "ms": round(statistics.median(times), 1),
                "statements": statements,
                "bytes": size,
                "inbox_rows": inbox_rows,
            }
            results.append(row)
            print(json.dumps(row, ensure_ascii=False))
    if args.json:
        with args.json.open("a") as out:
            for row in results:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
