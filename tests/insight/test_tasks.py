"""The periodic refresh task: it refreshes, and keeps exactly one next run queued."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from onego.insight.models import CaseDay, RefreshState
from onego.insight.tasks import refresh_rollups, schedule_refresh
from tests.cases.factories import submit
from tests.insight.conftest import People

pytestmark = pytest.mark.django_db


def queued() -> int:
    return DBTaskResult.objects.filter(task_path=refresh_rollups.module_path, status="READY").count()


def test_the_task_refreshes_and_queues_its_next_run_once(people: People, traveller: Any) -> None:
    submit(people.clerk, key="insight-task-1")
    assert schedule_refresh() is True
    assert schedule_refresh() is False  # one waiting run is enough
    assert queued() == 1
    DBTaskResult.objects.all().delete()
    summary = refresh_rollups.call()
    assert "1 件办件" in summary
    assert CaseDay.objects.get().submitted == 1
    assert RefreshState.objects.get().last_run_at is not None
    assert queued() == 1
