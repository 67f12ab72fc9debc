"""On PostgreSQL: recorders racing with a sequencer still end in contiguous indexes and a log that
verifies; concurrent transactions, some rolled back, with sequencers running — exactly the committed
entries are sealed, each once, in a consistent order; a sequencer process killed mid-batch leaves no
gap or duplicate, and the next run seals what waited, within the maximum merge delay."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, transaction

from onego.core import uow
from onego.ledger.models import LedgerEntry, LedgerState, TreeHead
from onego.ledger.sequencer import ledger_sequence
from onego.ledger.services import ledger_record, ledger_sign_head
from onego.ledger.verify import verify_ledger
from tests.cases.processes import ROOT, shared_database

from .factories import AppendFactory

THREADS = 8
PER_THREAD = 25


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_recorders_with_a_sequencer_end_contiguous_and_verify() -> None:
    barrier = threading.Barrier(THREADS + 1)
    stop = threading.Event()
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_THREAD):
                # Each entry in its own caller transaction, as a registry read would be.
                with transaction.atomic():
                    ledger_record(**AppendFactory(actor=f"dept:t{n}/user:u{i}"))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    def sequencer() -> None:
        try:
            barrier.wait()
            while not stop.is_set():
                ledger_sequence(batch_size=13)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    running = threading.Thread(target=sequencer)
    for t in [*threads, running]:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    running.join()
    close_old_connections()
    assert errors == []
    ledger_sequence()

    total = THREADS * PER_THREAD
    assert list(LedgerEntry.objects.order_by("index").values_list("index", flat=True)) == list(range(total))
    assert LedgerState.objects.get().size == total
    report = verify_ledger()
    assert report.ok, report.summary()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_verify_while_recording_and_sealing_sees_one_consistent_snapshot() -> None:
    for _ in range(20):
        ledger_record(**AppendFactory())
    ledger_sequence()
    stop = threading.Event()
    errors: list[BaseException] = []

    def recorder() -> None:
        try:
            while not stop.is_set():
                ledger_record(**AppendFactory())
                ledger_sequence(batch_size=3)
                ledger_sign_head()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=recorder) for _ in range(3)]
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


# --- the sequencer ---------------------------------------------------------------------------------

UNITS = 16  # transactions per thread
ROLLED_BACK_EVERY = 4  # every 4th transaction raises after recording its entries


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_exactly_the_committed_entries_are_sealed_once_in_an_order_consistent_with_commits() -> None:
    """Threads commit (and roll back) units of work that record entries, two sequencers run all along: at the end the sealed log is exactly the committed
    entries, each once, numbered without gaps, every thread's entries in its commit order."""
    barrier = threading.Barrier(THREADS + 2)
    stop = threading.Event()
    errors: list[BaseException] = []
    committed: dict[int, list[str]] = {n: [] for n in range(THREADS)}
    rolled_back: list[str] = []
    busy = [0]

    class Rollback(Exception):
        pass

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(UNITS):
                tags = [f"t{n}-u{i}-e{k}" for k in range(1 + i % 3)]
                try:
                    with uow.unit_of_work():
                        for tag in tags:
                            ledger_record(**AppendFactory(actor=f"dept:t{n}/user:u{i}", case_ref=tag))
                        if i % ROLLED_BACK_EVERY == ROLLED_BACK_EVERY - 1:
                            raise Rollback
                except Rollback:
                    rolled_back.extend(tags)
                else:
                    committed[n].extend(tags)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    def sequencer() -> None:
        try:
            barrier.wait()
            while not stop.is_set():
                if ledger_sequence(batch_size=7).busy:
                    busy[0] += 1
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    sequencers = [threading.Thread(target=sequencer) for _ in range(2)]
    for t in workers + sequencers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    for t in sequencers:
        t.join()
    close_old_connections()
    assert errors == []
    ledger_sequence()  # whatever was committed after the sequencers' last batch

    sealed = list(LedgerEntry.objects.order_by("index").values_list("index", "case_ref"))
    expected = sorted(tag for tags in committed.values() for tag in tags)
    assert rolled_back
    assert expected
    assert sorted(tag for _, tag in sealed) == expected  # exactly the committed ones, each once
    assert [index for index, _ in sealed] == list(range(len(expected)))  # no gap
    assert not LedgerEntry.objects.filter(index__isnull=True).exists()
    position = {tag: index for index, tag in sealed}
    for tags in committed.values():
        assert [position[tag] for tag in tags] == sorted(position[tag] for tag in tags)
    assert LedgerState.objects.get().size == len(expected)
    report = verify_ledger()
    assert report.ok, report.summary()
    assert report.heads_checked >= 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_sequencer_killed_mid_batch_leaves_the_batch_for_the_next_run_without_gap_or_duplicate(
    tmp_path: Path,
) -> None:
    recorded = [ledger_record(**AppendFactory(case_ref=f"C-{n}")).pk for n in range(30)]
    database = shared_database(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("ONEGO_SECRET_KEY", "ONEGO_LEDGER_SIGNING_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="onego.settings",
        ONEGO_DATABASE_URL=database.url,
        ONEGO_DEBUG="1",
        ONEGO_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    args = ["--batch-size", "10", "--pause-in-batch", "2"]
    log = tmp_path / "sequencer.log"
    with log.open("wb") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ledger.sequencer_process", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            start_new_session=True,
        )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()  # the process prints nothing else before it pauses
        assert line.startswith("PAUSED in batch 2 after writing 10 entries"), line + log.read_text()
        # The second batch is written, not committed: nothing of it is visible yet.
        assert LedgerEntry.objects.filter(index__isnull=False).count() == 10
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()

    # The first batch committed with its head; the killed one left nothing behind.
    assert sorted(LedgerEntry.objects.exclude(index=None).values_list("index", flat=True)) == list(range(10))
    assert list(TreeHead.objects.values_list("tree_size", flat=True)) == [10]
    assert LedgerState.objects.get().size == 10
    assert verify_ledger().ok

    # The next run takes over once the killed session's lock is gone, and completes the work.
    deadline = time.monotonic() + 30
    report = ledger_sequence(batch_size=10)
    while report.busy and time.monotonic() < deadline:
        time.sleep(0.2)
        report = ledger_sequence(batch_size=10)
    assert (report.sealed, report.busy) == (20, False)
    sealed = list(LedgerEntry.objects.order_by("index").values_list("index", "pk"))
    assert [index for index, _ in sealed] == list(range(30))
    assert [pk for _, pk in sealed] == recorded  # each once, in the order recorded
    assert sorted(TreeHead.objects.values_list("tree_size", flat=True)) == [10, 20, 30]
    report_ok = verify_ledger()
    assert report_ok.ok, report_ok.summary()
    # Nothing waits after the restart, and nothing waited past the maximum merge delay: every entry
    # was sealed within it of being recorded (this run took seconds; the delay is a minute).
    assert (report_ok.pending, report_ok.overdue) == (0, 0)
    delay = dt.timedelta(seconds=int(settings.ONEGO_LEDGER_MAX_MERGE_DELAY))
    assert all(e.sealed_at - e.recorded_at <= delay for e in LedgerEntry.objects.all())
