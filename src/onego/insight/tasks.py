"""The rollup refresh as a periodic task on the database task queue (the ledger sequencer's pattern).

`refresh_rollups` runs `insight_refresh()` and then enqueues its next run ONEGO_INSIGHT_REFRESH_INTERVAL
seconds later unless one is already waiting. The refresh is idempotent and serialised by a row lock,
so a duplicate chain costs only empty runs. `onego serve` starts the chain (`onego insight refresh
--schedule`) once per interval, so a lost chain is restarted.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import task


@task()
def refresh_rollups() -> str:
    from onego.insight.refresh import insight_refresh

    try:
        report = insight_refresh()
    finally:
        schedule_refresh()
    return report.summary()


def schedule_refresh() -> bool:
    """Enqueue the next run unless one is already waiting to run; True if one was enqueued."""
    from onego.core import clock
    from onego.core.tasks import waiting_task_count  # either queue: the database's or Redis

    if waiting_task_count(refresh_rollups.module_path):
        return False
    delay = dt.timedelta(seconds=int(settings.ONEGO_INSIGHT_REFRESH_INTERVAL))
    refresh_rollups.using(run_after=clock.now() + delay).enqueue()
    return True
