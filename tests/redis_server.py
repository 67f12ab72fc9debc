"""A throw-away Redis for the tests of the Redis task queue (tests/cases/test_tasks_on_redis.py).

`make test` (scripts/test.sh) starts one on loopback and passes it as ONEGO_TEST_REDIS_URL, and stops it
at the end, like its PostgreSQL. Run alone, the fixture starts its own `redis-server` (Debian's redis-server
package) on a free port with nothing saved to disk, and stops it; without either the tests are skipped,
saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    given = os.environ.get("ONEGO_TEST_REDIS_URL")
    if given:
        yield given
        return
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if binary is None:
        pytest.skip("no Redis: install Debian's redis-server or set ONEGO_TEST_REDIS_URL (make test does)")
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="onego-redis-")
    proc = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
