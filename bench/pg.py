"""A throw-away PostgreSQL on a free loopback port, and throw-away databases on any server.

`throwaway_server()` runs initdb and pg_ctl from the newest /usr/lib/postgresql/*/bin (as the
`postgres` user via runuser when we are root), in a fresh directory under /tmp, listening on
127.0.0.1 only; it stops the server and removes the directory on exit, also after an error.
`databases()` creates named databases on a server and drops them again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql


def pg_bin() -> Path:
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: Sequence[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@contextlib.contextmanager
def throwaway_server(*, settings: Sequence[str] = ()) -> Iterator[str]:
    """Yield an admin URL (postgres://postgres@127.0.0.1:PORT/postgres) of a fresh server.

    `settings` are extra `name=value` server settings (e.g. synchronous_commit=off).
    """
    binaries = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="onego-bench-pg-"))
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    started = False
    try:
        subprocess.run(
            _as_postgres(
                [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
                + ["--locale=C.UTF-8"]
            ),
            check=True,
            capture_output=True,
        )
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-p {port}",
            f"-k {sock}",
            "-c max_connections=100",
            *(f"-c {s}" for s in settings),
        ]
        result = subprocess.run(
            _as_postgres(
                [str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "server.log")]
                + ["-o", " ".join(options), "start"]
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log}")
        started = True
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def databases(admin_url: str, labels: Sequence[str]) -> Iterator[dict[str, str]]:
    """Create one fresh database per label (unique names), yield label → URL, drop them afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = {label: f"bench_{label}_{suffix}" for label in labels}
    created: list[str] = []
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names.values():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                created.append(name)
        yield {label: with_database(admin_url, name) for label, name in names.items()}
    finally:
        if created:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                for name in created:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                    )


def server_version(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"
