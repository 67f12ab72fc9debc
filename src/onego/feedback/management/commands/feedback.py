"""`onego feedback tick`: escalate overdue rectification work orders (run from cron beside
`onego cases tick`; idempotent — an order is escalated once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.errors import OneGoError
from onego.feedback.report_services import open311_key_create, work_orders_escalate_overdue
from onego.feedback.services import rectifications_escalate_overdue


class Command(BaseCommand):
    help = "好差评 housekeeping: escalate rectification work orders past their deadline to supervisors."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "tick", help="Escalate overdue rectifications and work orders (safe to run every few minutes)."
        )
        key = actions.add_parser("open311-key", help="Make an Open311 api_key for a partner (printed once).")
        key.add_argument("--name", required=True, help="The partner's name.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "open311-key":
                row, key = open311_key_create(name=options["name"])
                self.stdout.write(f"{row.name}: {key}")
                self.stdout.write("请妥善保存：密钥只显示这一次，系统只保存其摘要。")
                return
            escalated = rectifications_escalate_overdue()
            orders = work_orders_escalate_overdue()
        except OneGoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"超期督办整改工单 {escalated} 个，部门工单 {orders} 个。")
