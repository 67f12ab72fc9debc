"""onego package list | explain CODE --region R --answer k=v ... [--json] | burden --all [--markdown FILE]
| contracts CODE [-o FILE] | check CODE... | check --all [--json]

In the cases app (not catalog) because `check` walks the application path: the contact step, delivery,
prefill and sharing contracts (cases/askonce.py) sit above the catalog.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.cases.askonce import KIND_LABELS, check_packages
from onego.cases.burden import with_observed_typing
from onego.catalog.advisors import contract_advisor
from onego.catalog.burden import burden_report, burden_table_markdown
from onego.catalog.rules.package import CompiledPackage
from onego.catalog.selectors import compile_for, package_by_code, packages_offered
from onego.core.commands import require_migrated
from onego.core.errors import OneGoError
from onego.core.textable import table

YES = "是"


def parse_answers(pairs: list[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--answer 应写成 问题标识=答案，收到“{pair}”")
        answers[key.strip()] = value.strip()
    return answers


class Command(BaseCommand):
    help = "一件事套餐：列出、按情形编译（explain）、减负报告（burden）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="列出所有套餐")
        ex = sub.add_parser("explain", help="按地区和情形答案编译套餐")
        ex.add_argument("code")
        ex.add_argument("--region", default="520100", help="行政区划代码（默认 520100 贵阳市）")
        ex.add_argument("--answer", action="append", default=[], metavar="ID=VALUE")
        ex.add_argument("--add", action="append", default=[], metavar="ITEM", help="加办可选事项")
        ex.add_argument("--drop", action="append", default=[], metavar="ITEM", help="取消可选事项")
        ex.add_argument("--json", action="store_true")
        co = sub.add_parser("contracts", help="套餐需要、已有和缺少的共享协议；起草缺少的（YAML）")
        co.add_argument("code")
        co.add_argument("-o", "--output", type=Path, help="把报告和草稿写入文件（可直接导入）")
        bu = sub.add_parser("burden", help="减负报告：每个套餐最常见情形下的办事负担")
        bu.add_argument("--all", action="store_true", required=True)
        bu.add_argument(
            "--region", default=None, help="只报告在此地区提供的套餐（默认：每个套餐在其提供地区）"
        )
        bu.add_argument("--markdown", type=Path, help="把报告写成 Markdown（如 docs/packages.md）")
        bu.add_argument("--json", action="store_true")
        ch = sub.add_parser(
            "check", help="一次询问检查：按声明的情形走一遍申请，列出重复询问的数据（有则非零退出）"
        )
        ch.add_argument("codes", nargs="*", metavar="CODE")
        ch.add_argument("--all", action="store_true", help="检查所有套餐")
        ch.add_argument("--region", default=None, help="行政区划代码（默认：套餐提供地区中的第一个）")
        ch.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        try:
            getattr(self, f"do_{options['action']}")(options)
        except OneGoError as exc:
            raise CommandError(exc.message) from exc

    def do_list(self, options: dict[str, Any]) -> None:
        rows = [
            (p.code, p.name, p.get_theme_display(), p.lead_department_type.name, p.promised_days or "")
            for p in packages_offered()
        ]
        self.stdout.write(table(["代码", "名称", "主题", "牵头部门", "承诺时限"], rows))

    def do_explain(self, options: dict[str, Any]) -> None:
        compiled = compile_for(
            package_code=options["code"],
            region_code=options["region"],
            answers=parse_answers(options["answer"]),
            add=options["add"],
            drop=options["drop"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(compiled.to_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(render_explain(compiled))
        advisor = contract_advisor()
        for warning in advisor.warnings(compiled) if advisor else []:
            self.stdout.write(f"注意：{warning}")

    def do_contracts(self, options: dict[str, Any]) -> None:
        advisor = contract_advisor()
        if advisor is None:
            raise CommandError("数据共享交换（onego.exchange）未安装，无法检查共享协议")
        package_by_code(options["code"])  # an unknown code is a clear error
        text = advisor.report(options["code"])
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stdout.write(
                f"已写入 {options['output']}；审核后导入：onego exchange contracts import {options['output']}"
            )
            return
        self.stdout.write(text)

    def do_burden(self, options: dict[str, Any]) -> None:
        # Typed fields measured from submitted cases' provenance where the package has any (cases/burden.py).
        report = with_observed_typing(burden_report(region_code=options["region"]))
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        markdown = burden_table_markdown(report)
        for x in report["left_out"]:
            self.stderr.write(f"未纳入：{x['name']}（{x['code']}）：{x['reason']}")
        if options["markdown"]:
            options["markdown"].write_text(markdown, encoding="utf-8")
            self.stdout.write(f"已写入 {options['markdown']}")
        self.stdout.write(markdown)

    def do_check(self, options: dict[str, Any]) -> None:
        codes = list(options["codes"])
        if options["all"]:
            codes = [p.code for p in packages_offered()]
        if not codes:
            raise CommandError("请给出套餐代码，或用 --all 检查所有套餐")
        report = check_packages(codes, region_code=options["region"])
        count = sum(len(found) for found in report.values())
        if options["json"]:
            data = {code: [f.as_dict() for f in found] for code, found in report.items()}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for code, found in report.items():
                self.stdout.write(f"{code}：{'通过' if not found else f'{len(found)} 项问题'}")
                for f in found:
                    self.stdout.write(f"  [{KIND_LABELS.get(f.kind, f.kind)}] {f.scenario}：{f.message}")
        if count:
            raise CommandError(f"共 {count} 项问题：同一数据只应询问一次")


def render_explain(c: CompiledPackage) -> str:
    out: list[str] = [f"{c.name}（{c.package}） 地区 {c.region}  牵头部门：{c.lead_department}"]
    answered = ", ".join(f"{k}={v}" for k, v in c.answers.items() if v is not None)
    out.append(f"情形答案：{answered or '（无）'}")
    if c.unanswered:
        out.append(f"未回答：{', '.join(c.unanswered)}（按“否/不适用”处理）")
    out.append("\n办理事项")
    out.append(
        table(
            ["阶段", "代码", "事项", "实施部门/合作机构", "承诺(工作日)", "前置", "说明"],
            [
                (
                    e.stage + 1,
                    e.code,
                    e.name,
                    e.department or (e.partner_kind and f"合作机构：{e.partner_kind}") or "—",
                    e.days,
                    ",".join(e.after) or "—",
                    e.reason,
                )
                for e in c.entries
            ],
        )
    )
    if c.excluded:
        out.append("\n不办理的事项")
        out.append(
            table(
                ["代码", "事项", "原因"],
                [(e.code, e.name, e.reason + ("（可加办）" if e.addable else "")) for e in c.excluded],
            )
        )
    out.append("\n并行阶段")
    for i, level in enumerate(c.stages, 1):
        out.append(f"  阶段 {i}：{'、'.join(level)}")
    out.append("\n一张表单（每项只填一次）")
    rows = []
    for group in c.form:
        for f in group.fields:
            rows.append(
                (
                    group.title,
                    f.element,
                    f.name,
                    "免填" if f.produced_by else "必填" if f.required else "选填",
                    f"本套餐“{f.produced_by}”办结后产生"
                    if f.produced_by
                    else f"自动获取：{f.prefill_source}"
                    if f.prefill_registry
                    else "填写",
                    ",".join(f.used_by),
                )
            )
    out.append(table(["分组", "数据元", "名称", "必填", "来源", "使用事项"], rows))
    out.append("\n一套材料")
    out.append(
        table(
            ["材料", "名称", "需要的事项", "提交"],
            [
                (
                    mt.material,
                    mt.name,
                    ",".join(mt.used_by),
                    mt.exempt_reason if mt.exempt else ("需提交" if mt.required else "按需提交"),
                )
                for mt in c.materials
            ],
        )
    )
    t, b = c.timing, c.burden
    red = b.reductions()
    out.append("\n时间")
    out.append(
        f"  关键路径 {t.critical_path_days} 个工作日（{' → '.join(t.critical_path) or '—'}），"
        f"逐项串联 {t.serial_days} 个工作日，法定时限合计 {t.legal_serial_days} 个工作日"
        + (f"，套餐承诺 {t.package_promised_days} 个工作日" if t.package_promised_days is not None else "")
    )
    out.append("\n减负（套餐 对比 逐项分别办理）")
    out.append(
        table(
            ["指标", "逐项办理", "一件事套餐", "减少"],
            [
                (
                    "填写字段",
                    b.fields_separate,
                    f"{b.fields_to_type}（合并后 {b.fields_merged}，自动获取 "
                    f"{b.fields_merged - b.fields_to_type}）",
                    f"{red['fields']}%",
                ),
                (
                    "提交材料",
                    b.uploads_separate,
                    f"{b.uploads_to_make}（去重后 {b.uploads_merged}）",
                    f"{red['uploads']}%",
                ),
                ("跑动次数", b.trips_separate, b.trips_package, f"{red['trips']}%"),
                ("办理时间（工作日）", b.days_serial, b.days_parallel, f"{red['days']}%"),
            ],
        )
    )
    for w in c.warnings:
        out.append(f"注意：{w}")
    return "\n".join(out)
