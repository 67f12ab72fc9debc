"""The task queue on Redis (ONEGO_TASK_BACKEND=rq): django-tasks-rq's backend, pushing after commit.

Its own module because django-tasks-rq imports django-rq, which reads the settings at import time.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import RQBackend as _RQBackend


class RQBackend(_RQBackend):
    """django-tasks-rq's backend (ONEGO_TASK_BACKEND=rq: the queue on Redis), pushing after commit.

    Redis is not in the database's transaction, so a task enqueued inside one is pushed to Redis only
    when that transaction commits (`transaction.on_commit`): a rolled-back action leaves no job, and a
    worker never runs a task before the change it belongs to is visible. The price, compared with the
    database queue: a process dying between the commit and the push loses that job. Every task here is
    recovered by `onego cases tick` (pending notifications and partner deliveries are re-enqueued,
    deadline checks rescheduled, unproduced conclusions produced; `onego serve` runs the tick) and by the
    ledger sequencer's own schedule, so a lost push delays a side effect, never drops it (ADR 0012).
    Outside a transaction the job is pushed at once. The task code is the same for both backends.
    """

    queue_on_redis = True

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        self.validate_task(task)
        result: TaskResult[Any] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: self._push(task, args, kwargs, result))
        else:
            self._push(task, args, kwargs, result)
        return result

    def _push(self, task: Any, args: Any, kwargs: Any, result: Any) -> None:
        # django-tasks-rq's enqueue, with the result id chosen before the commit.
        import django_rq
        from django_tasks.base import TASK_MAX_PRIORITY
        from django_tasks.signals import task_enqueued
        from django_tasks_rq.backend import Job, failed_callback, success_callback
        from rq.job import Callback, JobStatus  # type: ignore[attr-defined]

        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=result)
