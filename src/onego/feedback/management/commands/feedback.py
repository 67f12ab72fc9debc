"""`onego feedback tick`: escalate overdue rectification work orders (run from cron beside
`onego cases tick`; idempotent — an order is escalated once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.errors import OneGoError
from onego.feedback.services import rectifications_escalate_overdue


class Command(BaseCommand):
    help = "好差评 housekeeping: escalate rectification work orders past their deadline to supervisors."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("tick", help="Escalate overdue rectifications (safe to run every few minutes).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            escalated = rectifications_escalate_overdue()
        except OneGoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"超期督办整改工单 {escalated} 个。")
