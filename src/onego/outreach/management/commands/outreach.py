"""`onego outreach tick|rules|rank`: proactive service and hot packages (docs/outreach.md).

- `tick` (run every few minutes; `onego serve` does): pull every registry event feed through the exchange,
  make the offers of new events (never twice for one event), re-enqueue unsent offer SMS, and recompute
  the hot packages when the last ranking is older than an hour.
- `rules [PATH]`: load and check the rules (examples run); prints each refused rule with file:line and
  exits 1 when any is refused.
- `rank`: recompute every region's hot packages now.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.errors import OneGoError
from onego.outreach.eligibility import RULES_DIR, read_rules
from onego.outreach.hot import rank_hot_packages, ranking_stale
from onego.outreach.services import catalog_problems, match_events, pull_events, sweep_offer_sms


class Command(BaseCommand):
    help = "Proactive service (服务找人) and each region's hot packages."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("tick", help="pull registry events, make offers, resend SMS, refresh hot packages")
        rules = actions.add_parser("rules", help="check the eligibility rules and their examples")
        rules.add_argument("path", nargs="?", default=str(RULES_DIR))
        actions.add_parser("rank", help="recompute every region's hot packages")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            action = options["action"]
            if action == "rules":
                self._rules(Path(options["path"]))
            elif action == "rank":
                self.stdout.write(f"热点一件事：{rank_hot_packages()} 个地区已重新排名。")
            else:
                pulled = pull_events()
                matched = match_events()
                resent = sweep_offer_sms()
                ranked = rank_hot_packages() if ranking_stale() else 0
                self.stdout.write(
                    f"收到事件 {pulled.received} 个；匹配事件 {matched.events} 个，推送 {matched.offers} 条，"
                    f"因退订未推送 {matched.withheld} 条；重新排队短信 {resent} 条；重新排名地区 {ranked} 个。"
                )
                if pulled.unavailable:
                    self.stderr.write(f"暂时无法读取的事件源：{'、'.join(pulled.unavailable)}（下次再读）")
        except OneGoError as exc:
            raise CommandError(exc.message) from exc

    def _rules(self, path: Path) -> None:
        ruleset = read_rules(path)
        problems = [str(i) for i in ruleset.issues]
        for rule in ruleset.rules:
            problems += catalog_problems(rule)
        for rule in ruleset.rules:
            self.stdout.write(f"{rule.code}（{rule.name}）：{len(rule.examples)} 个示例通过")
        if problems:
            self.stderr.write("以下规则未启用：\n" + "\n".join(problems))
            raise SystemExit(1)
