"""A gunicorn instance on the test's timeline (tests/campaign/test_crash_restart.py starts it).

`python -m tests.campaign.crash_child ISO-TIME <gunicorn arguments>`: moves this process's clock onto the
test's timeline with time-machine (ticking; gunicorn's forked workers inherit it), then runs gunicorn with
OneGo's production configuration (`onego.gunicorn_conf`, synchronous workers) — the server `onego serve
--production` runs, not Django's development server.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    import time_machine
    from gunicorn.app.wsgiapp import run

    time_machine.travel(argv[0], tick=True).start()
    sys.argv = ["gunicorn", "--config", "python:onego.gunicorn_conf", *argv[1:], "onego.wsgi:application"]
    run()


if __name__ == "__main__":
    main(sys.argv[1:])
