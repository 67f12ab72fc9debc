"""The supervisor behind `onego serve`, with small real processes (the whole service: tests/cases/test_serve.py)."""

from __future__ import annotations

import io
import os
import re
import signal
import sys
from pathlib import Path

from onego.core.supervisor import Child, Supervisor, backoff

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def test_backoff_doubles_from_one_second_up_to_the_cap() -> None:
    assert [backoff(n) for n in range(0, 9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_when_the_web_server_exits_the_supervisor_stops_the_worker_and_returns_its_code() -> None:
    out = io.StringIO()
    worker = Child("worker-1", SLEEPER, restart=True)
    web = Child("web", [sys.executable, "-c", "raise SystemExit(3)"])
    sup = Supervisor([web, worker], out=out, grace=30)
    assert sup.run() == 3
    started = re.search(r"started worker-1 \(pid (\d+)\)", out.getvalue())
    assert started is not None
    assert not alive(int(started.group(1)))
    assert "web exited with code 3; stopping the others" in out.getvalue()


def test_a_periodic_child_runs_again_after_its_interval(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    tick = Child("tick", [sys.executable, "-c", f"open({str(marks)!r}, 'a').write('x')"], every=0.3)
    web = Child("web", SLEEPER)
    out = io.StringIO()
    sup = Supervisor([web, tick], out=out, grace=30)

    def stop_after_three_ticks(*_: object) -> None:
        if marks.exists() and len(marks.read_text()) >= 3:
            sup._stop = signal.SIGTERM
        else:
            signal.setitimer(signal.ITIMER_REAL, 0.1)

    previous = signal.signal(signal.SIGALRM, stop_after_three_ticks)
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    try:
        assert sup.run() == 0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(marks.read_text()) >= 3
    assert out.getvalue().count("started tick") >= 3
