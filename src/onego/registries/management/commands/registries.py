"""`onego registries events [--date YYYY-MM-DD]`: the simulated registries publish the events their data
makes due (births, approaching retirements, expiring certificates); idempotent (onego/registries/events.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.registries.events import publish_due_events


class Command(BaseCommand):
    help = "The registry simulator: publish due events to the event feed."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        events = actions.add_parser("events", help="publish the events due today (or on --date)")
        events.add_argument("--date", default="", help="the day to publish for (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date 应为 YYYY-MM-DD，收到“{options['date']}”") from exc
        self.stdout.write(publish_due_events(today=day).summary())
