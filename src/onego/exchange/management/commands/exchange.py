"""onego exchange contracts import PATH [--dry-run] | contracts list [--all] | contracts draft [-o FILE]"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.errors import OneGoError
from onego.exchange.contracts import draft_yaml
from onego.exchange.models import SharingContract
from onego.exchange.selectors import active_contracts
from onego.exchange.services import ContractImportFailed, contracts_import

STARTER = Path(__file__).resolve().parents[2] / "starter" / "contracts.yaml"


class Command(BaseCommand):
    help = "数据共享交换：导入、列出、起草共享协议（智能合约）"

    def add_arguments(self, parser: CommandParser) -> None:
        area = parser.add_subparsers(dest="area", required=True)
        contracts = area.add_parser("contracts", help="共享协议")
        sub = contracts.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入 YAML（全部通过才写入；每次变更生成新版本并记入账本）")
        imp.add_argument("path", type=Path, nargs="?", default=STARTER, help=f"默认：{STARTER.name}（内置）")
        imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        imp.add_argument("--actor", default="admin:cli", help="记入账本的发布人（默认 admin:cli）")
        lst = sub.add_parser("list", help="列出现行协议")
        lst.add_argument("--all", action="store_true", help="包括历史版本和已撤销的协议")
        draft = sub.add_parser("draft", help="按服务目录起草协议 YAML（供人工审核后导入）")
        draft.add_argument("-o", "--output", type=Path, help="写入文件（默认输出到屏幕）")
        draft.add_argument("--valid-from", default="2025-01-01", help="生效日期 YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ContractImportFailed as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"导入被拒绝：{len(exc.issues)} 处错误，未写入任何内容") from exc
        except OneGoError as exc:
            raise CommandError(exc.message) from exc

    def _import(self, options: dict[str, Any]) -> None:
        result = contracts_import(path=options["path"], actor=options["actor"], dry_run=options["dry_run"])
        verb = "检查通过（未写入）" if result.dry_run else "已导入"
        self.stdout.write(
            f"{verb}：新版本 {len(result.published)}，未变 {len(result.unchanged)}，撤销 {len(result.revoked)}"
        )
        for label in result.published:
            self.stdout.write(f"  + {label}")
        for label in result.revoked:
            self.stdout.write(f"  - {label}")

    def _list(self, options: dict[str, Any]) -> None:
        rows = SharingContract.objects.order_by("code", "-version") if options["all"] else active_contracts()
        for c in rows:
            until = c.valid_until.isoformat() if c.valid_until else "长期"
            state = "现行" if c.active else "历史"
            grants = f"数据元 {len(c.elements)} · 材料 {len(c.materials)} · 电子证照 {len(c.licence_types)}"
            self.stdout.write(
                f"{c.label:<40} {state} {c.consumer_kind}:{c.consumer_code}  {c.purpose}  "
                f"{grants}  {c.valid_from.isoformat()}—{until}"
            )

    def _draft(self, options: dict[str, Any]) -> None:
        try:
            valid_from = dt.date.fromisoformat(options["valid_from"])
        except ValueError as exc:
            raise CommandError("--valid-from 应写作 YYYY-MM-DD") from exc
        text = draft_yaml(valid_from)
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stdout.write(f"已写入 {options['output']}")
        else:
            self.stdout.write(text)
