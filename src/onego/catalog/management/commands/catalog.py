"""onego catalog import PATH [--dry-run] | export PATH [--xlsx] | translations"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.catalog.definitions.export import export_catalog
from onego.catalog.services import CatalogImportFailed, catalog_import
from onego.core.commands import require_migrated


class Command(BaseCommand):
    help = "导入/导出服务目录与一件事套餐定义（YAML 文件夹与 xlsx 事项表）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入一个文件夹或文件（全部成功才写入）")
        imp.add_argument("path", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        exp = sub.add_parser("export", help="把数据库中的目录写成定义文件")
        exp.add_argument("path", type=Path)
        exp.add_argument("--xlsx", action="store_true", help="同时把事项写成 items.xlsx")
        sub.add_parser("translations", help="列出没有英文的目录文字（名称、选项、备注）；有缺漏时退出码非零")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        if options["action"] == "import":
            try:
                result = catalog_import(path=options["path"], dry_run=options["dry_run"])
            except CatalogImportFailed as exc:
                for issue in exc.issues:
                    self.stderr.write(str(issue))
                raise CommandError(f"导入被拒绝：{len(exc.issues)} 处错误，未写入任何内容") from exc
            counts = ", ".join(f"{k} {v}" for k, v in result.counts.items() if v)
            verb = "检查通过（未写入）" if result.dry_run else "已导入"
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
