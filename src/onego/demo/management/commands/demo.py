"""onego demo setup | seed — demo logins and identities for `make run`; synthetic populations.

onego demo setup                                      demo logins and documented demo identities
onego demo seed --people N --enterprises M --seed S   synthetic residents, enterprises, licences
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.errors import OneGoError
from onego.core.textable import table
from onego.demo.accounts import ensure_demo_logins
from onego.demo.feedback import seed_feedback_demo, seed_reports_demo
from onego.registries.demo_identities import seed_demo
from onego.registries.synthetic import seed


class Command(BaseCommand):
    help = "演示数据：demo setup 创建演示账号和演示身份；demo seed 生成合成人口、企业和证照"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("setup", help="创建演示账号和演示身份并打印")
        seeding = sub.add_parser("seed", help="生成合成人口、企业和电子证照（同一种子生成相同数据）")
        seeding.add_argument("--people", type=int, required=True)
        seeding.add_argument("--enterprises", type=int, default=0)
        seeding.add_argument("--seed", type=int, required=True)
        seeding.add_argument("--region", action="append", default=None, help="县级区划代码，可重复")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seed":
            self._seed(options)
            return
        logins = ensure_demo_logins()
        self.stdout.write("\n演示账号 Demo logins")
        self.stdout.write(
            table(
                ["用户名", "密码", "角色", "入口"], [(x.username, x.password, x.role, x.url) for x in logins]
            )
        )
        identities = seed_demo()
        self.stdout.write(
            "\n演示身份 Demo identities（合成数据，号码不属于任何真实的人 synthetic, docs/demo-identities.md）"
        )
        self.stdout.write(
            table(
                ["姓名/名称", "证件号码", "手机", "演示"],
                [(d.name, d.key, d.phone, d.packages) for d in identities],
            )
        )
        self.stdout.write("\n" + seed_feedback_demo())
        self.stdout.write(seed_reports_demo())

    def _seed(self, options: dict[str, Any]) -> None:
        try:
            summary = seed(
                people=options["people"],
                enterprises=options["enterprises"],
                seed=options["seed"],
                region_codes=options["region"],
            )
        except OneGoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(table(["生成 Created", "数量 Count"], summary.as_rows()))
        rate = summary.people / summary.seconds if summary.seconds else 0
        self.stdout.write(f"用时 elapsed: {summary.seconds:.1f} s（{rate:,.0f} 人/秒 people/s）")
