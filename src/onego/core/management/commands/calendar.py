"""`onego calendar import|show|check`: enter and inspect the official holiday notices.

    onego calendar import FILE [FILE ...] [--dry-run] [--entered-by NAME]
    onego calendar import notice.csv --year 2027 --source "国办发明电〔2026〕X号"
    onego calendar show YEAR [--list]
    onego calendar check [YEAR ...]      (default: this year and next)

The file formats are in docs/working-days.md. Import is all or nothing: every file is read and
checked first, every error is reported as `file:line: what is wrong`, and nothing is stored unless
there is no error at all.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import csv
import datetime as dt
import getpass
from argparse import ArgumentParser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from onego.core import clock
from onego.core.models import HolidayYear
from onego.core.services import calendar_enter_year, working_calendar
from onego.core.textable import pad
from onego.core.workdays import (
    DayKind,
    WorkingCalendar,
    YearNotice,
    YearSource,
    check_notice_date,
    library_notice,
    library_years,
    notice_warnings,
)

_WEEKDAY_NAMES = "一二三四五六日"
_KIND_LABELS = {DayKind.HOLIDAY: "放假", DayKind.ADJUSTED_WORKDAY: "调休上班"}
_CSV_KINDS = {
    "holiday": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "adjusted_workday": DayKind.ADJUSTED_WORKDAY,
    "调休上班": DayKind.ADJUSTED_WORKDAY,
    "上班": DayKind.ADJUSTED_WORKDAY,
    "班": DayKind.ADJUSTED_WORKDAY,
}
_YAML_LISTS = {"holidays": DayKind.HOLIDAY, "adjusted_workdays": DayKind.ADJUSTED_WORKDAY}


# --- reading notice files -----------------------------------------------------------------------


@dataclass
class _Entry:
    day: dt.date
    kind: DayKind
    name: str
    line: int


@dataclass
class ParsedNotice:
    file: str
    year: int = 0
    year_line: int = 1
    source: str = ""
    entries: list[_Entry] = field(default_factory=list)

    def as_notice(self) -> YearNotice:
        return YearNotice(
            year=self.year,
            holidays=frozenset(e.day for e in self.entries if e.kind == DayKind.HOLIDAY),
            adjusted_workdays=frozenset(e.day for e in self.entries if e.kind == DayKind.ADJUSTED_WORKDAY),
            names={e.day: e.name for e in self.entries if e.name},
        )


class _Errors(list[tuple[str, int, str]]):
    def add(self, file: str, line: int, message: str) -> None:
        self.append((file, line, message))

    def lines(self) -> list[str]:
        """`file:line: message`, files in the order given and lines in file order."""
        files = list(dict.fromkeys(file for file, _, _ in self))
        ordered = sorted(self, key=lambda e: (files.index(e[0]), e[1]))  # stable: same line keeps order
        return [f"{file}:{line}: {message}" for file, line, message in ordered]


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _date_range(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def read_yaml_notice(text: str, file: str, errors: _Errors) -> ParsedNotice:
    """Read a YAML notice from its node tree, so every error can name its line."""
    parsed = ParsedNotice(file=file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        errors.add(file, mark.line + 1 if mark else 1, f"YAML 语法错误：{exc.problem or exc.context}")
        return parsed
    except yaml.YAMLError as exc:
        errors.add(file, 1, f"YAML 语法错误：{exc}")
        return parsed
    if not isinstance(root, yaml.MappingNode):
        errors.add(file, 1, "文件顶层应为 year、source、holidays、adjusted_workdays 几个字段")
        return parsed

    seen_keys: set[str] = set()
    for key_node, value in root.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in seen_keys:
            errors.add(file, line, f"字段“{key}”重复出现")
            continue
        seen_keys.add(key)
        if key == "year":
            parsed.year_line = line
            if isinstance(value, yaml.ScalarNode) and value.value.strip().isdigit():
                parsed.year = int(value.value)
            if not 1 <= parsed.year <= 9999:
                errors.add(file, line, f"year：“{getattr(value, 'value', '')}”不是有效年份，应写作如 2027")
                parsed.year = 0
        elif key == "source":
            if isinstance(value, yaml.ScalarNode):
                parsed.source = str(value.value).strip()
            if not parsed.source:
                errors.add(file, line, "source 不能为空，请写明依据文件，例如：国办发明电〔2026〕X号")
        elif key in _YAML_LISTS:
            if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
                continue  # an empty list written as `holidays:`
            if not isinstance(value, yaml.SequenceNode):
                errors.add(
                    file,
                    line,
                    f"{key} 应为列表，每项写作 {{date: ..., name: ...}} 或 {{from: ..., to: ..., name: ...}}",
                )
                continue
            for item in value.value:
                parsed.entries += _yaml_entries(item, _YAML_LISTS[key], key, file, errors)
        else:
            errors.add(file, line, f"未知字段“{key}”（可用：year、source、holidays、adjusted_workdays）")
    for required in ("year", "source"):
        if required not in seen_keys:
            errors.add(file, 1, f"缺少字段 {required}")
    return parsed


def _yaml_entries(item: Any, kind: DayKind, key: str, file: str, errors: _Errors) -> list[_Entry]:
    line = item.start_mark.line + 1
    if isinstance(item, yaml.ScalarNode):  # a bare date
        fields = {"date": item.value}
    elif isinstance(item, yaml.MappingNode):
        fields = {}
        for k, v in item.value:
            if not isinstance(v, yaml.ScalarNode):
                errors.add(file, k.start_mark.line + 1, f"{key}：“{k.value}”应为单个值")
                return []
            fields[str(k.value)] = str(v.value)
    else:
        errors.add(
            file, line, f"{key} 的每一项应写作 {{date: ..., name: ...}} 或 {{from: ..., to: ..., name: ...}}"
        )
        return []
    unknown = sorted(set(fields) - {"date", "from", "to", "name"})
    if unknown:
        errors.add(file, line, f"{key}：未知字段 {'、'.join(unknown)}（可用：date、from、to、name）")
        return []
    return _entries(fields, kind, key, file, line, errors)


def _entries(
    fields: dict[str, str], kind: DayKind, label: str, file: str, line: int, errors: _Errors
) -> list[_Entry]:
    """One item (a date, or a from–to range, inclusive) as entries; shared by YAML and CSV."""
    name = fields.get("name", "").strip()
    if "date" in fields and ("from" in fields or "to" in fields):
        errors.add(file, line, f"{label}：date 与 from/to 只能写一种")
        return []
    if "date" in fields:
        day = _parse_date(fields["date"])
        if day is None:
            errors.add(file, line, f"{label}：日期“{fields['date']}”应写作 YYYY-MM-DD")
            return []
        return [_Entry(day, kind, name, line)]
    if "from" not in fields or "to" not in fields:
        errors.add(file, line, f"{label}：请写 date，或同时写 from 和 to")
        return []
    first, last = _parse_date(fields["from"]), _parse_date(fields["to"])
    for text, parsed in ((fields["from"], first), (fields["to"], last)):
        if parsed is None:
            errors.add(file, line, f"{label}：日期“{text}”应写作 YYYY-MM-DD")
    if first is None or last is None:
        return []
    if last < first:
        errors.add(file, line, f"{label}：结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()}")
        return []
    if (last - first).days > 31:
        errors.add(file, line, f"{label}：{first.isoformat()} 至 {last.isoformat()} 超过一个月，请核对")
        return []
    return [_Entry(day, kind, name, line) for day in _date_range(first, last)]


def read_csv_notice(text: str, file: str, year: int, source: str, errors: _Errors) -> ParsedNotice:
    """Columns date, kind, name (optional) and to (optional, for a range); year and source come
    from the command line because a CSV row has no room for them."""
    parsed = ParsedNotice(file=file, year=year, source=source)
    reader = csv.DictReader(text.splitlines())
    columns = {c.strip() for c in reader.fieldnames or []}
    if not {"date", "kind"} <= columns:
        errors.add(file, 1, "CSV 第一行应为列名，至少包括 date 和 kind（可选 to、name）")
        return parsed
    for row in reader:
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue
        kind = _CSV_KINDS.get(values.get("kind", ""))
        if kind is None:
            errors.add(
                file,
                line,
                f"kind：“{values.get('kind', '')}”无效，应为 holiday（放假）或 adjusted_workday（调休上班）",
            )
            continue
        fields = {"name": values.get("name", "")}
        if values.get("to"):
            fields |= {"from": values.get("date", ""), "to": values["to"]}
        else:
            fields["date"] = values.get("date", "")
        parsed.entries += _entries(fields, kind, "date", file, line, errors)
    return parsed


def check_parsed(parsed: ParsedNotice, errors: _Errors) -> None:
    """The notice rules (workdays.check_notice_date) plus duplicates, each at its line."""
    first_seen: dict[dt.date, _Entry] = {}
    for entry in parsed.entries:
        if parsed.year and (msg := check_notice_date(parsed.year, entry.day, entry.kind)):
            errors.add(parsed.file, entry.line, msg)
        earlier = first_seen.get(entry.day)
        if earlier is None:
            first_seen[entry.day] = entry
        elif earlier.kind != entry.kind:
            errors.add(
                parsed.file,
                entry.line,
                f"{entry.day.isoformat()} 已在第 {earlier.line} 行列为{_KIND_LABELS[earlier.kind]}，"
                f"不能同时是{_KIND_LABELS[entry.kind]}",
            )
        else:
            errors.add(parsed.file, entry.line, f"{entry.day.isoformat()} 已在第 {earlier.line} 行列出")


# --- the command ----------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Enter and inspect the official holiday notices (放假安排) behind working-day deadlines."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import one or more notice files (YAML or CSV), all or nothing")
        imp.add_argument("files", nargs="+", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="check only, store nothing")
        imp.add_argument("--entered-by", default="", help="who entered it (default: the OS user)")
        imp.add_argument("--year", type=int, help="the year of a CSV file")
        imp.add_argument("--source", default="", help="the notice a CSV file comes from")
        show = sub.add_parser("show", help="print a year's calendar and where it comes from")
        show.add_argument("year", type=int)
        show.add_argument(
            "--list", action="store_true", help="only the list of holidays and adjusted workdays"
        )
        check = sub.add_parser("check", help="say whether years are known; exit 1 if one is provisional")
        check.add_argument("years", nargs="*", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options)
        elif action == "show":
            self._show(options["year"], only_list=options["list"])
        else:
            today = clock.today()
            self._check(options["years"] or [today.year, today.year + 1])

    # --- import

    def _import(self, options: dict[str, Any]) -> None:
        errors = _Errors()
        notices: list[ParsedNotice] = []
        for path in options["files"]:
            notices.append(self._read(path, options, errors))
        by_year: dict[int, ParsedNotice] = {}
        for parsed in notices:
            if parsed.year in by_year and parsed.year:
                errors.add(
                    parsed.file, parsed.year_line, f"{parsed.year} 年已在 {by_year[parsed.year].file} 中给出"
                )
            by_year.setdefault(parsed.year, parsed)
            check_parsed(parsed, errors)
        if errors:
            raise CommandError("放假安排有误，未导入任何内容：\n" + "\n".join(errors.lines()))

        for parsed in notices:
            for warning in notice_warnings(parsed.as_notice()):
                self.stderr.write(self.style.WARNING(f"{parsed.file}: 提醒：{warning}"))
            self._note_library_differences(parsed)
        if options["dry_run"]:
            self.stdout.write("检查通过（--dry-run，未导入）。")
            return

        entered_by = options["entered_by"] or _os_user()
        with transaction.atomic():
            for parsed in notices:
                calendar_enter_year(
                    year=parsed.year,
                    holidays=[(e.day, e.name) for e in parsed.entries if e.kind == DayKind.HOLIDAY],
                    adjusted_workdays=[
                        (e.day, e.name) for e in parsed.entries if e.kind == DayKind.ADJUSTED_WORKDAY
                    ],
                    source=parsed.source,
                    entered_by=entered_by,
                )
        for parsed in notices:
            notice = parsed.as_notice()
            self.stdout.write(
                self.style.SUCCESS(
                    f"已录入 {parsed.year} 年放假安排：放假 {len(notice.holidays)} 天，"
                    f"调休上班 {len(notice.adjusted_workdays)} 天（依据：{parsed.source}）"
                )
            )

    def _read(self, path: Path, options: dict[str, Any], errors: _Errors) -> ParsedNotice:
        file = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets save CSV with a BOM
        except FileNotFoundError:
            errors.add(file, 1, "文件不存在")
            return ParsedNotice(file=file)
        except UnicodeDecodeError:
            errors.add(file, 1, "文件不是 UTF-8 编码")
            return ParsedNotice(file=file)
        if path.suffix.lower() == ".csv":
            if not options["year"] or not options["source"].strip():
                errors.add(file, 1, "CSV 文件需要用 --year 和 --source 给出年份和依据文件")
                return ParsedNotice(file=file)
            return read_csv_notice(text, file, options["year"], options["source"].strip(), errors)
        if path.suffix.lower() not in (".yaml", ".yml"):
            errors.add(file, 1, "只支持 .yaml/.yml 或 .csv 文件")
            return ParsedNotice(file=file)
        if options["year"] or options["source"]:
            errors.add(file, 1, "--year 和 --source 只用于 CSV 文件；YAML 文件请在文件中写 year 和 source")
        return read_yaml_notice(text, file, errors)

    def _note_library_differences(self, parsed: ParsedNotice) -> None:
        # Entering a year the library already knows is allowed (it corrects the library), but
        # the differences are worth a second look.
        known = library_notice(parsed.year)
        if known is None:
            return
        notice = parsed.as_notice()
        diff = sorted(
            (notice.holidays ^ known.holidays) | (notice.adjusted_workdays ^ known.adjusted_workdays)
        )
        if diff:
            days = "、".join(d.isoformat() for d in diff[:10]) + ("……" if len(diff) > 10 else "")
            self.stderr.write(
                self.style.WARNING(
                    f"{parsed.file}: 提醒：日历库已有 {parsed.year} 年数据，以下日期与库不同，录入后以录入为准：{days}"
                )
            )

    # --- show

    def _show(self, year: int, *, only_list: bool) -> None:
        if not 1 <= year <= 9999:
            raise CommandError(f"年份 {year} 无效")
        cal = working_calendar()
        self.stdout.write(self._source_line(cal, year))
        if not only_list:
            self.stdout.write("图例：休 = 放假，班 = 调休上班\n")
            for month in range(1, 13):
                self.stdout.write(self._month_grid(cal, year, month))
        special = [
            d
            for d in _date_range(dt.date(year, 1, 1), dt.date(year, 12, 31))
            if cal.day_kind(d) in _KIND_LABELS
        ]
        if special:
            self.stdout.write("")
        for d in special:
            kind = _KIND_LABELS[cal.day_kind(d)]
            line = f"{d.isoformat()}  星期{_WEEKDAY_NAMES[d.weekday()]}  {pad(kind, 8)}  {cal.day_name(d)}"
            self.stdout.write(line.rstrip())

    def _source_line(self, cal: WorkingCalendar, year: int) -> str:
        source = cal.year_source(year)
        if source == YearSource.ENTERED:
            row = HolidayYear.objects.get(year=year)
            when = timezone.localdate(row.entered_at).isoformat()
            return f"{year}年  来源：已录入（依据：{row.source}；{row.entered_by or '未知'} {when} 录入）"
        if source == YearSource.LIBRARY:
            return f"{year}年  来源：日历库 chinesecalendar {chinese_calendar.__version__}"
        return f"{year}年  来源：暂定——尚未录入该年放假安排，暂按周一至周五计算"

    def _month_grid(self, cal: WorkingCalendar, year: int, month: int) -> str:
        # Every cell is four columns wide: two for the day, two for one CJK mark (or spaces).
        lines = [f"{month}月", " ".join(f" {w} " for w in _WEEKDAY_NAMES).rstrip()]
        for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for d in week:
                if d.month != month:
                    cells.append("    ")
                    continue
                kind = cal.day_kind(d)
                mark = "休" if kind == DayKind.HOLIDAY else "班" if kind == DayKind.ADJUSTED_WORKDAY else "  "
                cells.append(f"{d.day:>2}{mark}")
            lines.append(" ".join(cells).rstrip())
        return "\n".join(lines) + "\n"

    # --- check

    def _check(self, years: list[int]) -> None:
        cal = working_calendar()
        first, last = library_years()
        failed = False
        for year in years:
            if not 1 <= year <= 9999:
                raise CommandError(f"年份 {year} 无效")
            source = cal.year_source(year)
            notice = cal.notice(year)
            if source == YearSource.PROVISIONAL or notice is None:
                failed = True
                self.stdout.write(
                    self.style.ERROR(
                        f"{year}：暂定——日历库只到 {last} 年（自 {first} 年起），该年放假安排尚未录入；"
                        "跨入该年的期限按周一至周五计算并标为暂定。"
                        "请在管理后台或用 onego calendar import 录入国务院办公厅的放假通知。"
                    )
                )
                continue
            label = "已录入" if source == YearSource.ENTERED else "日历库"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{year}：{label}，放假 {len(notice.holidays)} 天，调休上班 {len(notice.adjusted_workdays)} 天"
                )
            )
            for warning in notice_warnings(notice):
                self.stdout.write(self.style.WARNING(f"{year}：提醒：{warning}"))
            known = library_notice(year)
            if source == YearSource.ENTERED and known is not None:
                diff = sorted(
                    (notice.holidays ^ known.holidays) | (notice.adjusted_workdays ^ known.adjusted_workdays)
                )
                if diff:
                    self.stdout.write(
                        self.style.WARNING(
                            f"{year}：提醒：录入与日历库有 {len(diff)} 天不同（以录入为准）："
                            + "、".join(d.isoformat() for d in diff)
                        )
                    )
        if failed:
            raise CommandError("有年份尚未录入放假安排", returncode=1)


def _os_user() -> str:
    try:
        return f"命令行：{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry, e.g. in a container
        return "命令行"
