"""onego catalog import PATH [--dry-run] [--actor NAME] [--draft] | export PATH [--xlsx] | translations

`import` is the trusted bootstrap path: the operator on the server publishes at once, recorded as
`--actor` (default `cli:<login name>`) with the diff and package versions, marked as not reviewed by a
second administrator. `--draft` submits one file for review instead (onego.catalog.publishing).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.catalog.definitions.export import export_catalog
from onego.catalog.publishing import change_propose, publish_trusted
from onego.catalog.services import CatalogImportFailed
from onego.core.commands import require_migrated
from onego.core.errors import OneGoError


class Command(BaseCommand):
    help = "导入/导出服务目录与一件事套餐定义（YAML 文件夹与 xlsx 事项表）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入一个文件夹或文件（全部成功才写入）")
        imp.add_argument("path", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        imp.add_argument("--actor", default="", help="记录为发布人（默认 cli:<登录名>）")
        imp.add_argument("--draft", action="store_true", help="不直接发布：提交一个文件待另一位管理员审核")
        exp = sub.add_parser("export", help="把数据库中的目录写成定义文件")
        exp.add_argument("path", type=Path)
        exp.add_argument("--xlsx", action="store_true", help="同时把事项写成 items.xlsx")
        sub.add_parser("translations", help="列出没有英文的目录文字（名称、选项、备注）；有缺漏时退出码非零")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        if options["action"] == "import":
            actor = options["actor"] or f"cli:{getpass.getuser()}"
            if options["draft"]:
                self._draft(options["path"], actor)
                return
            try:
                result = publish_trusted(path=options["path"], actor=actor, dry_run=options["dry_run"])
            except CatalogImportFailed as exc:
                for issue in exc.issues:
                    self.stderr.write(str(issue))
                raise CommandError(f"导入被拒绝：{len(exc.issues)} 处错误，未写入任何内容") from exc
            counts = ", ".join(f"{k} {v}" for k, v in result.counts.items() if v)
            verb = (
                "检查通过（未写入）"
                if result.dry_run
                else f"已导入并发布（{actor}，命令行引导导入，未经第二人审核）"
            )
            self.stdout.write(f"{verb}：{counts}")
            for notice in result.notices:
                self.stdout.write(f"注意：{notice}")
        elif options["action"] == "translations":
            from onego.catalog.i18n import missing_english

            missing = missing_english()
            for entry in missing:
                self.stdout.write(f"{entry.where}\t{entry.kind}\t{entry.text}")
            if missing:
                raise CommandError(f"{len(missing)} 处目录文字没有英文（在 name_en 或 translations: 中补上）")
            self.stdout.write("目录文字均有英文 Every catalog text has English")
        else:
            written = export_catalog(options["path"])
            if options["xlsx"]:
                from onego.catalog.definitions.xlsx import write_items_workbook

                written.append(write_items_workbook(options["path"] / "items.xlsx"))
            self.stdout.write(f"已导出 {len(written)} 个文件到 {options['path']}")

    def _draft(self, path: Path, actor: str) -> None:
        if not path.is_file():
            raise CommandError("--draft 只接受一个 .yaml 或 .xlsx 文件")
        content = path.read_bytes()
        try:
            if path.suffix.lower() == ".xlsx":
                change = change_propose(author=actor, upload=content, name=path.name, channel="cli")
            else:
                change = change_propose(
                    author=actor, text=content.decode("utf-8"), name=path.name, channel="cli"
                )
        except CatalogImportFailed as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"导入被拒绝：{len(exc.issues)} 处错误，未写入任何内容") from exc
        except OneGoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"已提交待审核：{change.title}（编号 {change.pk}），须由另一位管理员在套餐设计器中发布"
        )
        for finding in change.findings:
            self.stdout.write(f"检查未通过：{finding['message']}")
