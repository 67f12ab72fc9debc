"""One describer of conditions in every language (`expressions.describe` with a `Wording`): the same
conditions read in Chinese and, on English pages, in English, word for word as before the two copies were
made one — except `not true` / `not false`, which the English copy used to leave in Chinese."""

from __future__ import annotations

import pytest
from django.utils import translation

from onego.catalog.i18n import describe_in_language
from onego.catalog.rules.expressions import QuestionSpec, describe, parse

pytestmark = pytest.mark.django_db  # the English side reads the catalog's translations

QUESTIONS = {
    "has_licence": QuestionSpec("has_licence", "bool", text="是否已取得营业执照"),
    "floor_area": QuestionSpec("floor_area", "number", text="经营场所建筑面积（平方米）"),
    "kind": QuestionSpec("kind", "choice", choices=("餐饮", "零售"), text="经营类别"),
    "name": QuestionSpec("name", "text", text="名称"),
}
CASES = [
    ("has_licence", "“是否已取得营业执照”为是", "“是否已取得营业执照” is yes"),
    ("not has_licence", "“是否已取得营业执照”为否", "“是否已取得营业执照” is no"),
    (
        "floor_area > 300",
        "“经营场所建筑面积（平方米）”大于300",
        "“经营场所建筑面积（平方米）” is more than 300",
    ),
    (
        "300 < floor_area",
        "“经营场所建筑面积（平方米）”大于300",
        "“经营场所建筑面积（平方米）” is more than 300",
    ),
    ("floor_area == 300", "“经营场所建筑面积（平方米）”等于300", "“经营场所建筑面积（平方米）” is 300"),
    ("floor_area != 300", "“经营场所建筑面积（平方米）”不等于300", "“经营场所建筑面积（平方米）” is not 300"),
    ("kind == '餐饮'", "“经营类别”为“餐饮”", "“经营类别” is “餐饮”"),
    ("kind != '餐饮'", "“经营类别”不为“餐饮”", "“经营类别” is not “餐饮”"),
    ("has_licence == true", "“是否已取得营业执照”为是", "“是否已取得营业执照” is yes"),
    ("has_licence != true", "“是否已取得营业执照”为否", "“是否已取得营业执照” is no"),
    ("kind in ['餐饮', '零售']", "“经营类别”为“餐饮”、“零售”之一", "“经营类别” is one of “餐饮”, “零售”"),
    (
        "kind not in ['餐饮', '零售']",
        "“经营类别”不为“餐饮”、“零售”中的任何一个",
        "“经营类别” is none of “餐饮”, “零售”",
    ),
    ("kind in ['餐饮']", "“经营类别”为“餐饮”", "“经营类别” is “餐饮”"),
    ("kind not in ['餐饮']", "“经营类别”不为“餐饮”", "“经营类别” is not “餐饮”"),
    ("kind in []", "始终不成立", "never"),
    ("kind not in []", "“经营类别”已作答", "“经营类别” is answered"),
    ("true", "始终成立", "always"),
    ("false", "始终不成立", "never"),
    ("not true", "始终不成立", "never"),
    ("not false", "始终成立", "always"),
    (
        "not (floor_area > 300)",
        "“经营场所建筑面积（平方米）”小于或等于300",
        "“经营场所建筑面积（平方米）” is at most 300",
    ),
    (
        "not (has_licence and floor_area > 300)",
        "并非（“是否已取得营业执照”为是且“经营场所建筑面积（平方米）”大于300）",
        "not (“是否已取得营业执照” is yes and “经营场所建筑面积（平方米）” is more than 300)",
    ),
    (
        "has_licence and (floor_area > 300 or kind == '零售')",
        "“是否已取得营业执照”为是且（“经营场所建筑面积（平方米）”大于300或“经营类别”为“零售”）",
        "“是否已取得营业执照” is yes and (“经营场所建筑面积（平方米）” is more than 300 or “经营类别” is “零售”)",
    ),
    ("not not has_licence", "“是否已取得营业执照”为是", "“是否已取得营业执照” is yes"),
    ("not (kind in ['餐饮'])", "“经营类别”不为“餐饮”", "“经营类别” is not “餐饮”"),
    ("unknown_q", "“unknown_q”为是", "“unknown_q” is yes"),
    ("name == 'x'", "“名称”为“x”", "“名称” is “x”"),
    (
        "floor_area <= 1.5",
        "“经营场所建筑面积（平方米）”小于或等于1.5",
        "“经营场所建筑面积（平方米）” is at most 1.5",
    ),
]


@pytest.mark.parametrize(("source", "chinese", "english"), CASES)
def test_a_condition_reads_the_same_in_chinese_and_in_english(
    source: str, chinese: str, english: str
) -> None:
    expr = parse(source)
    assert describe(expr, QUESTIONS) == chinese
    with translation.override("zh-hans"):
        assert describe_in_language(expr, QUESTIONS) == chinese
    with translation.override("en"):
        assert describe_in_language(expr, QUESTIONS) == english
