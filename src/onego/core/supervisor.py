"""A small process supervisor: the web server and the task workers as one service (`onego serve`).

Why our own and not honcho or supervisord: honcho stops everything when one process exits (we want a
dead worker restarted while the site keeps serving), supervisord is a daemon with its own config
language and a second place to look. What we need is fifty lines: start the children, restart the
ones that may be restarted with growing back-off, run `onego cases tick` every few minutes (the
cron job of docs/cases.md), forward SIGINT/SIGTERM and wait for everyone to go.

Each child runs in its own process group, so a Ctrl-C in the terminal reaches only the supervisor,
which then passes it on to every group (runserver's autoreloader and gunicorn's workers included)
and waits; whatever is still running after the grace period is killed. A restartable child that
dies has its whole group killed first, so a worker's orphaned reloader child never doubles it.

When a child that is not restartable (the web server) exits, the supervisor stops the others and
exits with that child's code: the process manager above it (systemd, a container runtime) decides.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO

BACKOFF_FIRST = 1.0  # seconds before the first restart
BACKOFF_MAX = 60.0
STABLE_AFTER = 60.0  # a child that ran this long has its failure count forgotten
GRACE = 10.0  # seconds between the forwarded signal and SIGKILL
POLL = 0.2


def backoff(failures: int, *, first: float = BACKOFF_FIRST, cap: float = BACKOFF_MAX) -> float:
    """Seconds to wait before restarting a child that has died `failures` times in a row (1, 2, 4, … cap)."""
    if failures <= 0:
        return 0.0
    return min(cap, first * 2.0 ** (failures - 1))


@dataclass
class Child:
    """One process the supervisor keeps: `restart` says whether it comes back after dying; `every`
    (seconds) makes it periodic — started again that long after it last started, never twice at once."""

    name: str
    argv: Sequence[str]
    restart: bool = False
    every: float = 0.0
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    due: float = 0.0  # monotonic time of the next start

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Supervisor:
    children: list[Child]
    env: dict[str, str] | None = None
    out: IO[str] = field(default_factory=lambda: sys.stderr)
    grace: float = GRACE
    clock: Callable[[], float] = time.monotonic
    _stop: int = 0

    def say(self, text: str) -> None:
        self.out.write(f"serve: {text}\n")
        self.out.flush()

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - argv built by onego serve, no shell
            list(child.argv), env=self.env, start_new_session=True
        )
        child.started_at = self.clock()
        if child.every:
            child.due = child.started_at + child.every
        self.say(f"started {child.name} (pid {child.process.pid})")

    def _signal_group(self, child: Child, signum: int) -> None:
        if child.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signum)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._stop = signum

    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            return self._loop()
        finally:
            self._shutdown()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _loop(self) -> int:
        for child in self.children:
            self._start(child)
        while not self._stop:
            now = self.clock()
            for child in self.children:
                proc = child.process
                if proc is not None and proc.poll() is not None:
                    code = proc.returncode
                    child.process = None
                    self._signal_group_of(proc)  # what it left behind in its group goes too
                    if child.every:
                        if code:
                            self.say(f"{child.name} exited with code {code}")
                        continue
                    if not child.restart:
                        self.say(f"{child.name} exited with code {code}; stopping the others")
                        return code or 1
                    ran = now - child.started_at
                    child.failures = 1 if ran >= STABLE_AFTER else child.failures + 1
                    wait = backoff(child.failures)
                    child.due = now + wait
                    self.say(f"{child.name} exited with code {code}; restarting in {wait:g} s")
                if child.process is None and (child.restart or child.every) and now >= child.due:
                    self._start(child)
            time.sleep(POLL)
        self.say(f"received {signal.Signals(self._stop).name}; stopping")
        return 0

    def _signal_group_of(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def _shutdown(self) -> None:
        signum = self._stop or signal.SIGTERM
        alive = [c for c in self.children if c.running]
        for child in alive:
            self._signal_group(child, signum)
        deadline = self.clock() + self.grace
        for child in alive:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop within {self.grace:g} s; killing it")
            self._signal_group(child, signal.SIGKILL)  # the group: reloader children, gunicorn workers
            child.process.wait()
            child.process = None
        self.say("stopped")


def onego_argv(*args: str) -> list[str]:
    """The `onego` command run by this interpreter (no reliance on PATH), unbuffered so that its
    output reaches the log as it is written."""
    return [sys.executable, "-u", "-m", "onego", *args]
