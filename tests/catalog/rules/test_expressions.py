"""The `when` condition language: parsing, rendering, type checking, evaluation, descriptions, answers."""

from __future__ import annotations

import math
import pickle
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from onego.catalog.rules.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Compare,
    Expr,
    ExpressionError,
    In,
    Literal,
    Name,
    Not,
    Or,
    QuestionSpec,
    coerce_answer,
    compile_condition,
    describe,
    evaluate,
    identifiers,
    parse,
    render,
    typecheck,
)

a, b, c, x = Name("a"), Name("b"), Name("c"), Name("x")

QUESTIONS = {
    "has_licence": QuestionSpec("has_licence", "bool", text="是否已取得营业执照"),
    "floor_area": QuestionSpec("floor_area", "number", text="经营场所建筑面积（平方米）"),
    "entity": QuestionSpec("entity", "choice", ("个体工商户", "有限责任公司"), text="经营主体"),
    "shop_name": QuestionSpec("shop_name", "text", text="店铺名称"),
    "min_area": QuestionSpec("min_area", "number"),
    "sells_cold_food": QuestionSpec("sells_cold_food", "bool"),
}


# --- Parsing -------------------------------------------------------------------------------------


def test_not_binds_tighter_than_and_which_binds_tighter_than_or() -> None:
    assert parse("not a and b or c") == Or(And(Not(a), b), c)
    assert parse("a or b and not c") == Or(a, And(b, Not(c)))


def test_parentheses_override_precedence() -> None:
    assert parse("not (a and b)") == Not(And(a, b))
    assert parse("a and (b or c)") == And(a, Or(b, c))


def test_chains_of_one_connective_associate_to_the_left() -> None:
    assert parse("a and b and c") == And(And(a, b), c)
    assert parse("a or b or c") == Or(Or(a, b), c)


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("非 a 且 b 或 c", "not a and b or c"),
        ("非a且b或c", "not a and b or c"),
        ("x 非 in [1]", "x not in [1]"),
        ("非非a", "not not a"),
        ("a 且 (b 或 非 c)", "a and (b or not c)"),
    ],
)
def test_chinese_keywords_are_aliases_of_english_ones(chinese: str, english: str) -> None:
    assert parse(chinese) == parse(english)


def test_capitalised_true_and_false_are_accepted() -> None:
    assert parse("True") == Literal(True)
    assert parse("x == False") == Compare("==", x, Literal(False))


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("1", 1),
        ("-7", -7),
        ("2.5", 2.5),
        ("-0.25", -0.25),
        ("'个体工商户'", "个体工商户"),
        ('"有限责任公司"', "有限责任公司"),
        ("''", ""),
        ("true", True),
        ("false", False),
    ],
)
def test_literals_become_python_values_of_the_right_type(source: str, value: object) -> None:
    expr = parse(source)
    assert isinstance(expr, Literal)
    assert expr.value == value
    assert type(expr.value) is type(value)


def test_strings_may_hold_the_other_quote_and_escaped_quotes_and_backslashes() -> None:
    assert parse("""'他说"好"'""") == Literal('他说"好"')
    assert parse(r'"a\"b"') == Literal('a"b')
    assert parse(r"'it\'s'") == Literal("it's")
    assert parse(r"'C:\\dir'") == Literal("C:\\dir")


def test_in_and_not_in_take_lists_of_atoms() -> None:
    assert parse("x in ['甲', 2, y]") == In(x, (Literal("甲"), Literal(2), Name("y")), False)
    assert parse("x not in []") == In(x, (), True)
    assert parse("x in [(a and b)]") == In(x, (And(a, b),), False)


def test_not_in_front_of_a_membership_test_negates_the_whole_test() -> None:
    assert parse("not x in [1]") == Not(In(x, (Literal(1),), False))


def test_comparison_operands_may_be_parenthesised_expressions() -> None:
    assert parse("(not a) == b") == Compare("==", Not(a), b)
    assert parse("(a or b) != true") == Compare("!=", Or(a, b), Literal(True))


def test_keywords_are_whole_words_only() -> None:
    assert parse("notice") == Name("notice")
    assert parse("in_town and android") == And(Name("in_town"), Name("android"))


def test_any_whitespace_separates_tokens_including_the_ideographic_space() -> None:
    assert parse("a\u3000and\tb\n") == And(a, b)


def test_compile_condition_returns_the_same_tree_for_the_same_text() -> None:
    first = compile_condition("has_licence and floor_area > 300")
    assert compile_condition("has_licence and floor_area > 300") is first
    assert first == parse("has_licence and floor_area > 300")


