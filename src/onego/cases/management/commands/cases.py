"""`onego cases recompute-deadlines [--year Y]` and `onego cases tick`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.cases.selectors import STALE_TASK_AFTER, stale_running_tasks
from onego.cases.services.deadlines import recompute_provisional_deadlines, recover_deadline_checks
from onego.cases.services.notify import sweep_outbox
from onego.cases.services.partners import sweep_partner_deliveries
from onego.cases.services.results import recover_pending_results
from onego.core import clock
from onego.core.errors import OneGoError


class Command(BaseCommand):
    help = "Case housekeeping: recompute provisional deadlines; re-enqueue lost background work."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        recompute = actions.add_parser(
            "recompute-deadlines",
            help="Recompute provisional deadlines after a year's holiday notice was entered "
            "(or the calendar library upgraded) and tell applicants whose dates moved.",
        )
        recompute.add_argument(
            "--year", type=int, default=None, help="only deadlines provisional over this year"
        )
        actions.add_parser(
            "tick",
            help="Run from cron every few minutes: re-enqueue unsent notifications and deadline checks lost "
            "with a killed worker, and recompute deadlines over years that became known.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "recompute-deadlines":
                self.stdout.write(recompute_provisional_deadlines(year=options["year"]).summary())
                return
            sent = sweep_outbox()
            checks = recover_deadline_checks()
            deliveries = sweep_partner_deliveries()
            results = recover_pending_results()
            report = recompute_provisional_deadlines()
            self.stdout.write(
                f"重新排队通知 {sent} 条；恢复期限检查 {checks} 个；重发合作机构环节 {deliveries} 个；"
                f"重新生成办结结果 {results} 件。"
            )
            self.stdout.write(report.summary())
            stale = stale_running_tasks(now=clock.now())
            if stale:
                minutes = int(STALE_TASK_AFTER.total_seconds() // 60)
                # Said on stderr so cron mails it: a worker died (its work was recovered above).
                self.stderr.write(
                    f"注意：{stale} 个后台任务开始运行已超过 {minutes} 分钟仍未结束，工作进程可能已中断；"
                    "其未完成的工作已由本命令重新排队。请检查 `onego db_worker` 是否在运行。"
                )
        except OneGoError as exc:
            raise CommandError(exc.message) from exc
