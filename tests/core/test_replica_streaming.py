"""The read replica for real: a PostgreSQL primary and a streaming replica made with `pg_basebackup -R`,
started by the test on loopback (Debian's PostgreSQL binaries), and OneGo in a process of its own pointed
at both (tests/core/replica_probe.py). Replay on the replica is paused to make it lag on purpose.

Runs where the suite runs on PostgreSQL (it copies the test database's schema with pg_dump); skipped on
SQLite and where no PostgreSQL binaries are installed, saying why."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=120, **kw)  # type: ignore[call-overload,no-any-return]


@pytest.fixture
def primary_and_replica(db: None) -> Iterator[tuple[str, str]]:
    if connection.vendor != "postgresql":
        pytest.skip("needs the suite on PostgreSQL (make test's second run); it copies the test schema")
    pg = _bin()
    if pg is None:
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql (Debian's postgresql package)")
    base = Path(tempfile.mkdtemp(prefix="onego-replica-"))
    primary, standby, sock = base / "primary", base / "replica", base / "sock"
    for d in (primary, sock):
        d.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        for d in (primary, sock):
            shutil.chown(d, "postgres")
    p_port, r_port = _port(), _port()
    opts = f"-c listen_addresses=127.0.0.1 -k {sock} -c fsync=off -c wal_level=replica -c max_wal_senders=4"
    started: list[Path] = []
    try:
        _as_postgres([str(pg / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
        _as_postgres(
            [
                str(pg / "pg_ctl"),
                "-D",
                str(primary),
                "-w",
                "-l",
                str(primary / "log"),
                "-o",
                f"{opts} -p {p_port}",
                "start",
            ]
        )
        started.append(primary)
        psql = [
            str(pg / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(p_port),
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
        ]
        _as_postgres(
            [
                *psql,
                "-c",
                "CREATE ROLE onego LOGIN SUPERUSER PASSWORD 'onego'",
                "-c",
                "CREATE DATABASE onego OWNER onego",
            ]
        )
        # The test database's schema (migrated by pytest-django) onto the new primary.
        s = connection.settings_dict
        dump = subprocess.run(
            [
                str(pg / "pg_dump"),
                "-s",
                "-O",
                "-h",
                s["HOST"],
                "-p",
                str(s["PORT"]),
                "-U",
                s["USER"],
                s["NAME"],
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PGPASSWORD": s["PASSWORD"]},
        ).stdout
        _as_postgres([*psql, "-U", "onego", "-d", "onego"], input=dump)
        _as_postgres(
            [
                str(pg / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(p_port),
                "-U",
                "postgres",
                "-D",
                str(standby),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",  # not a spread checkpoint (minutes on an idle server)
            ]
        )
        _as_postgres(
            [
                str(pg / "pg_ctl"),
                "-D",
                str(standby),
                "-w",
                "-l",
                str(base / "replica.log"),
                "-o",
                f"{opts} -p {r_port}",
                "start",
            ]
        )
        started.append(standby)
        yield (
            f"postgres://onego:onego@127.0.0.1:{p_port}/onego",
            f"postgres://onego:onego@127.0.0.1:{r_port}/onego",
        )
    finally:
        for d in reversed(started):
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                + [str(pg / "pg_ctl"), "-D", str(d), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


def test_lag_tolerant_reads_go_to_a_real_streaming_replica_and_a_write_pins_the_request_to_the_primary(
    primary_and_replica: tuple[str, str], tmp_path: Path
) -> None:
    primary, standby = primary_and_replica
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onego.test_settings",
        "ONEGO_DATABASE_URL": primary,
        "ONEGO_DATABASE_REPLICA_URL": standby,
        "ONEGO_DATA_DIR": str(tmp_path),
    }
    run = subprocess.run(
        [sys.executable, "-m", "tests.core.replica_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["primary_in_recovery"] is False
    assert seen["replica_in_recovery"] is True  # a real standby, replaying the primary's WAL
    assert seen["caught_up_before"] is True
    assert seen["committed_on_primary"] is True
    assert seen["lagging_read_sees_it_while_paused"] is False  # the read went to the (lagging) replica
    assert seen["same_request_before_write"] is False
    assert seen["same_request_after_write"] is True  # sticky: after a write, the primary
    listed, unlisted = seen["listed_page"], seen["unlisted_page"]
    assert listed["status"] == 200
    assert listed["replica"] > 0
    assert unlisted["status"] == 404  # no such invitation: looked up, on the primary
    assert unlisted["replica"] == 0
    assert unlisted["primary"] > 0
    assert seen["caught_up_after"] is True
    assert seen["lagging_read_sees_it_after_replay"] is True