def test_identifiers_lists_every_question_named_anywhere() -> None:
    expr = parse("not a and (b == 1 or c in [d, (e or f)]) and x")
    assert identifiers(expr) == frozenset({"a", "b", "c", "d", "e", "f", "x"})
    assert identifiers(parse("1 == 1")) == frozenset()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "条件为空"),
        ("  \u3000 ", "条件为空"),
        ("(a and b", "第9列：缺少右括号“)”"),
        ("(a", "第3列：缺少右括号“)”"),
        ("x in [1, 2", "第11列：列表缺少右方括号“]”，或列表项之间缺少逗号"),
        ("x in [1 2]", "第9列：列表缺少右方括号“]”，或列表项之间缺少逗号"),
        ("x in 1", '第6列：“in”之后应为方括号中的列表，如 ["甲", "乙"]'),
        ("x 非 in '甲'", '第8列：“in”之后应为方括号中的列表，如 ["甲", "乙"]'),
        ("x in [1,]", "第9列：此处应为问题、数值或括号，却是“]”"),
        ("a not b", "第7列：此处的“not”之后应为“in”"),
        ("a == 'x", "第6列：字符串缺少结束引号"),
        ("a == 'x\\", "第6列：字符串缺少结束引号"),
        (r"a == 'x\n'", "第8列：字符串中不支持转义“\\n”（只能写 \\\\、\\' 或 \\\"）"),
        ("a = 1", "第3列：判断相等请写“==”，不是“=”"),
        ("a ! b", "第3列：“!”后应为“=”（不等于写作“!=”）"),
        ("（a）", "第1列：请使用半角字符“(”，而不是全角的“（”"),
        ("x in [1，2]", "第8列：请使用半角字符“,”，而不是全角的“，”"),
        ("x == “甲”", '第6列：请使用半角字符“"”，而不是全角的““”'),
        ("a & b", "第3列：无法识别的字符“&”"),
        ("问题 == 1", "第1列：无法识别的字符“问”"),
        ("1 < a < 3", "第7列：比较不能连写，请用“且”连接两个比较，或加括号"),
        ("a == b in [1]", "第8列：比较不能连写，请用“且”连接两个比较，或加括号"),
        ("a b", "第3列：多余的“b”（是否缺少“且”或“或”？）"),
        ("a and b)", "第8列：多余的右括号“)”"),
        ("a and", "第6列：条件不完整，此处应为问题、数值或括号"),
        ("a == )", "第6列：此处应为问题、数值或括号，却是“)”"),
        ("and a", "第1列：此处应为问题、数值或括号，却是“and”"),
        ("x > - 1", "第5列：“-”后应紧跟数字"),
        ("x > 1.", "第5列：数字格式不正确：“1.”"),
        ("x > 1.2.3", "第5列：数字格式不正确：“1.2.3”"),
        ("x > 3abc", "第5列：数字格式不正确：“3abc”"),
        ("x > 1e5", "第5列：数字格式不正确：“1e5”"),
        ("x > " + "9" * 400 + ".5", "第5列：数字过大：“" + "9" * 400 + ".5”"),
    ],
)
def test_syntax_errors_say_what_is_wrong_and_where(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert caught.value.message == message


def test_overlong_condition_is_refused() -> None:
    with pytest.raises(ExpressionError, match="条件过长：1001个字符，最多1000个"):
        parse("a" * (MAX_LENGTH + 1))
    assert parse("a" * MAX_LENGTH) == Name("a" * MAX_LENGTH)


@pytest.mark.parametrize(
    "too_deep",
    [
        "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
        "非" * (MAX_DEPTH + 1) + "a",
        "not " * (MAX_DEPTH + 1) + "a",
        "x in [(" * (MAX_DEPTH // 2 + 1),
        "(" * 900,
    ],
)
def test_nesting_beyond_the_limit_is_an_expression_error_not_a_recursion_error(too_deep: str) -> None:
    with pytest.raises(ExpressionError, match=f"嵌套过深（最多{MAX_DEPTH}层）"):
        parse(too_deep)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == a
    assert identifiers(parse("非" * MAX_DEPTH + "a")) == {"a"}


def test_a_long_flat_chain_parses_renders_and_evaluates_without_deep_recursion() -> None:
    source = "且".join(["a"] * 500)
    assert len(source) < MAX_LENGTH
    expr = parse(source)
    assert render(expr) == " and ".join(["a"] * 500)
    assert evaluate(expr, {"a": True}) is True
    assert evaluate(expr, {"a": False}) is False
    assert typecheck(expr, {"a": QuestionSpec("a", "bool")}) == []
    assert describe(expr, {}).count("且") == 499


def test_a_condition_that_is_not_text_is_refused() -> None:
    with pytest.raises(ExpressionError, match="条件应为文本，收到bool类型的值"):
        parse(True)  # type: ignore[arg-type]  # what YAML makes of `when: true`


def test_expression_error_keeps_reason_and_column_and_survives_pickling() -> None:
    error = ExpressionError("缺少右括号", 5)
    assert (error.message, error.reason, error.column) == ("第5列：缺少右括号", "缺少右括号", 5)
    assert str(error) == "第5列：缺少右括号"
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object, round-tripped
    assert (copy.message, copy.column) == ("第5列：缺少右括号", 5)
    assert ExpressionError("条件为空").message == "条件为空"


# --- Rendering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("非a且b或c", "not a and b or c"),
        ("(a and b) and c", "a and b and c"),
        ("a and (b and c)", "a and (b and c)"),
        ("a or (b and c)", "a or b and c"),
        ("(a or b) and c", "(a or b) and c"),
        ("a and (b or c)", "a and (b or c)"),
        ("not (a or b)", "not (a or b)"),
        ("not(a)", "not a"),
        ("not (a == 1)", "not a == 1"),
        ("(not a) == b", "(not a) == b"),
        ("x 非 in [1,'甲',True]", 'x not in [1, "甲", true]'),
        ("x == 'a\"b'", 'x == "a\\"b"'),
        ("x>=-2.50", "x >= -2.5"),
    ],
)
def test_render_spells_a_tree_canonically(source: str, canonical: str) -> None:
    assert render(parse(source)) == canonical
    assert parse(canonical) == parse(source)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e16, "10000000000000000.0"),
        (1.5e-7, "0.00000015"),
        (-2e20, "-200000000000000000000.0"),
        (3.0, "3.0"),
    ],
)
def test_render_spells_floats_out_without_exponents(value: float, text: str) -> None:
    assert render(Literal(value)) == text
    assert parse(text) == Literal(value)


