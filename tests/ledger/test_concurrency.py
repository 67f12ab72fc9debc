"""Appenders racing on PostgreSQL still get contiguous indexes and a log that verifies."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from onego.ledger.models import LedgerEntry, LedgerState
from onego.ledger.services import ledger_append, ledger_sign_head
from onego.ledger.verify import verify_ledger

from .factories import AppendFactory

THREADS = 8
PER_THREAD = 25


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_stay_contiguous_and_verify() -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_THREAD):
                # Each append in its own caller transaction, as a registry read would be.
                with transaction.atomic():
                    ledger_append(**AppendFactory(actor=f"dept:t{n}/user:u{i}"))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()

    assert errors == []
    total = THREADS * PER_THREAD
    assert list(LedgerEntry.objects.order_by("index").values_list("index", flat=True)) == list(range(total))
    assert LedgerState.objects.get().size == total
    report = verify_ledger()
    assert report.ok, report.summary()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_verify_while_appending_sees_one_consistent_snapshot() -> None:
    for _ in range(20):
        ledger_append(**AppendFactory())
    stop = threading.Event()
    errors: list[BaseException] = []

    def appender() -> None:
        try:
            while not stop.is_set():
                ledger_append(**AppendFactory())
                ledger_sign_head()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=appender) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        reports = [verify_ledger(chunk_size=7) for _ in range(5)]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert all(r.ok for r in reports), [r.summary() for r in reports]
    assert verify_ledger().ok
