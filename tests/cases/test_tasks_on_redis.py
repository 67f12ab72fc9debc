"""The same tasks on the Redis queue (ONEGO_TASK_BACKEND=rq): pushed after commit, run by RQ workers.

A real Redis (tests/redis_server.py; `make test` starts one) and RQ's own worker, run in this process in
burst mode so it works on the test's database (SQLite's is in memory) — the job goes through Redis,
is fetched and run by RQ as `onego rqworker` does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onego.cases.models import Notification
from onego.cases.services.acceptance import case_accept
from onego.core import clock
from onego.core.tasks import stale_running_count, uses_redis, waiting_task_count
from onego.ledger.tasks import schedule_sequencer, sequence_ledger
from tests.cases.factories import submit
from tests.redis_server import redis_url  # noqa: F401  (the session fixture)

pytestmark = pytest.mark.django_db
SEND = "onego.cases.tasks.send_notification"


@pytest.fixture
def on_redis(redis_url: str, settings: Any, tmp_path: Path) -> Iterator[Any]:  # noqa: F811
    import django_rq
    from django_tasks_rq.backend import Job

    settings.DATA_DIR = tmp_path  # the SMS outbox
    with override_settings(
        TASKS={"default": {"BACKEND": "onego.core.tasks_rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 60}},
    ):
        queue = django_rq.get_queue("default", job_class=Job)
        queue.connection.flushdb()
        yield queue
        queue.connection.flushdb()


def work(queue: Any) -> None:
    """RQ's worker, burst mode: runs every job in the queue, then returns. Its channel for remote commands
    (stop, kill the job) is left out: closing it waits up to a minute for the listening thread here."""
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def subscribe(self) -> None:
            pass

    Worker([queue], connection=queue.connection, job_class=Job).work(burst=True)


def queued_sends(queue: Any) -> list[str]:
    from django_tasks_rq.backend import Job

    jobs = Job.fetch_many(queue.get_job_ids(), connection=queue.connection)
    return sorted(job.args[0] for job in jobs if job is not None and job.func_name == SEND)


def test_an_accepted_case_sends_its_messages_through_redis_after_commit(
    staff: Any, on_redis: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    assert uses_redis()
    case = submit(staff.clerk).case
    work(on_redis)  # the submission's own messages
    with django_capture_on_commit_callbacks(execute=True):
        case_accept(actor=staff.clerk, case_id=case.pk)
        assert queued_sends(on_redis) == []  # nothing reaches Redis before the commit
    accepted = Notification.objects.filter(case=case, kind="accepted")
    assert sorted(str(pk) for pk in accepted.values_list("pk", flat=True)) == queued_sends(on_redis)
    assert not DBTaskResult.objects.filter(task_path=SEND).exists()  # not in the database queue
    assert set(accepted.values_list("status", flat=True)) == {"pending"}
    job_ids = list(on_redis.get_job_ids())  # the messages and the new sub-cases' deadline checks

    work(on_redis)

    assert set(accepted.values_list("status", flat=True)) == {"sent"}
    assert on_redis.count == 0
    sms = [json.loads(line) for line in (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()]
    assert sum(1 for line in sms if "已受理" in line["text"]) == 1
    results = [task_backends["default"].get_result(job_id) for job_id in job_ids]
    assert {r.status for r in results} == {TaskResultStatus.SUCCESSFUL}
    assert {r.return_value for r in results if r.task.module_path == SEND} == {"sent"}


def test_a_rolled_back_change_pushes_nothing(
    staff: Any, on_redis: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = submit(staff.clerk).case
    work(on_redis)

    def accept_then_crash() -> None:
        with transaction.atomic():
            case_accept(actor=staff.clerk, case_id=case.pk)
            raise RuntimeError("crash before commit")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        accept_then_crash()
    assert on_redis.count == 0
    assert len(on_redis.scheduled_job_registry) == 0


def test_a_task_with_run_after_waits_in_the_scheduled_registry(
    on_redis: Any, django_capture_on_commit_callbacks: Any
) -> None:
    path = sequence_ledger.module_path
    assert waiting_task_count(path) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_sequencer() is True
    assert waiting_task_count(path) == 1
    assert on_redis.count == 0  # not runnable yet
    assert len(on_redis.scheduled_job_registry) == 1
    assert schedule_sequencer() is False  # one waiting run is enough


def test_a_failing_task_is_recorded_failed_with_its_exception(
    on_redis: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from onego.cases.tasks import check_subcase_deadline

    with django_capture_on_commit_callbacks(execute=True):
        result = check_subcase_deadline.enqueue("not-a-sub-case-id", 1)
    work(on_redis)
    stored = task_backends["default"].get_result(result.id)
    assert stored.status == TaskResultStatus.FAILED
    assert len(stored.errors) == 1
    assert stored.errors[0].exception_class_path.startswith("django.")
    assert stale_running_count(started_before=clock.now() + dt.timedelta(minutes=1)) == 0


def test_readiness_names_the_queue_when_redis_does_not_answer(client: Any, on_redis: Any) -> None:
    assert client.get("/readyz").status_code == 200
    with override_settings(RQ_QUEUES={"default": {"URL": "redis://127.0.0.1:1/0"}}):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"].startswith("unreachable")
