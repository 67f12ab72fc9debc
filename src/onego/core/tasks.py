"""The task backends: django-tasks-db (the default), with task rows written by the unit of work; or
RQ on Redis (ONEGO_TASK_BACKEND=rq, onego/core/tasks_rq.py). The helpers at the end answer the few
questions the code asks of the queue itself (waiting runs of a task, stale running tasks, readiness)
on whichever backend is configured.

`DatabaseBackend` is django-tasks-db's backend except for one thing: the task row is handed to
`onego.core.uow.insert`, so the tasks an action enqueues are written in one INSERT at the end of
its unit of work (still inside the transaction, so they commit or roll back with the change — see
onego/cases/tasks.py). Outside a unit of work the row is written at once, as before.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.backend import DatabaseBackend as _DatabaseBackend
from django_tasks_db.compat import normalize_json

from onego.core import uow


class DatabaseBackend(_DatabaseBackend):
    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        # Not at import time: the backend may be built before the app registry is ready.
        from django_tasks_db.models import DBTaskResult
        from django_tasks_db.signal_handlers import set_run_after

        row: Any = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
        # django-tasks-db's pre_save handler, called here: the unit of work's INSERT sends no signal.
        set_run_after(DBTaskResult, row)
        uow.insert(row)
        return row


class QueueUnreachable(Exception):
    """The Redis task queue does not answer."""


def uses_redis() -> bool:
    """True when the default task backend is the Redis queue (ONEGO_TASK_BACKEND=rq)."""
    from django_tasks import task_backends

    return bool(getattr(task_backends["default"], "queue_on_redis", False))


def waiting_task_count(task_path: str) -> int:
    """How many runs of the task at `task_path` wait to run (queued or scheduled), on either backend."""
    if not uses_redis():
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(task_path=task_path, status="READY").count()
    import django_rq
    from django_tasks_rq.backend import Job

    queue = django_rq.get_queue("default", job_class=Job)
    ids = list(queue.get_job_ids()) + list(queue.scheduled_job_registry.get_job_ids())
    jobs = Job.fetch_many(ids, connection=queue.connection)
    return sum(1 for job in jobs if job is not None and job.func_name == task_path)


def stale_running_count(*, started_before: Any) -> int:
    """How many tasks are marked running but started before `started_before` (their worker died)."""
    if not uses_redis():
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(status="RUNNING", started_at__lt=started_before).count()
    import django_rq
    from django_tasks_rq.backend import Job

    queue = django_rq.get_queue("default", job_class=Job)
    jobs = Job.fetch_many(list(queue.started_job_registry.get_job_ids()), connection=queue.connection)
    return sum(1 for job in jobs if job is not None and job.started_at and job.started_at < started_before)


def ping() -> None:
    """Raise if the task queue cannot be reached (readiness)."""
    if not uses_redis():
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("pk").first()
        return
    import django_rq
    from redis.exceptions import RedisError

    try:
        django_rq.get_connection("default").ping()
    except RedisError as exc:
        raise QueueUnreachable(str(exc)) from exc
