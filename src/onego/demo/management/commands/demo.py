"""onego demo setup — demo logins (and, as the exchange lands, demo identities) for `make run`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onego.core.textable import table
from onego.demo.accounts import ensure_demo_logins


class Command(BaseCommand):
    help = "演示数据：demo setup 创建演示账号"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("setup", help="创建演示账号并打印")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = ensure_demo_logins()
        self.stdout.write("\n演示账号 Demo logins")
        self.stdout.write(
            table(
                ["用户名", "密码", "角色", "入口"], [(x.username, x.password, x.role, x.url) for x in logins]
            )
        )
