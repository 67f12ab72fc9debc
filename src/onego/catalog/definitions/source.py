"""Line-aware reading of definition files, so every error can name its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers where it and each of its keys stand."""

    line: int = 0
    key_lines: dict[str, int]
    file: str = ""  # set when the mapping comes from another file than its parent's (an .xlsx sub-sheet)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"字段“{key}”重复出现", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates stay strings: a definition is data for people, and YAML's implicit types surprise them.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, regexp) for tag, regexp in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class SourceError(Exception):
    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


# PyYAML's problems, in the words a service-centre administrator reads (checked in order; first match wins).
_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("found character '\\t' that cannot start any token", "不能用制表符（Tab）缩进或分隔，请改用空格"),
    ("mapping values are not allowed here", "此处不能出现“键: 值”：冒号后的文字若含“: ”请加引号，或检查缩进"),
    ("could not find expected ':'", "缺少冒号“:”（应为“键: 值”），或上一行的引号没有闭合"),
    ("did not find expected key", "缩进不一致：此处应为与上文对齐的“键: 值”"),
    ("did not find expected ',' or ']'", "方括号列表缺少逗号“,”或右方括号“]”"),
    ("did not find expected ',' or '}'", "花括号映射缺少逗号“,”或右花括号“}”"),
    ("expected ',' or ']'", "方括号列表缺少逗号“,”或右方括号“]”"),
    ("expected ',' or '}'", "花括号映射缺少逗号“,”或右花括号“}”"),
    ("did not find expected '-' indicator", "缩进不一致：此处应为列表项“- ”"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有闭合"),
    ("found unknown escape character", "双引号字符串中有无法识别的转义“\\”（含反斜杠的文字请用单引号）"),
    ("found undefined alias", "引用了未定义的锚点（*别名）"),
    ("found duplicate anchor", "锚点（&名称）重复定义"),
    ("found unexpected ':'", "此处出现了多余的冒号“:”（含冒号的文字请加引号）"),
    ("expected <block end>, but found '-'", "缩进不一致：列表项“- ”与上文没有对齐"),
    ("expected <block end>, but found", "缩进不一致：这一行与上文没有对齐"),
    ("expected a single document", "文件中只能有一个文档（不要使用“---”分隔多个文档）"),
    ("found character '@' that cannot start any token", "“@”不能作为文字开头，请给这段文字加引号"),
    ("found character '`' that cannot start any token", "“`”不能作为文字开头，请给这段文字加引号"),
    ("found character", "这个字符不能作为文字开头，请给这段文字加引号"),
    ("expected alphabetic or numeric character", "“&”或“*”之后应为锚点名称；作为普通文字请加引号"),
    ("while scanning a quoted scalar", "引号没有闭合"),
)


def yaml_problem_zh(problem: str, context: str = "") -> str:
    """PyYAML's English problem (and its context), said in Chinese; unknown ones keep the original."""
    for text in (problem, context):
        for english, chinese in _PROBLEMS:
            if english in text:
                return chinese
    return f"无法解析（{problem or context}）"


def load_yaml_text(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem, context = exc.problem or "", exc.context or ""
        if isinstance(exc, yaml.constructor.ConstructorError) and problem and not problem.isascii():
            said = problem  # our own constructor's message (a repeated key) is Chinese already
        else:
            said = yaml_problem_zh(problem, context)
        start = exc.context_mark
        if start is not None and mark is not None and start.line != mark.line:
            said += f"（相关内容始于第{start.line + 1}行第{start.column + 1}列）"
        raise SourceError(
            Location(name, line, column), f"YAML 语法错误（第{line}行第{column}列）：{said}"
        ) from exc
    except yaml.YAMLError as exc:
        raise SourceError(Location(name, 1), f"YAML 语法错误：{yaml_problem_zh(str(exc))}") from exc


def load_yaml_file(path: Path, display: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(Location(display, 1), "文件不是 UTF-8 编码") from exc
    return load_yaml_text(text, display)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False)