@pytest.mark.parametrize(
    "tree",
    [Name("and"), Name("面积"), Name("1a"), Compare("=~", x, a), Literal(math.nan), Literal(math.inf)],
)
def test_render_refuses_trees_no_source_could_produce(tree: Expr) -> None:
    with pytest.raises(ExpressionError):
        render(tree)


# --- Type checking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "not has_licence",
        "floor_area > 300 and floor_area <= min_area",
        "entity == '个体工商户' or entity in ['有限责任公司']",
        "entity != '有限责任公司'",
        "has_licence == false or sells_cold_food != True",
        "shop_name == '小吃店' and shop_name != entity",
        "(has_licence or sells_cold_food) == true",
        "true",
        "floor_area in [100, 200.5]",
    ],
)
def test_well_typed_conditions_have_no_problems(source: str) -> None:
    assert typecheck(parse(source), QUESTIONS) == []


@pytest.mark.parametrize(
    ("source", "problems"),
    [
        ("foo", ["条件引用了未定义的问题“foo”"]),
        ("foo == 1 or not foo or bar", ["条件引用了未定义的问题“foo”", "条件引用了未定义的问题“bar”"]),
        ("has_licence == 5", ["是非问题“has_licence”只能与 true 或 false 比较，不能与数字5比较"]),
        ("'是' == has_licence", ["是非问题“has_licence”只能与 true 或 false 比较，不能与文本“是”比较"]),
        (
            "has_licence == floor_area",
            ["是非问题“has_licence”只能与 true 或 false 比较，不能与问题“floor_area”比较"],
        ),
        ("floor_area > '300'", ["数字问题“floor_area”不能与文本“300”比较"]),
        ("floor_area == true", ["数字问题“floor_area”不能与真假值true比较"]),
        ("floor_area in [1, '二']", ["数字问题“floor_area”不能与文本“二”比较"]),
        ("shop_name == 3", ["文本问题“shop_name”不能与数字3比较"]),
        ("entity == floor_area", ["选择问题“entity”不能与问题“floor_area”比较"]),
        ("floor_area", ["数字问题“floor_area”不能单独作为条件，请与数字比较，如“floor_area > 0”"]),
        ("not shop_name", ['文本问题“shop_name”不能单独作为条件，请与文本比较，如“shop_name == "…"”']),
        ("entity or has_licence", ["选择问题“entity”不能单独作为条件，请用“==”或“in”与选项比较"]),
        ("entity < '个体工商户'", ["问题“entity”不是数字问题，不能用“<”比较大小"]),
        ("has_licence >= true", ["问题“has_licence”不是数字问题，不能用“>=”比较大小"]),
        ("shop_name > entity", ["问题“shop_name”不是数字问题，不能用“>”比较大小"]),
        ("'甲' < '乙'", ["“<”只能比较数字，不能比较文本“甲”与文本“乙”"]),
        ("1 == '1'", ["不能比较数字1与文本“1”"]),
        ("(has_licence and sells_cold_food) == 3", ["不能比较条件“has_licence and sells_cold_food”与数字3"]),
        ("3", ["数字3不是真假值，不能单独作为条件"]),
        ("'是' or has_licence", ["文本“是”不是真假值，不能单独作为条件"]),
    ],
)
def test_type_problems_are_reported_in_chinese(source: str, problems: list[str]) -> None:
    assert typecheck(parse(source), QUESTIONS) == problems


