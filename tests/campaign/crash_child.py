"""A gunicorn instance on the test's timeline (tests/campaign/test_crash_restart.py starts it).

`python -m tests.campaign.crash_child OFFSET-SECONDS <gunicorn arguments>`: moves this process's clock onto
the test's timeline with time-machine (ticking; gunicorn's forked workers inherit it), then runs gunicorn with
OneGo's production configuration (`onego.gunicorn_conf`, synchronous workers) — the server `onego serve
--production` runs, not Django's development server.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> None:
    import time_machine
    from gunicorn.app.wsgiapp import run

    # The offset, not an instant: an instant fixed by the parent would put every restarted instance behind
    # the others by its own start-up time, and a case created on one server and accepted on another would
    # get its history out of order (found by the long run: clock skew between servers reorders history).
    time_machine.travel(time.time() + float(argv[0]), tick=True).start()
    sys.argv = ["gunicorn", "--config", "python:onego.gunicorn_conf", *argv[1:], "onego.wsgi:application"]
    run()


if __name__ == "__main__":
    main(sys.argv[1:])
