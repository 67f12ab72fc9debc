"""Site-wide plumbing views: the icon browsers ask for, and the health and readiness probes."""

from __future__ import annotations

import logging

from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onego.core.tasks import QueueUnreachable

logger = logging.getLogger(__name__)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Browsers ask for /favicon.ico whatever the page says; the file itself is a static file (hashed
    # and cached for a year in production), so this only points there.
    return HttpResponsePermanentRedirect(staticfiles_storage.url("onego/favicon.ico"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process is up and answers. Touches nothing else, so a database outage does not
    make the orchestrator restart every web process at once."""
    return JsonResponse({"status": "ok"})


_migrations_applied = False  # once true it stays true for this process (a new release restarts it)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_migrations() -> str:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} migration(s) not applied (run onego migrate)"
        _migrations_applied = True
    return "ok"


def _check_tasks() -> str:
    # The task queue (django-tasks-db's table, or Redis): reachable when it answers.
    from onego.core.tasks import ping

    ping()
    return "ok"


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers, every migration is applied, the task queue is reachable.
    503 with the failing check named when not (the load balancer stops sending traffic)."""
    checks: dict[str, str] = {}
    for name, check in (
        ("database", _check_database),
        ("migrations", _check_migrations),
        ("tasks", _check_tasks),
    ):
        try:
            checks[name] = check()
        except (DatabaseError, QueueUnreachable) as exc:
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )
