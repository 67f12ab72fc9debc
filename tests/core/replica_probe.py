"""Run by tests/core/test_replica_streaming.py in a process of its own, whose settings point at a primary
and its streaming replica (ONEGO_DATABASE_URL, ONEGO_DATABASE_REPLICA_URL). Prints one JSON object of
what it observed; the test asserts on it."""

from __future__ import annotations

import json
import time
import uuid

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from onego.catalog.models import DepartmentType  # noqa: E402
from onego.core.replica import reads_may_lag  # noqa: E402


def one(alias: str, sql: str) -> object:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def caught_up(timeout: float = 20) -> bool:
    target = one("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if one("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            return True
        time.sleep(0.05)
    return False


def visible_lagging(code: str) -> bool:
    with reads_may_lag():
        return DepartmentType.objects.filter(code=code).exists()


def queries(client: Client, path: str) -> dict[str, int]:
    with (
        CaptureQueriesContext(connections["default"]) as p,
        CaptureQueriesContext(connections["replica"]) as r,
    ):
        status = client.get(path).status_code
    return {"status": status, "primary": len(p.captured_queries), "replica": len(r.captured_queries)}


out: dict[str, object] = {
    "primary_in_recovery": one("default", "SELECT pg_is_in_recovery()"),
    "replica_in_recovery": one("replica", "SELECT pg_is_in_recovery()"),
}
code = f"probe-{uuid.uuid4().hex[:8]}"
out["caught_up_before"] = caught_up()
one("replica", "SELECT pg_wal_replay_pause()::text")  # the replica now lags for as long as we like
DepartmentType.objects.create(code=code, name="探针")
out["committed_on_primary"] = DepartmentType.objects.filter(code=code).exists()
out["lagging_read_sees_it_while_paused"] = visible_lagging(code)
with reads_may_lag():
    before = DepartmentType.objects.filter(code=code).exists()
    DepartmentType.objects.create(code=f"{code}-2", name="探针二")  # a write in the same "request"
    after = DepartmentType.objects.filter(code=code).exists()
out["same_request_before_write"] = before
out["same_request_after_write"] = after
client = Client()
out["listed_page"] = queries(client, "/satisfaction/")
out["unlisted_page"] = queries(client, "/r/no-such-code")  # a public page that is not listed
one("replica", "SELECT pg_wal_replay_resume()::text")
out["caught_up_after"] = caught_up()
out["lagging_read_sees_it_after_replay"] = visible_lagging(code)
print(json.dumps(out))
