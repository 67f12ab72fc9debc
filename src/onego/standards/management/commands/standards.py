"""onego standards drift [--region CODE] [--json] | load [PATH] | map NAME... [--file F] [--region CODE] | demand

demand recomputes the item co-occurrence table (--enqueue: as a task for the workers, as `onego serve` does hourly).

drift  lists each region's non-conforming items (implementation vs provincial standard) with reasons.
load   loads regional implementations (实施清单) from YAML (default: the demo starter file).
map    maps local item names to standard items; unsure ones wait in the review queue (/workbench/standards/names/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.commands import require_migrated
from onego.core.errors import OneGoError
from onego.standards.demand import co_occurrence_refresh
from onego.standards.naming import names_map
from onego.standards.selectors import drift_report
from onego.standards.services import STARTER, implementations_load
from onego.standards.tasks import refresh_co_occurrence


class Command(BaseCommand):
    help = "标准化：事项实施清单与省级标准的偏离（drift）、加载实施清单（load）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        drift = sub.add_parser("drift", help="列出各地与省级标准不一致的事项及原因")
        drift.add_argument("--region", help="区划代码：只看该区划及其下级")
        drift.add_argument("--json", action="store_true", help="输出 JSON")
        load = sub.add_parser("load", help="加载事项实施清单 YAML（全部成功才写入）")
        load.add_argument("path", nargs="?", type=Path, default=STARTER)
        mapping = sub.add_parser("map", help="把本地事项名称映射到标准事项（低于阈值的进入人工复核）")
        mapping.add_argument("names", nargs="*")
        mapping.add_argument("--file", type=Path, help="每行一个本地事项名称的 UTF-8 文本文件")
        mapping.add_argument("--region", help="这些名称所属的区划代码")
        demand = sub.add_parser("demand", help="重新计算事项共现（常被一起申请、却不在同一套餐中的事项）")
        demand.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        try:
            if options["action"] == "load":
                result = implementations_load(path=options["path"])
                self.stdout.write(f"已加载：{result.regions} 个地区，{result.implementations} 项实施清单")
                return
            if options["action"] == "demand":
                self._demand(options)
                return
            if options["action"] == "map":
                self._map(options)
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

    def _map(self, options: dict[str, Any]) -> None:
        names = list(options["names"])
        if options.get("file"):
            names += options["file"].read_text(encoding="utf-8").splitlines()
        if not names:
            raise CommandError("请给出本地事项名称，或用 --file 指定名称文件")
        for m in names_map(names=names, region_code=options.get("region")):
            target = f"{m.item.name} [{m.item.code}]" if m.item else "—"
            self.stdout.write(
                f"{m.local_name} → {target}  {m.get_method_display()} {m.confidence:.2f} {m.get_status_display()}"
            )

    def _demand(self, options: dict[str, Any]) -> None:
        if options["enqueue"]:
            refresh_co_occurrence.enqueue()
            self.stdout.write("已排队：重新计算事项共现")
            return
        result = co_occurrence_refresh()
        self.stdout.write(f"事项共现：{result.pairs} 对，其中不在任何套餐中的 {result.outside_packages} 对")
