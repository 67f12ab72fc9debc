"""Real OS processes for fault tests: a server or a worker on the test's own database, killed with SIGKILL.

The test process prepares data with the usual factories and asserts with the ORM; the processes it
starts (`onego runserver`, `onego db_worker`, `onego cases tick`) use the same database:

- PostgreSQL: pytest-django's test database (the test is `transaction=True`, so every write is
  committed and visible to other connections).
- SQLite: pytest-django's test database lives in memory, out of reach of other processes, so
  `SharedDatabase` copies it to a file with SQLite's backup API before the processes start and copies
  the file back before the test asserts (instant; no second migration run).

Every process runs through this module (`python -m tests.cases.processes --at ISO -- <onego args>`):
it moves the process clock with time-machine (ticking) onto the test's timeline — one timeline for all
the processes of a test, so a restarted server does not start again at the same instant — then runs
the `onego` command. `--then` runs a second command in the same process (a cron `tick` right before a
worker starts: one start-up less). Two things are slowed down in these processes so that a kill can be
aimed (`start(..., slow=seconds)`, see `_slow_down`): a submission's answer waits after its commit, an
acceptance and a deadline check wait after their writes but before their commit, a notification's
channel waits before it accepts the message; each wait is announced on stdout (`in_progress`).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], *, what: str, timeout: float = 60.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# --- the database the processes share -----------------------------------------------------------


@dataclass
class SharedDatabase:
    url: str
    sqlite_file: Path | None = None

    def push(self) -> None:
        """SQLite: copy the test's in-memory database to the file the processes open."""
        if self.sqlite_file is not None:
            from django.db import connection

            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite_file)
            try:
                connection.connection.backup(target)
            finally:
                target.close()

    def pull(self) -> None:
        """SQLite: copy the file (after the processes wrote to it) back into the test's database."""
        if self.sqlite_file is not None:
            from django.db import connection

            connection.close()
            connection.ensure_connection()
            source = sqlite3.connect(self.sqlite_file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()


def shared_database(tmp_path: Path) -> SharedDatabase:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        from urllib.parse import quote

        auth = quote(settings["USER"] or "")
        if settings["PASSWORD"]:
            auth += ":" + quote(settings["PASSWORD"])
        host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        return SharedDatabase(url=f"postgres://{auth}@{host}/{settings['NAME']}")
    if connection.vendor == "sqlite":
        path = tmp_path / "shared.sqlite3"
        return SharedDatabase(url=f"sqlite:///{path}", sqlite_file=path)
    raise AssertionError(f"no process fault tests for {connection.vendor}")


# --- processes ----------------------------------------------------------------------------------


@dataclass
class Processes:
    """Starts `onego` commands in their own process groups; kills whatever is still running at exit."""

    database: SharedDatabase
    data_dir: Path
    logs: Path
    offset: dt.timedelta = dt.timedelta(0)
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _files: list[IO[bytes]] = field(default_factory=list)
    _count: int = 0

    def travel_to(self, at: dt.datetime) -> None:
        """From now on the processes' clocks read `at` (and tick on)."""
        self.offset = at - _real_now()

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("ONEGO_PII_KEYS", "ONEGO_BLIND_INDEX_KEY", "ONEGO_SECRET_KEY", "ONEGO_EMAIL_BACKEND"):
            env.pop(name, None)  # development keys from the development secret, like the test run
        env.update(
            DJANGO_SETTINGS_MODULE="onego.settings",
            ONEGO_DATABASE_URL=self.database.url,
            ONEGO_DATA_DIR=str(self.data_dir),
            ONEGO_DEBUG="1",
            ONEGO_LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        )
        return env

    def start(
        self, name: str, *commands: list[str], slow: float = 0.0
    ) -> tuple[subprocess.Popen[bytes], Path]:
        self._count += 1
        log = self.logs / f"{self._count:02d}-{name}.log"
        out = log.open("wb")
        self._files.append(out)
        at = (_real_now() + self.offset).isoformat()
        args = [sys.executable, "-m", "tests.cases.processes", "--at", at]
        for i, command in enumerate(commands):
            args += (["--then"] if i else ["--"]) + command
        env = self.env()
        env["ONEGO_TEST_SLOW_SECONDS"] = str(slow)
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append(proc)
        return proc, log

    def run(self, name: str, *commands: list[str], timeout: float = 120.0) -> str:
        proc, log = self.start(name, *commands)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill(proc)
            raise AssertionError(f"{name} did not finish in {timeout:.0f} s:\n{log.read_text()}") from None
        output = log.read_text(encoding="utf-8", errors="replace")
        assert code == 0, f"{name} exited with {code}:\n{output}"
        return output

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        for out in self._files:
            out.close()


def _real_now() -> dt.datetime:
    import time_machine

    return dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), tz=dt.UTC)


