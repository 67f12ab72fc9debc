"""`onego serve`: the whole service in one command — web server, task workers and the periodic tick.

    onego serve [--host 127.0.0.1] [--port 8000] [--no-reload]      development (runserver; make run)
    onego serve --production [--web-workers N] [--task-workers N]      gunicorn (make prod; docs/deployment.md)

Ctrl-C (SIGINT) or SIGTERM stops every process; a task worker that dies is restarted with back-off
(1, 2, 4 … 60 s); `onego cases tick` runs every `--tick-interval` seconds (the cron job of
docs/cases.md; 0 turns it off when cron runs it instead); `onego ledger sequence --schedule` runs once per
maximum merge delay (docs/ledger.md). See onego/core/supervisor.py.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.supervisor import Child, Supervisor, onego_argv

REGISTRY_EVENTS_EVERY = 24 * 3600  # `onego registries events`: the day's events (docs/outreach.md)


class Command(BaseCommand):
    help = "Run the web server and the task workers together; Ctrl-C stops them all."
    requires_system_checks: list[str] = []  # the children run the checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.ONEGO_HOST)
        parser.add_argument("--port", type=int, default=settings.ONEGO_PORT)
        parser.add_argument(
            "--production", action="store_true", help="gunicorn instead of Django's development server"
        )
        parser.add_argument("--web-workers", type=int, default=settings.ONEGO_WEB_WORKERS)
        parser.add_argument("--task-workers", type=int, default=settings.ONEGO_TASK_WORKERS)
        parser.add_argument(
            "--tick-interval",
            type=float,
            default=settings.ONEGO_TICK_INTERVAL,
            help="seconds between runs of `onego cases tick` (0: never)",
        )
        parser.add_argument("--no-reload", action="store_true", help="development: no autoreloader")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["task_workers"] < 0 or options["web_workers"] < 1:
            raise CommandError("--web-workers must be at least 1 and --task-workers at least 0")
        children = [Child("web", self._web_argv(options))]
        reload_flag = "--no-reload" if options["production"] or options["no_reload"] else "--reload"
        for n in range(1, options["task_workers"] + 1):
            children.append(Child(f"worker-{n}", self._worker_argv(reload_flag, n), restart=True))
        if options["tick_interval"] > 0:
            children.append(Child("tick", onego_argv("cases", "tick"), every=options["tick_interval"]))
            # Proactive service and hot packages (docs/outreach.md): pull registry events, offer, rank.
            children.append(Child("outreach", onego_argv("outreach", "tick"), every=options["tick_interval"]))
            # Date-driven registry events (approaching retirements, expiring licences): once at start and
            # once a day; idempotent per event key, so a restart that runs it again publishes nothing twice.
            children.append(
                Child("registry-events", onego_argv("registries", "events"), every=REGISTRY_EVENTS_EVERY)
            )
        if options["task_workers"] > 0:
            # The ledger's sequencer seals pending entries within the maximum merge delay (docs/ledger.md):
            # it runs as a self-requeuing task on the workers; this seals and re-queues it once per delay,
            # so a lost task chain cannot leave entries unsealed for longer.
            children.append(
                Child(
                    "ledger-sequencer",
                    onego_argv("ledger", "sequence", "--schedule"),
                    every=settings.ONEGO_LEDGER_MAX_MERGE_DELAY,
                )
            )
            # The dashboard's rollups (docs/insight.md): refreshed by a self-requeuing task; this runs a
            # pass and restarts the chain once per interval, as for the ledger.
            children.append(
                Child(
                    "insight-refresh",
                    onego_argv("insight", "refresh", "--schedule"),
                    every=settings.ONEGO_INSIGHT_REFRESH_INTERVAL,
                )
            )
            # 新一件事 demand (docs/standards.md): the item co-occurrence table, recomputed hourly by a task.
            children.append(
                Child("standards-demand", onego_argv("standards", "demand", "--enqueue"), every=3600)
            )
        code = Supervisor(children, out=sys.stderr).run()
        if code:
            raise SystemExit(code)

    def _worker_argv(self, reload_flag: str, n: int) -> list[str]:
        if settings.ONEGO_TASK_BACKEND == "rq":
            # RQ's worker on Redis; each also moves due scheduled jobs (run_after) to the queue (one at a time
            # holds the scheduler lock).
            return onego_argv("rqworker", "default", "--with-scheduler")
        return onego_argv("db_worker", reload_flag, "--no-startup-delay")

    def _web_argv(self, options: dict[str, Any]) -> list[str]:
        address = f"{options['host']}:{options['port']}"
        if not options["production"]:
            return onego_argv("runserver", address, *(["--noreload"] if options["no_reload"] else []))
        return [
            sys.executable,
            "-u",
            "-m",
            "gunicorn",
            "onego.wsgi:application",
            "--config",
            "python:onego.gunicorn_conf",
            "--bind",
            address,
            "--workers",
            str(options["web_workers"]),
        ]
