"""Background tasks of the standards app (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_co_occurrence() -> str:
    """Recompute the item co-occurrence table (idempotent: it replaces the table each time)."""
    from onego.standards.demand import co_occurrence_refresh

    result = co_occurrence_refresh()
    return f"{result.pairs} pairs, {result.outside_packages} outside packages"