def test_choice_compared_with_unknown_value_is_reported_with_the_value_and_the_choices() -> None:
    assert typecheck(parse("entity == '合伙企业'"), QUESTIONS) == [
        "“合伙企业”不是问题“entity”的选项（可选：个体工商户、有限责任公司）"
    ]


def test_each_unknown_value_in_a_choice_list_is_reported() -> None:
    assert typecheck(parse("entity not in ['合伙企业', '个体工商户', 3]"), QUESTIONS) == [
        "“合伙企业”不是问题“entity”的选项（可选：个体工商户、有限责任公司）",
        "“3”不是问题“entity”的选项（可选：个体工商户、有限责任公司）",
    ]


def test_choice_value_check_works_with_the_literal_on_the_left() -> None:
    assert typecheck(parse("'合伙企业' == entity"), QUESTIONS) == [
        "“合伙企业”不是问题“entity”的选项（可选：个体工商户、有限责任公司）"
    ]


def test_numeric_choices_match_number_literals() -> None:
    questions = {"level": QuestionSpec("level", "choice", ("1", "2", "3"))}
    assert typecheck(parse("level == 2 or level in ['3']"), questions) == []
    assert typecheck(parse("level == 4"), questions) == ["“4”不是问题“level”的选项（可选：1、2、3）"]


def test_the_same_problem_is_reported_once() -> None:
    assert typecheck(parse("foo and foo == 1 and (foo or entity == 'x' or entity == 'x')"), QUESTIONS) == [
        "条件引用了未定义的问题“foo”",
        "“x”不是问题“entity”的选项（可选：个体工商户、有限责任公司）",
    ]


def test_problems_inside_parenthesised_operands_are_found() -> None:
    assert typecheck(parse("(floor_area or foo) == true"), QUESTIONS) == [
        "数字问题“floor_area”不能单独作为条件，请与数字比较，如“floor_area > 0”",
        "条件引用了未定义的问题“foo”",
    ]


