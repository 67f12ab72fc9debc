"""Typed reading of one mapping from a definition, collecting precise errors instead of stopping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from onego.catalog.definitions.source import LineDict, LineList


@dataclass(frozen=True)
class Issue:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class Issues:
    items: list[Issue] = field(default_factory=list)

    def add(self, file: str, line: int, field_: str, message: str) -> None:
        self.items.append(Issue(file, line, field_, message))

    def __bool__(self) -> bool:
        return bool(self.items)


_MISSING = object()
_TYPE_NAMES = {str: "文本", int: "整数", float: "数字", bool: "true/false", list: "列表", dict: "映射"}


class Reader:
    """Reads fields of one mapping; every problem becomes an Issue naming file, line and field path."""

    def __init__(self, data: Any, *, file: str, line: int, path: str, issues: Issues) -> None:
        self.file = file
        self.path = path
        self.issues = issues
        self.ok = isinstance(data, dict)
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.line = getattr(data, "line", line) or line
        self.seen: set[str] = set()
        if not self.ok:
            self.error("", f"应为映射（键: 值），收到{_describe(data)}")

    def line_of(self, key: str) -> int:
        return self.data.line_of(key) if isinstance(self.data, LineDict) else self.line

    def fpath(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str, line: int | None = None) -> None:
        self.issues.add(
            self.file,
            line or (self.line_of(key) if key else self.line),
            self.fpath(key) if key else self.path,
            message,
        )

    def raw(self, key: str, *, required: bool = False) -> Any:
        self.seen.add(key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(key, "缺少必填字段", self.line)
            return None
        return value

    def text(
        self, key: str, *, required: bool = False, default: str = "", max_length: int | None = None
    ) -> str:
        value = self.raw(key, required=required)
        if value is None:
            return default
        if isinstance(value, (bool, dict, list)):
            self.error(key, f"应为文本，收到{_describe(value)}")
            return default
        text = str(value).strip() if not isinstance(value, float) else repr(value)
        if required and not text:
            self.error(key, "不能为空")
        if max_length and len(text) > max_length:
            self.error(key, f"长度不能超过{max_length}个字符（当前{len(text)}）")
        return text

    def code(self, key: str, *, required: bool = True, digits: bool = False) -> str:
        """A code; numeric codes must be quoted in YAML so leading zeros survive."""
        value = self.raw(key, required=required)
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            # An unquoted region code (e.g. 520100) survives as an int; any other bare number may have lost zeros.
            if digits and len(str(value)) in (6, 9, 12):
                return str(value)
            self.error(key, f'代码 {value} 应加引号书写（如 "{value}"），否则前导 0 会丢失')
            return str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"应为代码文本，收到{_describe(value)}")
            return ""
        return value.strip()

    def integer(
        self,
        key: str,
        *,
        required: bool = False,
        default: int = 0,
        minimum: int = 0,
        maximum: int | None = None,
    ) -> int:
        value = self.raw(key, required=required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.error(key, f"应为整数，收到{_describe(value)}")
                return default
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"{minimum}–{maximum}" if maximum is not None else f"不小于{minimum}"
            self.error(key, f"取值 {value} 超出范围（{bound}）")
            return default
        return value

    def number(self, key: str) -> float | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(key, f"应为数字，收到{_describe(value)}")
            return None
        return float(value)

    def boolean(self, key: str, *, default: bool = False) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "yes", "是", "1"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "no", "否", "0"}:
            return False
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.error(key, f"应为 true 或 false，收到{_describe(value)}")
        return default

    def choice(self, key: str, choices: Iterable[str], *, required: bool = False, default: str = "") -> str:
        options = list(choices)
        value = self.raw(key, required=required)
        if value is None:
            return default
        text = str(value).strip()
        if text not in options:
            self.error(key, f"“{text}”不是允许的取值；可选：{', '.join(options)}")
            return default
        return text

    def entries(self, key: str, *, required: bool = False) -> list[tuple[Any, int]]:
        """The items of a list with their lines; a single scalar is accepted as a one-item list."""
        value = self.raw(key, required=required)
        if value is None:
            return []
        if isinstance(value, list):
            lines = value.item_lines if isinstance(value, LineList) else [self.line_of(key)] * len(value)
            return list(zip(value, lines, strict=False))
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return [(value, self.line_of(key))]
        self.error(key, f"应为列表，收到{_describe(value)}")
        return []

    def texts(self, key: str) -> list[str]:
        out = []
        for value, line in self.entries(key):
            if isinstance(value, (dict, list, bool)):
                self.error(key, f"列表中的每一项应为文本，收到{_describe(value)}", line)
            else:
                out.append(str(value).strip())
        return out

    def bilingual(self, key: str, *, required: bool = False) -> tuple[str, str]:
        """`name: 中文` or `name: {zh: 中文, en: English}`."""
        value = self.raw(key, required=required)
        if value is None:
            return "", ""
        if isinstance(value, dict):
            sub = Reader(
                value, file=self.file, line=self.line_of(key), path=self.fpath(key), issues=self.issues
            )
            zh = sub.text("zh", required=True)
            en = sub.text("en")
            sub.finish()
            return zh, en
        if isinstance(value, str):
            return value.strip(), ""
        self.error(key, f"应为文本或 {{zh: ..., en: ...}}，收到{_describe(value)}")
        return "", ""

    def sub(self, key: str) -> Reader | None:
        value = self.raw(key)
        if value is None:
            return None
        return Reader(value, file=self.file, line=self.line_of(key), path=self.fpath(key), issues=self.issues)

    def finish(self) -> None:
        for key in self.data:
            if key not in self.seen:
                self.error(key, "未知字段（请检查拼写，参见 docs/package-format.md）")


def _describe(value: Any) -> str:
    if value is None:
        return "空值"
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind or isinstance(value, kind) and kind in (dict, list):
            shown = value if kind in (str, int, float, bool) else ""
            return f"{name}“{shown}”" if shown != "" else name
    return type(value).__name__
