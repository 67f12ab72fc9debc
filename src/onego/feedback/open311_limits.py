"""Open311 call limits: a fixed one-minute window per caller, counted in the database so every web
worker shares it. The caller is a partner's key (`key:<id>`) or, for calls without a key and calls with
a wrong one, the client address (`address:<REMOTE_ADDR>`). Limits: `ONEGO_OPEN311_KEY_PER_MINUTE`,
`ONEGO_OPEN311_ADDRESS_PER_MINUTE` (0: none).

One statement per call (an upsert returning the new count); the rows of windows before the previous one
are deleted when a caller opens a new window, so the table holds at most two rows per caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from onego.core import clock
from onego.feedback.models import Open311RateWindow

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    calls: int
    limit: int
    retry_after: int  # seconds until the window ends (0 when allowed)


def key_bucket(partner_id: object) -> str:
    return f"key:{partner_id}"


def address_bucket(address: str) -> str:
    return f"address:{(address or 'unknown')[:64]}"


def limit_for(bucket: str) -> int:
    if bucket.startswith("key:"):
        return int(settings.ONEGO_OPEN311_KEY_PER_MINUTE)
    return int(settings.ONEGO_OPEN311_ADDRESS_PER_MINUTE)


def hit(bucket: str) -> Verdict:
    """Count one call of `bucket` in the current minute and say whether it is within the limit."""
    limit = limit_for(bucket)
    if limit <= 0:
        return Verdict(True, 0, 0, 0)
    now = clock.now().timestamp()
    window = int(now // WINDOW_SECONDS)
    table = connection.ops.quote_name(Open311RateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, minute, calls) VALUES (%s, %s, 1) "  # noqa: S608 (names are ours)
            f"ON CONFLICT (bucket, minute) DO UPDATE SET calls = {table}.calls + 1 RETURNING calls",
            [bucket, window],
        )
        calls = int(cursor.fetchone()[0])
    if calls == 1:
        Open311RateWindow.objects.filter(bucket=bucket, minute__lt=window - 1).delete()
    if calls <= limit:
        return Verdict(True, calls, limit, 0)
    retry = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    return Verdict(False, calls, limit, retry)