# --- Evaluation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        # unanswered
        ("has_licence", {}, False),
        ("not has_licence", {}, True),
        ("not has_licence", {"has_licence": None}, True),
        ("floor_area > 300", {}, False),
        ("floor_area <= 300", {"floor_area": None}, False),
        ("floor_area == 1", {}, False),
        ("floor_area != 1", {}, False),
        ("entity in ['个体工商户']", {}, False),
        ("entity not in ['个体工商户']", {}, False),
        # numbers and numeric strings
        ("floor_area > 300", {"floor_area": 500}, True),
        ("floor_area > 300", {"floor_area": 300}, False),
        ("floor_area >= 300", {"floor_area": 300.0}, True),
        ("floor_area > 300", {"floor_area": "500"}, True),
        ("floor_area > 300", {"floor_area": " 300.5 "}, True),
        ("floor_area > 300", {"floor_area": "２００"}, False),
        ("floor_area > 300", {"floor_area": "５００"}, True),
        ("floor_area == 500", {"floor_area": "500.0"}, True),
        ("300 < floor_area", {"floor_area": Decimal("300.01")}, True),
        ("floor_area < 1", {"floor_area": Fraction(1, 3)}, True),
        ("floor_area > min_area", {"floor_area": "500", "min_area": "60"}, True),
        ("floor_area == min_area", {"floor_area": "500", "min_area": "500.0"}, True),
        ("floor_area > -1.5", {"floor_area": -1}, True),
        ("floor_area > 300", {"floor_area": math.nan}, False),
        # type mismatches are false, whatever the operator
        ("floor_area > 300", {"floor_area": "abc"}, False),
        ("'abc' < 3", {}, False),
        ("floor_area == 3", {"floor_area": "三"}, False),
        ("floor_area != 3", {"floor_area": "三"}, False),
        ("floor_area < 3", {"floor_area": True}, False),
        ("floor_area < 3", {"floor_area": [1]}, False),
        ("shop_name < 'b'", {"shop_name": "a"}, False),
        # yes/no answers in their many spellings
        ("has_licence", {"has_licence": True}, True),
        ("has_licence", {"has_licence": "是"}, True),
        ("has_licence", {"has_licence": "否"}, False),
        ("has_licence", {"has_licence": "yes"}, True),
        ("has_licence", {"has_licence": "No"}, False),
        ("has_licence", {"has_licence": "TRUE"}, True),
        ("has_licence", {"has_licence": "false"}, False),
        ("has_licence", {"has_licence": "1"}, True),
        ("has_licence", {"has_licence": "0"}, False),
        ("has_licence", {"has_licence": "on"}, True),
        ("has_licence", {"has_licence": 0}, False),
        ("has_licence == false", {"has_licence": "否"}, True),
        ("has_licence == true", {"has_licence": "是"}, True),
        ("has_licence != true", {"has_licence": "no"}, True),
        ("has_licence == true", {"has_licence": "也许"}, False),
        ("has_licence != true", {"has_licence": "也许"}, False),
        ("has_licence == true", {"has_licence": 1}, True),
        # choices and text
        ("entity == '个体工商户'", {"entity": "个体工商户"}, True),
        ("entity != '个体工商户'", {"entity": "有限责任公司"}, True),
        ("entity in ['个体工商户', '有限责任公司']", {"entity": "有限责任公司"}, True),
        ("entity not in ['个体工商户', '有限责任公司']", {"entity": "合伙企业"}, True),
        ("entity not in ['个体工商户']", {"entity": "个体工商户"}, False),
        ("entity in []", {"entity": "个体工商户"}, False),
        ("entity not in []", {"entity": "个体工商户"}, True),
        ("floor_area in [100, 200]", {"floor_area": "200"}, True),
        ("shop_name == '小吃店'", {"shop_name": "小吃店"}, True),
        # connectives
        ("not has_licence and sells_cold_food", {"has_licence": True, "sells_cold_food": True}, False),
        ("not (has_licence and sells_cold_food)", {"has_licence": True, "sells_cold_food": False}, True),
        ("has_licence or sells_cold_food and false", {"has_licence": True}, True),
        ("(has_licence or sells_cold_food) and false", {"has_licence": True}, False),
        ("(has_licence or sells_cold_food) == true", {"sells_cold_food": "是"}, True),
        ("非 has_licence 且 floor_area > 300", {"has_licence": "否", "floor_area": "301"}, True),
    ],
)
def test_evaluate(source: str, answers: dict[str, object], expected: bool) -> None:
    assert evaluate(parse(source), answers) is expected


