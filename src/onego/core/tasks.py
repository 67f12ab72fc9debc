"""The task backend: django-tasks-db, with task rows written by the unit of work.

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
