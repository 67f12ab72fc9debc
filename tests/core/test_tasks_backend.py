"""The task backend writes an action's task rows with its unit of work, inside its transaction."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult, get_date_max

from onego.cases.tasks import send_notification
from onego.core import uow

pytestmark = pytest.mark.django_db


def test_tasks_enqueued_in_a_unit_are_one_insert_at_its_end() -> None:
    with CaptureQueriesContext(connection) as queries, uow.unit_of_work():
        results = [send_notification.enqueue(f"n-{n}") for n in range(3)]
        assert not DBTaskResult.objects.exists()
    rows = {str(r.pk): r for r in DBTaskResult.objects.all()}
    assert set(rows) == {str(r.id) for r in results}
    assert sorted(r.args_kwargs["args"][0] for r in rows.values()) == ["n-0", "n-1", "n-2"]
    assert all(r.run_after == get_date_max() for r in rows.values())  # "as soon as possible"
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "django_tasks')]
    assert len(inserts) == 1


def test_a_task_enqueued_outside_a_unit_is_written_at_once() -> None:
    result = send_notification.enqueue("n-1")
    assert str(DBTaskResult.objects.get().pk) == str(result.id)


def test_a_unit_that_raises_leaves_no_task() -> None:
    @uow.unit_of_work
    def fail() -> None:
        send_notification.enqueue("n-1")
        raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert not DBTaskResult.objects.exists()