class _Hostile:
    """An answer whose every dunder raises, as a mis-built object from a caller might."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq")

    def __hash__(self) -> int:
        raise RuntimeError("hash")

    def __bool__(self) -> bool:
        raise RuntimeError("bool")

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("lt")

    def __float__(self) -> float:
        raise RuntimeError("float")

    def __repr__(self) -> str:
        raise RuntimeError("repr")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x", False),
        ("not x", True),
        ("x == 1", False),
        ("x != 'a'", False),
        ("x < 3", False),
        ("x in [1, 'a', true]", False),
        ("x not in [y]", False),
        ("y == x", False),
    ],
)
def test_evaluate_treats_an_unusable_answer_as_unanswered_without_touching_it(
    source: str, expected: bool
) -> None:
    assert evaluate(parse(source), {"x": _Hostile(), "y": 1}) is expected


def test_evaluate_handles_answers_that_cannot_become_numbers() -> None:
    assert evaluate(parse("x > 1"), {"x": Decimal("sNaN")}) is False
    assert evaluate(parse("x > 1"), {"x": "9" * 5000}) is False
    assert evaluate(parse("x > 1"), {"x": "1e999"}) is False
    assert evaluate(parse("x > 1"), {"x": 10**5000}) is True


# --- Descriptions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("not has_licence", "“是否已取得营业执照”为否"),
        ("has_licence", "“是否已取得营业执照”为是"),
        ("floor_area > 300", "“经营场所建筑面积（平方米）”大于300"),
        ("300 < floor_area", "“经营场所建筑面积（平方米）”大于300"),
        ("floor_area <= 2.5", "“经营场所建筑面积（平方米）”小于或等于2.5"),
        ("floor_area >= 300.0", "“经营场所建筑面积（平方米）”大于或等于300"),
        ("floor_area == 100", "“经营场所建筑面积（平方米）”等于100"),
        ("not floor_area < 100", "“经营场所建筑面积（平方米）”大于或等于100"),
        ("entity == '个体工商户'", "“经营主体”为“个体工商户”"),
        ("entity != '个体工商户'", "“经营主体”不为“个体工商户”"),
        ("not entity == '个体工商户'", "“经营主体”不为“个体工商户”"),
        ("entity in ['个体工商户']", "“经营主体”为“个体工商户”"),
        ("entity in ['个体工商户', '有限责任公司']", "“经营主体”为“个体工商户”、“有限责任公司”之一"),
        (
            "entity not in ['个体工商户', '有限责任公司']",
            "“经营主体”不为“个体工商户”、“有限责任公司”中的任何一个",
        ),
        ("not entity in ['个体工商户']", "“经营主体”不为“个体工商户”"),
        ("has_licence == true", "“是否已取得营业执照”为是"),
        ("has_licence != true", "“是否已取得营业执照”为否"),
        ("false == has_licence", "“是否已取得营业执照”为否"),
        ("not not has_licence", "“是否已取得营业执照”为是"),
        ("sells_cold_food", "“sells_cold_food”为是"),
        ("unknown_question > 1", "“unknown_question”大于1"),
        (
            "not has_licence 且 floor_area > 300",
            "“是否已取得营业执照”为否且“经营场所建筑面积（平方米）”大于300",
        ),
        ("has_licence or sells_cold_food", "“是否已取得营业执照”为是或“sells_cold_food”为是"),
        (
            "(has_licence or sells_cold_food) and floor_area > 300",
            "（“是否已取得营业执照”为是或“sells_cold_food”为是）且“经营场所建筑面积（平方米）”大于300",
        ),
        (
            "has_licence or sells_cold_food and false",
            "“是否已取得营业执照”为是或（“sells_cold_food”为是且始终不成立）",
        ),
        ("not (has_licence and sells_cold_food)", "并非（“是否已取得营业执照”为是且“sells_cold_food”为是）"),
        ("true", "始终成立"),
        ("not true", "始终不成立"),
    ],
)
def test_describe_reads_as_chinese_and_names_questions_by_their_text(source: str, text: str) -> None:
    assert describe(parse(source), QUESTIONS) == text


# --- Answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ident", "raw", "expected"),
    [
        ("has_licence", True, True),
        ("has_licence", "是", True),
        ("has_licence", " 否 ", False),
        ("has_licence", "Yes", True),
        ("has_licence", "false", False),
        ("has_licence", "1", True),
        ("has_licence", 0, False),
        ("has_licence", "on", True),
        ("floor_area", "500", 500),
        ("floor_area", "2.50", 2.5),
        ("floor_area", "-3", -3),
        ("floor_area", "１２０", 120),
        ("floor_area", "1e3", 1000.0),
        ("floor_area", 42, 42),
        ("floor_area", 4.5, 4.5),
        ("floor_area", Decimal("300"), 300),
        ("floor_area", Decimal("300.5"), 300.5),
        ("entity", "个体工商户", "个体工商户"),
        ("entity", " 有限责任公司 ", "有限责任公司"),
        ("shop_name", " 老王小吃 ", "老王小吃"),
        ("shop_name", 12, "12"),
        ("floor_area", None, None),
        ("floor_area", "  ", None),
        ("entity", "", None),
    ],
)
def test_coerce_answer_normalises_raw_answers(ident: str, raw: object, expected: object) -> None:
    value = coerce_answer(QUESTIONS[ident], raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("ident", "raw", "message"),
    [
        ("floor_area", "abc", "问题“floor_area”需要数字，收到“abc”"),
        ("floor_area", True, "问题“floor_area”需要数字，收到“True”"),
        ("floor_area", "nan", "问题“floor_area”需要数字，收到“nan”"),
        ("floor_area", math.inf, "问题“floor_area”需要数字，收到“inf”"),
        ("floor_area", Decimal("NaN"), "问题“floor_area”需要数字，收到“Decimal('NaN')”"),
        ("floor_area", "1,000", "问题“floor_area”需要数字，收到“1,000”"),
        ("has_licence", "也许", "问题“has_licence”需要回答是或否，收到“也许”"),
        ("has_licence", 2, "问题“has_licence”需要回答是或否，收到“2”"),
        ("entity", "合伙企业", "问题“entity”的回答“合伙企业”不是可选项（可选：个体工商户、有限责任公司）"),
        ("entity", True, "问题“entity”的回答“True”不是可选项（可选：个体工商户、有限责任公司）"),
        ("shop_name", ["a"], "问题“shop_name”需要文本，收到“['a']”"),
        ("shop_name", _Hostile(), "问题“shop_name”需要文本，收到“<_Hostile>”"),
    ],
)
def test_coerce_answer_refuses_what_it_cannot_read_and_names_the_question(
    ident: str, raw: object, message: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        coerce_answer(QUESTIONS[ident], raw)
    assert caught.value.message == message


def test_coerce_answer_shortens_long_raw_values_in_messages() -> None:
    with pytest.raises(ExpressionError) as caught:
        coerce_answer(QUESTIONS["floor_area"], "x" * 100)
    assert caught.value.message == "问题“floor_area”需要数字，收到“" + "x" * 39 + "…”"


def test_coerce_answer_accepts_integers_for_numeric_choices() -> None:
    assert coerce_answer(QuestionSpec("level", "choice", ("1", "2")), 2) == "2"


def test_coerce_answer_refuses_an_unknown_question_type() -> None:
    with pytest.raises(ExpressionError, match="问题“born”的类型“date”未知"):
        coerce_answer(QuestionSpec("born", "date"), "2024-01-01")


# --- Properties ----------------------------------------------------------------------------------

_KEYWORD_WORDS = {"and", "or", "not", "in", "true", "false", "True", "False"}
idents = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True).filter(
    lambda s: s not in _KEYWORD_WORDS
)
literal_values = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
OPS = ["==", "!=", "<", "<=", ">", ">="]


def _trees(names: st.SearchStrategy[str]) -> st.SearchStrategy[Expr]:
    leaves: st.SearchStrategy[Expr] = st.one_of(st.builds(Literal, literal_values), st.builds(Name, names))

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(Not, children),
            st.builds(And, children, children),
            st.builds(Or, children, children),
            st.builds(Compare, st.sampled_from(OPS), children, children),
            st.builds(In, children, st.lists(children, max_size=3).map(tuple), st.booleans()),
        )

    return st.recursive(leaves, extend, max_leaves=12)


trees = _trees(idents)

# Characters that matter to the tokenizer, plus Chinese text and full-width look-alikes.
_SIGNIFICANT = list("()[],'\"\\=!<>-.0123456789 _aZ\t\n\u3000且或非甲乙（），“”＝") + ["e"]
TOKENS = [
    "(",
    ")",
    "[",
    "]",
    ",",
    "and",
    "or",
    "not",
    "in",
    "且",
    "或",
    "非",
    "true",
    "False",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "!",
    "x",
    "has_licence",
    "1",
    "-2.5",
    "-",
    "1.",
    "'甲'",
    '"乙"',
    "'",
    '"',
    "\\",
    "（",
    "，",
    "、",
    "面积",
]


def _parse_or_error(source: str) -> None:
    """Parse succeeds and round-trips, or fails with a located ExpressionError; nothing else escapes."""
    try:
        expr = parse(source)
    except ExpressionError as error:
        failure = error
    else:
        text = render(expr)
        if len(text) <= MAX_LENGTH:  # "且" becomes " and ": the canonical text may be longer
            assert parse(text) == expr
        return
    assert failure.message
    assert failure.column is None or 1 <= failure.column <= len(source) + 1


@settings(max_examples=400)
@given(st.text())
def test_no_text_crashes_the_parser(source: str) -> None:
    _parse_or_error(source)


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(_SIGNIFICANT), max_size=40))
def test_no_mix_of_significant_characters_crashes_the_parser(source: str) -> None:
    _parse_or_error(source)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.sampled_from([" ", "", "\u3000"]))
def test_no_sequence_of_tokens_crashes_the_parser(tokens: list[str], separator: str) -> None:
    _parse_or_error(separator.join(tokens))


@st.composite
def _sources(draw: st.DrawFn, depth: int = 0) -> str:
    """Valid condition text, spelled with every alias and spacing the language allows."""
    space = draw(st.sampled_from([" ", "  ", "\u3000", "\t"]))
    kind = draw(
        st.sampled_from(["atom", "compare", "in"] + (["not", "and", "or", "paren"] if depth < 4 else []))
    )
    if kind == "atom":
        return draw(
            st.sampled_from(["x", "has_licence", "true", "True", "false", "1", "-2.5", "'甲'", '"乙"'])
        )
    if kind == "compare":
        value = draw(st.sampled_from(["1", "-0.5", "'丙'", "y"]))
        return f"x{space}{draw(st.sampled_from(OPS))}{space}{value}"
    if kind == "in":
        negation = draw(st.sampled_from(["", "not ", "非 "]))
        options = draw(st.lists(st.sampled_from(["1", "'甲'", "y", "(a or b)"]), max_size=3))
        return f"x {negation}in [{', '.join(options)}]"
    if kind == "not":
        return f"{draw(st.sampled_from(['not ', '非']))}{draw(_sources(depth + 1))}"
    if kind == "paren":
        return f"({draw(_sources(depth + 1))})"
    word = draw(st.sampled_from(["and", "且"] if kind == "and" else ["or", "或"]))
    return f"{draw(_sources(depth + 1))}{space}{word}{space}{draw(_sources(depth + 1))}"


@settings(max_examples=200)
@given(_sources())
def test_every_grammatical_text_parses_and_survives_rendering(source: str) -> None:
    expr = parse(source)
    assert parse(render(expr)) == expr


@settings(max_examples=300)
@given(trees)
def test_parse_of_render_gives_back_the_same_tree(expr: Expr) -> None:
    text = render(expr)
    try:
        again = parse(text)
    except ExpressionError as error:
        # Large trees of long floats can exceed the limits a real condition never approaches.
        if "过长" in error.message or "嵌套过深" in error.message:
            reject()
        raise
    assert again == expr
    # Dataclass equality lets 1 == 1.0 == True; the canonical text does not.
    assert render(again) == text


answer_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["是", "否", "yes", "no", "1", "0", "500", "-2.5", "５００", "个体工商户", " true "]),
    st.decimals(),
    st.fractions(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.builds(_Hostile),
)
_POOL = ["a", "b", "c", "x"]
pool_trees = _trees(st.sampled_from(_POOL))


@settings(max_examples=300)
@given(pool_trees, st.dictionaries(st.sampled_from(_POOL), answer_values))
def test_evaluate_is_total_for_arbitrary_answers(expr: Expr, answers: dict[str, object]) -> None:
    assert isinstance(evaluate(expr, answers), bool)


def _python_truth(expr: Expr, answers: dict[str, bool]) -> bool:
    if isinstance(expr, Name):
        return answers[expr.ident]
    if isinstance(expr, Not):
        return not _python_truth(expr.operand, answers)
    if isinstance(expr, And):
        return _python_truth(expr.left, answers) and _python_truth(expr.right, answers)
    assert isinstance(expr, Or)
    return _python_truth(expr.left, answers) or _python_truth(expr.right, answers)


boolean_trees: st.SearchStrategy[Expr] = st.recursive(
    st.builds(Name, st.sampled_from(_POOL)),
    lambda children: st.one_of(
        st.builds(Not, children), st.builds(And, children, children), st.builds(Or, children, children)
    ),
    max_leaves=10,
)


@settings(max_examples=200)
@given(boolean_trees, st.fixed_dictionaries({name: st.booleans() for name in _POOL}))
def test_connectives_follow_boolean_logic(expr: Expr, answers: dict[str, bool]) -> None:
    assert evaluate(expr, answers) is _python_truth(expr, answers)
    # A precedence mistake in the renderer would change the meaning, not only the tree.
    assert evaluate(parse(render(expr)), answers) is _python_truth(expr, answers)


question_specs = st.dictionaries(
    st.sampled_from(_POOL),
    st.builds(
        QuestionSpec,
        ident=st.sampled_from(_POOL),
        type=st.sampled_from(["bool", "number", "choice", "text", "date"]),
        choices=st.lists(st.text(max_size=3), max_size=3).map(tuple),
        text=st.text(max_size=5),
    ),
)


@settings(max_examples=200)
@given(pool_trees, question_specs)
def test_typecheck_and_describe_accept_any_tree_and_questions(
    expr: Expr, questions: dict[str, QuestionSpec]
) -> None:
    problems = typecheck(expr, questions)
    assert all(isinstance(problem, str) and problem for problem in problems)
    assert len(problems) == len(set(problems))
    unknown = identifiers(expr) - questions.keys()
    assert {f"条件引用了未定义的问题“{name}”" for name in unknown} <= set(problems)
    assert describe(expr, questions)


@settings(max_examples=200)
@given(st.sampled_from(list(QUESTIONS.values())), answer_values)
def test_coerce_answer_returns_the_question_type_or_raises_expression_error(
    spec: QuestionSpec, raw: object
) -> None:
    try:
        value = coerce_answer(spec, raw)
    except ExpressionError as error:
        message = error.message
    else:
        message = ""
    if message:
        assert f"问题“{spec.ident}”" in message
        return
    expected = {"bool": (bool,), "number": (int, float), "choice": (str,), "text": (str,)}[spec.type]
    assert value is None or (
        isinstance(value, expected) and (spec.type == "bool" or not isinstance(value, bool))
    )
    if spec.type == "choice" and value is not None:
        assert value in spec.choices
