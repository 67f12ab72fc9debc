"""`onego insight refresh [--full] [--schedule]`: bring the dashboard's rollups up to date (docs/insight.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.errors import OneGoError
from onego.insight.refresh import insight_refresh


class Command(BaseCommand):
    help = "运行监测汇总：增量刷新（refresh）或全量重算（refresh --full）"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        refresh = actions.add_parser("refresh", help="重算有变化的日期的汇总（幂等，可随时运行）")
        refresh.add_argument("--full", action="store_true", help="重算全部日期")
        refresh.add_argument("--schedule", action="store_true", help="并排入周期刷新任务（已排队则不重复）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = insight_refresh(full=options["full"])
        except OneGoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(report.summary())
        if options["schedule"]:
            from onego.insight.tasks import schedule_refresh

            queued = schedule_refresh()
            self.stdout.write("汇总刷新任务已排队" if queued else "汇总刷新任务已在队列中")