@contextmanager
def processes(database: SharedDatabase, tmp_path: Path, *, at: dt.datetime) -> Iterator[Processes]:
    logs = tmp_path / "logs"
    logs.mkdir(exist_ok=True)
    procs = Processes(database=database, data_dir=tmp_path / "data", logs=logs)
    procs.travel_to(at)
    procs.data_dir.mkdir(exist_ok=True)
    try:
        yield procs
    finally:
        procs.close()


# --- inside the child process -------------------------------------------------------------------


def in_progress(log: Path) -> set[tuple[str, str]]:
    """The slowed-down steps a process is inside right now, from its `[slow] begin/end` lines."""
    open_: set[tuple[str, str]] = set()
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "[slow]":
            (open_.add if parts[1] == "begin" else open_.discard)((parts[2], parts[3]))
    return open_


def _slow_down(seconds: float) -> None:
    """Widen the windows a kill is aimed at; each is announced on stdout (`in_progress`)."""
    from django.db import transaction

    from onego.api import cases as api
    from onego.cases.channels import Channel, Message
    from onego.cases.services import deadlines, notify

    def pause(what: str, key: Any) -> None:
        print(f"[slow] begin {what} {key}", flush=True)
        time.sleep(seconds)
        print(f"[slow] end {what} {key}", flush=True)

    originals = [
        (api, "case_submit"),
        (api, "case_accept"),
        (deadlines, "run_deadline_check"),
        (notify, "channel_for"),
    ]
    submit, accept, check, channel_for = (getattr(module, name) for module, name in originals)

    def slow_submit(**kwargs: Any) -> Any:
        result = submit(**kwargs)
        pause("submit-committed", kwargs["idempotency_key"])  # committed, the answer not yet sent
        return result

    def slow_accept(**kwargs: Any) -> Any:
        with transaction.atomic():
            case = accept(**kwargs)
            pause("accept-uncommitted", kwargs["case_id"])  # every row written, nothing committed
        return case

    def slow_check(*, subcase_id: str, token: int) -> str:
        with transaction.atomic():
            result = check(subcase_id=subcase_id, token=token)
            pause("check-uncommitted", subcase_id)
        return str(result)

    class Slow:
        def __init__(self, inner: Channel) -> None:
            self.inner = inner

        def send(self, message: Message) -> None:
            pause("send-unsent", message.key)  # the gateway thinking: accepted when it answers
            self.inner.send(message)

    def slow_channel_for(name: str) -> Channel:
        return Slow(channel_for(name))

    slowed = [slow_submit, slow_accept, slow_check, slow_channel_for]
    for (module, name), replacement in zip(originals, slowed, strict=True):
        setattr(module, name, replacement)


def _main(argv: list[str]) -> None:
    import time_machine

    assert argv[0] == "--at", argv
    at, rest = argv[1], argv[2:]
    assert rest, argv
    assert rest[0] == "--", rest
    commands: list[list[str]] = [[]]
    for arg in rest[1:]:
        if arg == "--then":
            commands.append([])
        else:
            commands[-1].append(arg)
    time_machine.travel(at, tick=True).start()
    import django

    django.setup()
    if float(os.environ.get("ONEGO_TEST_SLOW_SECONDS") or 0):
        _slow_down(float(os.environ["ONEGO_TEST_SLOW_SECONDS"]))
    from django.core.management import call_command

    for command in commands:
        call_command(*command)
        sys.stdout.flush()


if __name__ == "__main__":
    _main(sys.argv[1:])
