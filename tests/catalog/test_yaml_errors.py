"""YAML syntax errors are said in Chinese, with the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from onego.catalog.definitions.source import SourceError, load_yaml_text
from onego.catalog.services import CatalogImportFailed, catalog_import
from tests.builders import write_folder


def error_of(text: str) -> SourceError:
    with pytest.raises(SourceError) as err:
        load_yaml_text(text, "p.yaml")
    return err.value


@pytest.mark.parametrize(
    ("text", "line", "column", "said"),
    [
        ("a: b: c\n", 1, 5, "此处不能出现“键: 值”"),
        ("a:\n\tb: 1\n", 2, 1, "不能用制表符（Tab）缩进"),
        (
            "code: x\nname: [unclosed\nitems: []\n",
            3,
            6,
            "方括号列表缺少逗号“,”或右方括号“]”（相关内容始于第2行第7列）",
        ),
        ('a: "open\n', 2, 1, "引号或括号没有闭合"),
        ('a: "C:\\q"\n', 1, 8, "双引号字符串中有无法识别的转义"),
        ("items:\n  - a: 1\n   b: 2\n", 3, 4, "缩进不一致"),
        ("a: 1\na: 2\n", 2, 1, "字段“a”重复出现"),
        ("a: *nope\n", 1, 4, "引用了未定义的锚点"),
    ],
)
def test_a_syntax_error_is_said_in_chinese_with_line_and_column(
    text: str, line: int, column: int, said: str
) -> None:
    error = error_of(text)
    assert error.location.line == line
    assert error.location.column == column
    assert error.message.startswith(f"YAML 语法错误（第{line}行第{column}列）：")
    assert said in error.message
    assert "expected" not in error.message
    assert "found" not in error.message


def test_an_unknown_problem_keeps_the_original_words_inside_a_chinese_sentence() -> None:
    from onego.catalog.definitions.source import yaml_problem_zh

    assert yaml_problem_zh("something new") == "无法解析（something new）"


@pytest.mark.django_db
def test_the_import_reports_file_line_and_column(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    (folder / "packages" / "broken.yaml").write_text("code: x\nname: a: b\n", encoding="utf-8")
    with pytest.raises(CatalogImportFailed) as err:
        catalog_import(path=folder)
    assert [str(i) for i in err.value.issues] == [
        "packages/broken.yaml:2: YAML 语法错误（第2行第8列）：此处不能出现“键: 值”：冒号后的文字若含“: ”请加引号，或检查缩进"
    ]
