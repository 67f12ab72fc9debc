"""Background tasks of the cases app (django-tasks, database backend).

Durability: services enqueue these inside their own transaction. The database backend writes the
task row on the same connection, so the row commits or rolls back with the change it belongs to —
a rolled-back decision leaves no task, and a committed one cannot lose its task. (This is why
they are not enqueued from `transaction.on_commit`: a crash between commit and enqueue would lose
the task.) Workers (`onego db_worker`) only see a task after its transaction committed, so every
side effect (a message) happens after commit.

Idempotency: tasks are thin and re-read state. `send_notification` sends an outbox row only while
it is pending, holding its row lock; `check_subcase_deadline` does nothing when the sub-case's
`check_token` moved on, and never warns twice for the same level (`warned_level`).

A worker killed mid-task leaves its task row marked RUNNING forever (django-tasks-db does not
re-queue it), but the change it was making rolled back, so the outbox row is still pending / the
warning still unsent: `onego cases tick` (run it from cron every few minutes) re-enqueues what is
pending and reschedules every deadline check.

The service functions are imported inside the tasks because services enqueue these tasks.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification(notification_id: str) -> str:
    from onego.cases.services.notify import deliver_notification

    return deliver_notification(notification_id=notification_id)


@task()
def check_subcase_deadline(subcase_id: str, token: int) -> str:
    from onego.cases.services.deadlines import run_deadline_check

    return run_deadline_check(subcase_id=subcase_id, token=token)


@task()
def deliver_partner_step(delivery_id: str) -> str:
    # One signed POST of a partner step; the service re-enqueues itself with back-off on failure.
    from onego.cases.services.partners import deliver_partner

    return deliver_partner(delivery_id=delivery_id)


@task()
def produce_conclusion_results(conclusion_id: str) -> str:
    # E-licences, the signed conclusion PDF and the integrated licence; idempotent (services/results.py).
    from onego.cases.services.results import produce_results_now

    return produce_results_now(conclusion_id=conclusion_id)
