"""The sequencer as a periodic task on the database task queue (django-tasks-db).

`sequence_ledger` seals what is pending (`onego.ledger.sequencer.ledger_sequence`), then enqueues its
next run ONEGO_LEDGER_SEQUENCER_INTERVAL seconds later unless one is already waiting. It is
idempotent, and two runs at once do no harm (the second finds the lock taken and does nothing), so
a duplicate chain only costs a few empty runs. Start the chain once with `onego ledger sequence
--schedule` (deployment does it at start-up); `onego ledger sequence` also runs a pass directly, e.g.
from cron where no worker runs.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import task


@task()
def sequence_ledger() -> str:
    from onego.ledger.sequencer import ledger_sequence

    try:
        report = ledger_sequence()
    finally:
        schedule_sequencer()
    return report.summary()


def schedule_sequencer() -> bool:
    """Enqueue the next run unless one is already waiting to run; True if one was enqueued."""
    from onego.core import clock
    from onego.core.tasks import waiting_task_count

    if waiting_task_count(sequence_ledger.module_path):
        return False
    delay = dt.timedelta(seconds=int(settings.ONEGO_LEDGER_SEQUENCER_INTERVAL))
    sequence_ledger.using(run_after=clock.now() + delay).enqueue()
    return True
