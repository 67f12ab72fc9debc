"""onego standards drift [--region CODE] [--json] | load [PATH]

drift  lists each region's non-conforming items (implementation vs provincial standard) with reasons.
load   loads regional implementations (实施清单) from YAML (default: the demo starter file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.commands import require_migrated
from onego.core.errors import OneGoError
from onego.standards.selectors import drift_report
from onego.standards.services import STARTER, implementations_load


class Command(BaseCommand):
    help = "标准化：事项实施清单与省级标准的偏离（drift）、加载实施清单（load）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        drift = sub.add_parser("drift", help="列出各地与省级标准不一致的事项及原因")
        drift.add_argument("--region", help="区划代码：只看该区划及其下级")
        drift.add_argument("--json", action="store_true", help="输出 JSON")
        load = sub.add_parser("load", help="加载事项实施清单 YAML（全部成功才写入）")
        load.add_argument("path", nargs="?", type=Path, default=STARTER)

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        try:
            if options["action"] == "load":
                result = implementations_load(path=options["path"])
                self.stdout.write(f"已加载：{result.regions} 个地区，{result.implementations} 项实施清单")
                return
            self._drift(options)
        except OneGoError as exc:
            raise CommandError(exc.message) from exc

    def _drift(self, options: dict[str, Any]) -> None:
        report = drift_report(region_code=options.get("region"))
        if options["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in report], ensure_ascii=False, indent=2))
            return
        if not report:
            self.stdout.write("没有事项实施清单（先运行 onego standards load）")
            return
        total = 0
        for region in report:
            total += region.non_conforming
            self.stdout.write(
                f"{region.name}（{region.code}）：实施 {region.implemented} 项，"
                f"与标准不一致 {region.non_conforming} 项"
            )
            for item in region.items:
                self.stdout.write(f"  - {item.local_name} [{item.item_code}]")
                for d in item.deviations:
                    detail = (
                        f"（标准：{d.standard or '—'}；本地：{d.local or '—'}）"
                        if d.standard or d.local
                        else ""
                    )
                    self.stdout.write(f"      · {d.label}：{d.reason}{detail}")
        self.stdout.write(f"合计：{total} 项不一致")
