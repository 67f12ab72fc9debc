"""The `when` condition language of packages and items (docs/package-format.md, "The condition language").

Conditions are written by service-centre administrators in YAML and evaluated for every applicant, so
they are tokenised and parsed by hand here and never reach `eval`: the only thing a condition can do
is compare answers with constants. Grammar, lowest precedence first::

    expr     := or
    or       := and ("or" and)*
    and      := not ("and" not)*
    not      := "not" not | compare
    compare  := atom (("==" | "!=" | "<" | "<=" | ">" | ">=") atom | "not"? "in" list)?
    atom     := NUMBER | STRING | "true" | "false" | IDENT | "(" expr ")"
    list     := "[" (atom ("," atom)*)? "]"

`且` / `或` / `非` alias `and` / `or` / `not`; `True` / `False` alias `true` / `false`. Strings take
single or double quotes; inside them only `\\\\`, `\\'` and `\\"` are escapes. Columns in errors count
characters from 1, so a Chinese character is one column, as an editor shows it.

Evaluation is total: answers arrive from HTML forms, the CLI and JSON in whatever shape, and a wrong
shape makes a comparison false rather than failing the whole package compilation.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, TypeAlias

MAX_LENGTH: Final = 1000
MAX_DEPTH: Final = 50

COMPARISON_OPERATORS: Final = ("==", "!=", "<", "<=", ">", ">=")
_ORDERING: Final = frozenset({"<", "<=", ">", ">="})


class ExpressionError(ValueError):
    """A condition (or an answer) that cannot be used; `message` is ready to show and names the column.

    `reason` is the message without the column prefix, for callers that place the column themselves.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message, column)
        self.reason = message
        self.column = column
        self.message = message if column is None else f"第{column}列：{message}"

    def __str__(self) -> str:
        return self.message


# --- The syntax tree ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: bool | int | float | str


@dataclass(frozen=True, slots=True)
class Name:
    ident: str


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Or:
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class In:
    needle: Expr
    options: tuple[Expr, ...]
    negated: bool = False


Expr: TypeAlias = Literal | Name | Not | And | Or | Compare | In


def _operands(expr: And | Or) -> list[Expr]:
    """The operands of a chain of one connective, left to right, whatever its association.

    Walking chains with a loop keeps every tree walk's recursion bounded by the parenthesis depth the
    parser allows: a 1000-character `a且b且c…` is a 500-deep left spine.
    """
    kind = type(expr)
    out: list[Expr] = []
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, And | Or) and type(node) is kind:
            stack.append(node.right)
            stack.append(node.left)
        else:
            out.append(node)
    return out


# --- Tokens ---------------------------------------------------------------------------------------

_KEYWORDS: Final = {
    "and": "and",
    "且": "and",
    "or": "or",
    "或": "or",
    "not": "not",
    "非": "not",
    "in": "in",
    "true": "true",
    "True": "true",
    "false": "false",
    "False": "false",
}
_NUMBER_RE: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# A name may be dotted (`enterprise.uscc`): instant-approval rules (catalog/instant_rules.py) read data
# elements by their codes; a package question's id never has a dot, so conditions are unaffected.
_IDENT_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_IDENT_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
# Chinese input methods produce these when the author meant the ASCII character; say so instead of
# only "unknown character", which is baffling when the two look alike.
_FULL_WIDTH: Final = {
    "（": "(",
    "）": ")",
    "【": "[",
    "】": "]",
    "［": "[",
    "］": "]",
    "，": ",",
    "、": ",",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "＝": "=",
    "！": "!",
    "＜": "<",
    "＞": ">",
    "－": "-",
}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number" "string" "name" "op" "end", a keyword ("and" …) or a bracket/comma
    text: str  # as written, for messages
    column: int
    value: bool | int | float | str | None = None


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        column = i + 1
        if ch.isspace():
            i += 1
        elif ch in "()[],":
            tokens.append(_Token(ch, ch, column))
            i += 1
        elif ch in "=!<>":
            pair = source[i : i + 2]
            if pair in ("==", "!=", "<=", ">="):
                tokens.append(_Token("op", pair, column))
                i += 2
            elif ch in "<>":
                tokens.append(_Token("op", ch, column))
                i += 1
            elif ch == "=":
                raise ExpressionError("判断相等请写“==”，不是“=”", column)
            else:
                raise ExpressionError("“!”后应为“=”（不等于写作“!=”）", column)
        elif ch in "'\"":
            i = _read_string(source, i, tokens)
        elif ch == "-" or "0" <= ch <= "9":
            i = _read_number(source, i, tokens)
        elif ch in _IDENT_CHARS:
            match = _IDENT_RE.match(source, i)
            if match is None:  # a digit, handled above; kept for the type checker
                raise ExpressionError(f"无法识别的字符“{ch}”", column)
            word = match.group()
            tokens.append(_Token(_KEYWORDS.get(word, "name"), word, column))
            i = match.end()
        elif ch in "且或非":
            tokens.append(_Token(_KEYWORDS[ch], ch, column))
            i += 1
        elif ch in _FULL_WIDTH:
            raise ExpressionError(f"请使用半角字符“{_FULL_WIDTH[ch]}”，而不是全角的“{ch}”", column)
        else:
            raise ExpressionError(f"无法识别的字符“{ch}”", column)
    tokens.append(_Token("end", "", n + 1))
    return tokens


def _read_string(source: str, start: int, tokens: list[_Token]) -> int:
    quote = source[start]
    chars: list[str] = []
    i = start + 1
    while True:
        if i >= len(source):
            raise ExpressionError("字符串缺少结束引号", start + 1)
        ch = source[i]
        if ch == quote:
            break
        if ch == "\\":
            if i + 1 >= len(source):
                raise ExpressionError("字符串缺少结束引号", start + 1)
            escaped = source[i + 1]
            if escaped not in "\\'\"":
                raise ExpressionError(f"字符串中不支持转义“\\{escaped}”（只能写 \\\\、\\' 或 \\\"）", i + 1)
            chars.append(escaped)
            i += 2
            continue
        chars.append(ch)
        i += 1
    tokens.append(_Token("string", source[start : i + 1], start + 1, "".join(chars)))
    return i + 1


def _read_number(source: str, start: int, tokens: list[_Token]) -> int:
    match = _NUMBER_RE.match(source, start)
    if match is None:
        raise ExpressionError("“-”后应紧跟数字", start + 1)
    end = match.end()
    # "1.5.2", "3abc" or "1." would otherwise split into confusing tokens and a vaguer error.
    stuck = end
    while stuck < len(source) and (source[stuck] in _IDENT_CHARS or source[stuck] == "."):
        stuck += 1
    if stuck > end:
        raise ExpressionError(f"数字格式不正确：“{source[start:stuck]}”", start + 1)
    text = match.group()
    value: int | float
    if "." in text:
        value = float(text)
        if not math.isfinite(value):
            raise ExpressionError(f"数字过大：“{text}”", start + 1)
    else:
        value = int(text)
    tokens.append(_Token("number", text, start + 1, value))
    return end


# --- Parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def enter(self, token: _Token) -> None:
        # Python's own recursion limit would surface as RecursionError, which callers do not expect.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"嵌套过深（最多{MAX_DEPTH}层）", token.column)

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while self.peek().kind == "or":
            self.advance()
            left = Or(left, self.parse_and())
        return left

    def parse_and(self) -> Expr:
        left = self.parse_not()
        while self.peek().kind == "and":
            self.advance()
            left = And(left, self.parse_not())
        return left

    def parse_not(self) -> Expr:
        token = self.peek()
        if token.kind != "not":
            return self.parse_compare()
        self.advance()
        self.enter(token)
        operand = self.parse_not()
        self.depth -= 1
        return Not(operand)

    def parse_compare(self) -> Expr:
        left = self.parse_atom()
        token = self.peek()
        result: Expr
        if token.kind == "op":
            self.advance()
            result = Compare(token.text, left, self.parse_atom())
        elif token.kind == "in":
            self.advance()
            result = In(left, self.parse_list(token), False)
        elif token.kind == "not":
            self.advance()
            following = self.peek()
            if following.kind != "in":
                raise ExpressionError(f"此处的“{token.text}”之后应为“in”", following.column)
            self.advance()
            result = In(left, self.parse_list(following), True)
        else:
            return left
        after = self.peek()
        if after.kind in ("op", "in") or (after.kind == "not" and self.peek(1).kind == "in"):
            raise ExpressionError("比较不能连写，请用“且”连接两个比较，或加括号", after.column)
        return result

    def parse_atom(self) -> Expr:
        token = self.advance()
        if token.kind in ("number", "string"):
            assert token.value is not None
            return Literal(token.value)
        if token.kind in ("true", "false"):
            return Literal(token.kind == "true")
        if token.kind == "name":
            return Name(token.text)
        if token.kind == "(":
            self.enter(token)
            inner = self.parse_or()
            closing = self.peek()
            if closing.kind != ")":
                raise ExpressionError("缺少右括号“)”", closing.column)
            self.advance()
            self.depth -= 1
            return inner
        if token.kind == "end":
            raise ExpressionError("条件不完整，此处应为问题、数值或括号", token.column)
        raise ExpressionError(f"此处应为问题、数值或括号，却是“{token.text}”", token.column)

    def parse_list(self, keyword: _Token) -> tuple[Expr, ...]:
        opening = self.peek()
        if opening.kind != "[":
            raise ExpressionError(f'“{keyword.text}”之后应为方括号中的列表，如 ["甲", "乙"]', opening.column)
        self.advance()
        self.enter(opening)
        items: list[Expr] = []
        if self.peek().kind != "]":
            items.append(self.parse_atom())
            while self.peek().kind == ",":
                self.advance()
                items.append(self.parse_atom())
        closing = self.peek()
        if closing.kind != "]":
            raise ExpressionError("列表缺少右方括号“]”，或列表项之间缺少逗号", closing.column)
        self.advance()
        self.depth -= 1
        return tuple(items)


def parse(source: str) -> Expr:
    """Parse a condition; raise ExpressionError (with the column where it applies) when it is not one."""
    if not isinstance(source, str):
        # YAML turns `when: true` or `when: 1` into a bool or a number before we see it.
        raise ExpressionError(f"条件应为文本，收到{type(source).__name__}类型的值")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"条件过长：{len(source)}个字符，最多{MAX_LENGTH}个")
    if not source.strip():
        raise ExpressionError("条件为空")
    parser = _Parser(_tokenize(source))
    expr = parser.parse_or()
    rest = parser.peek()
    if rest.kind == ")":
        raise ExpressionError("多余的右括号“)”", rest.column)
    if rest.kind != "end":
        raise ExpressionError(f"多余的“{rest.text}”（是否缺少“且”或“或”？）", rest.column)
    return expr


@functools.lru_cache(maxsize=1024)
def compile_condition(source: str) -> Expr:
    """`parse`, cached: the same few conditions are evaluated for every applicant of a package."""
    return parse(source)


def identifiers(expr: Expr) -> frozenset[str]:
    found: set[str] = set()
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            found.add(node.ident)
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, And | Or | Compare):
            stack.extend((node.left, node.right))
        elif isinstance(node, In):
            stack.append(node.needle)
            stack.extend(node.options)
    return frozenset(found)


# --- Rendering ------------------------------------------------------------------------------------


def render(expr: Expr) -> str:
    """Canonical text with the fewest parentheses that keep the tree: `parse(render(e)) == e`.

    Raises ExpressionError for trees no source text could produce (a name that is not an
    identifier, an unknown operator, a non-finite number).
    """
    if isinstance(expr, Literal):
        return _render_literal(expr.value)
    if isinstance(expr, Name):
        if not _IDENT_RE.fullmatch(expr.ident) or expr.ident in _KEYWORDS:
            raise ExpressionError(f"“{expr.ident}”不能用作问题标识")
        return expr.ident
    if isinstance(expr, Not):
        inner = render(expr.operand)
        return f"not ({inner})" if isinstance(expr.operand, And | Or) else f"not {inner}"
    if isinstance(expr, Compare):
        if expr.op not in COMPARISON_OPERATORS:
            raise ExpressionError(f"未知的比较运算“{expr.op}”")
        return f"{_render_atom(expr.left)} {expr.op} {_render_atom(expr.right)}"
    if isinstance(expr, In):
        options = ", ".join(_render_atom(option) for option in expr.options)
        keyword = "not in" if expr.negated else "in"
        return f"{_render_atom(expr.needle)} {keyword} [{options}]"
    return _render_chain(expr)


def _render_chain(expr: And | Or) -> str:
    # Only the left spine may go without parentheses: the parser builds chains left-associated, so a
    # right operand of the same connective was parenthesised in the source.
    kind = type(expr)
    rights: list[Expr] = []
    node: Expr = expr
    while isinstance(node, And | Or) and type(node) is kind:
        rights.append(node.right)
        node = node.left
    operands = [node, *reversed(rights)]
    parts = []
    for index, operand in enumerate(operands):
        text = render(operand)
        looser = isinstance(operand, Or) and kind is And
        if looser or (index > 0 and isinstance(operand, kind)):
            text = f"({text})"
        parts.append(text)
    return (" and " if kind is And else " or ").join(parts)


def _render_atom(expr: Expr) -> str:
    text = render(expr)
    return text if isinstance(expr, Literal | Name) else f"({text})"


def _render_literal(value: bool | int | float | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _render_float(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _render_float(value: float) -> str:
    if not math.isfinite(value):
        raise ExpressionError(f"无法在条件中表示数字{value}")
    text = repr(value)
    if "e" in text or "E" in text:
        # The language has no exponent notation; spell the same value out in full.
        text = format(Decimal(text), "f")
    # Without a decimal point it would come back as an int.
    return text if "." in text else text + ".0"


# --- Type checking --------------------------------------------------------------------------------

_KIND_OF_TYPE: Final = {"bool": "bool", "number": "number", "choice": "string", "text": "string"}
_TYPE_NOUN: Final = {"bool": "是非", "number": "数字", "choice": "选择", "text": "文本"}


@dataclass(frozen=True)
class QuestionSpec:
    ident: str
    type: str  # "bool" | "choice" | "number" | "text"
    choices: tuple[str, ...] = ()
    text: str = ""
    # The datum that answers the question (docs/package-format.md, "Questions bound to data"): a data
    # element code of the merged form, or "licence:<licence type>" (the applicant holds a valid one in the
    # e-licence library); "" for a question only the applicant can answer.
    bind: str = ""
    bind_name: str = ""  # the element's or the licence type's name, for messages


def typecheck(expr: Expr, questions: Mapping[str, QuestionSpec]) -> list[str]:
    """Problems with a parsed condition against a package's questions; an empty list means none.

    Each problem is reported once, in the order it appears in the condition.
    """
    checker = _TypeChecker(questions)
    checker.condition(expr)
    return list(dict.fromkeys(checker.messages))


class _TypeChecker:
    def __init__(self, questions: Mapping[str, QuestionSpec]) -> None:
        self.questions = questions
        self.messages: list[str] = []

    def spec(self, expr: Expr) -> QuestionSpec | None:
        if isinstance(expr, Name):
            return self.questions.get(expr.ident)
        return None

    def condition(self, expr: Expr) -> None:
        """`expr` is used as a truth value."""
        if isinstance(expr, And | Or):
            for operand in _operands(expr):
                self.condition(operand)
        elif isinstance(expr, Not):
            self.condition(expr.operand)
        elif isinstance(expr, Compare):
            left, right = self.kind(expr.left), self.kind(expr.right)
            if left is not None and right is not None:
                self.pair(expr.op, expr.left, left, expr.right, right)
        elif isinstance(expr, In):
            needle = self.kind(expr.needle)
            kinds = [self.kind(option) for option in expr.options]
            if needle is not None:
                for option, kind in zip(expr.options, kinds, strict=True):
                    if kind is not None:
                        self.pair("==", expr.needle, needle, option, kind)
        elif isinstance(expr, Name):
            self.bare_name(expr)
        elif not isinstance(expr.value, bool):
            self.messages.append(f"{_describe_operand(expr)}不是真假值，不能单独作为条件")

    def bare_name(self, name: Name) -> None:
        spec = self.questions.get(name.ident)
        if spec is None:
            self.messages.append(_unknown(name.ident))
        elif spec.type == "number":
            self.messages.append(
                f"数字问题“{name.ident}”不能单独作为条件，请与数字比较，如“{name.ident} > 0”"
            )
        elif spec.type == "text":
            self.messages.append(
                f'文本问题“{name.ident}”不能单独作为条件，请与文本比较，如“{name.ident} == "…"”'
            )
        elif spec.type == "choice":
            self.messages.append(f"选择问题“{name.ident}”不能单独作为条件，请用“==”或“in”与选项比较")

    def kind(self, expr: Expr) -> str | None:
        """What an operand of a comparison holds: "bool", "number" or "string"; None when unknown."""
        if isinstance(expr, Literal):
            return _literal_kind(expr.value)
        if isinstance(expr, Name):
            spec = self.questions.get(expr.ident)
            if spec is None:
                self.messages.append(_unknown(expr.ident))
                return None
            return _KIND_OF_TYPE.get(spec.type)
        self.condition(expr)
        return "bool"

    def pair(self, op: str, left: Expr, left_kind: str, right: Expr, right_kind: str) -> None:
        for subject, other in ((left, right), (right, left)):
            spec = self.spec(subject)
            if spec is not None and spec.type == "choice" and isinstance(other, Literal):
                if op in _ORDERING:
                    self.messages.append(_not_orderable(spec.ident, op))
                elif not any(_equal(_normalize(choice), _normalize(other.value)) for choice in spec.choices):
                    shown = other.value if isinstance(other.value, str) else _render_literal(other.value)
                    listed = "、".join(spec.choices) or "无"
                    self.messages.append(f"“{shown}”不是问题“{spec.ident}”的选项（可选：{listed}）")
                return
        if left_kind != right_kind:
            self.messages.append(self.mismatch(left, right))
        elif op in _ORDERING and left_kind != "number":
            for side in (left, right):
                spec = self.spec(side)
                if spec is not None:
                    self.messages.append(_not_orderable(spec.ident, op))
                    return
            self.messages.append(
                f"“{op}”只能比较数字，不能比较{_describe_operand(left)}与{_describe_operand(right)}"
            )

    def mismatch(self, left: Expr, right: Expr) -> str:
        for subject, other in ((left, right), (right, left)):
            spec = self.spec(subject)
            if spec is None:
                continue
            if spec.type == "bool":
                return (
                    f"是非问题“{spec.ident}”只能与 true 或 false 比较，不能与{_describe_operand(other)}比较"
                )
            return f"{_TYPE_NOUN[spec.type]}问题“{spec.ident}”不能与{_describe_operand(other)}比较"
        return f"不能比较{_describe_operand(left)}与{_describe_operand(right)}"


def _unknown(ident: str) -> str:
    return f"条件引用了未定义的问题“{ident}”"


def _not_orderable(ident: str, op: str) -> str:
    return f"问题“{ident}”不是数字问题，不能用“{op}”比较大小"


def _literal_kind(value: object) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _describe_operand(expr: Expr) -> str:
    """An operand as named in type-check messages."""
    if isinstance(expr, Literal):
        value = expr.value
        if isinstance(value, bool):
            return f"真假值{_render_literal(value)}"
        if isinstance(value, str):
            return f"文本“{value}”"
        return f"数字{_render_literal(value)}"
    if isinstance(expr, Name):
        return f"问题“{expr.ident}”"
    return f"条件“{render(expr)}”"


# --- Evaluation -----------------------------------------------------------------------------------


class _Opaque:
    """An answer of a shape no condition can use (a list, an object, a signalling NaN …)."""


_OPAQUE: Final = _Opaque()
_Value: TypeAlias = bool | int | float | str | _Opaque | None

_BOOL_WORDS: Final = {
    "true": True,
    "yes": True,
    "是": True,
    "1": True,
    "on": True,  # what an HTML checkbox sends
    "false": False,
    "no": False,
    "否": False,
    "0": False,
    "off": False,
}
_NUMERIC_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER_RE: Final = re.compile(r"[+-]?[0-9]+")


def evaluate(expr: Expr, answers: Mapping[str, object]) -> bool:
    """Whether the condition holds for these answers. Never raises because of an answer.

    - A missing or None answer is false on its own and makes every comparison false, so
      `not x` holds and `x != 1` does not when `x` is unanswered.
    - Numbers compare numerically, also when one side is a numeric string ("500" from a form).
    - Yes/no answers may be bools or the words true/false, 是/否, yes/no, 1/0, on/off.
    - A comparison of incompatible values ("abc" < 3, "abc" == 3) is false, whichever the operator.
    """
    return _truth(_value(expr, answers))


def _value(expr: Expr, answers: Mapping[str, object]) -> _Value:
    if isinstance(expr, Literal):
        return _normalize(expr.value)
    if isinstance(expr, Name):
        return _normalize(answers.get(expr.ident))
    if isinstance(expr, Not):
        return not _truth(_value(expr.operand, answers))
    if isinstance(expr, And):
        return all(_truth(_value(operand, answers)) for operand in _operands(expr))
    if isinstance(expr, Or):
        return any(_truth(_value(operand, answers)) for operand in _operands(expr))
    if isinstance(expr, Compare):
        return _compare(expr.op, _value(expr.left, answers), _value(expr.right, answers))
    needle = _value(expr.needle, answers)
    if needle is None or needle is _OPAQUE:
        return False
    found = any(_equal(needle, _value(option, answers)) is True for option in expr.options)
    return found != expr.negated


def _normalize(raw: object) -> _Value:
    """Reduce an answer to the few plain types the comparisons know, never calling its own methods
    beyond conversion: an answer's `__eq__` or `__bool__` may raise or lie (numpy arrays, models)."""
    try:
        if raw is None or isinstance(raw, bool):
            return raw
        if isinstance(raw, int):
            return int(raw)
        if isinstance(raw, float):
            return float(raw)
        if isinstance(raw, str):
            return str.__str__(raw)
        if isinstance(raw, Decimal | numbers.Real):
            return float(raw)
    except (ValueError, TypeError, ArithmeticError):
        pass
    return _OPAQUE


def _truth(value: _Value) -> bool:
    if value is None or isinstance(value, _Opaque):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    word = _bool_word(value)
    return word if word is not None else bool(value.strip())


def _bool_word(text: str) -> bool | None:
    return _BOOL_WORDS.get(unicodedata.normalize("NFKC", text).strip().lower())


def _number(value: _Value) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return _parse_number(value)
    return None


def _parse_number(text: str) -> int | float | None:
    """A numeric string as typed, full-width digits included (中文输入法 gives "３００")."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not _NUMERIC_RE.fullmatch(cleaned):
        return None
    try:
        if _INTEGER_RE.fullmatch(cleaned):
            return int(cleaned)
        number = float(cleaned)
    except ValueError:  # more digits than int() will convert
        return None
    return number if math.isfinite(number) else None


def _equal(left: _Value, right: _Value) -> bool | None:
    """Loose equality across answer shapes; None when the two cannot be compared at all."""
    if left is None or right is None or isinstance(left, _Opaque) or isinstance(right, _Opaque):
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return left == right
        flag, other = (left, right) if isinstance(left, bool) else (right, left)
        if isinstance(other, str):
            word = _bool_word(other)
            return None if word is None else word == flag
        return other == int(flag)
    if isinstance(left, str) and isinstance(right, str):
        if left == right:
            return True
        # Two number answers given on the command line arrive as "500" and "500.0".
        left_number, right_number = _parse_number(left), _parse_number(right)
        if left_number is not None and right_number is not None:
            return left_number == right_number
        return False
    left_number, right_number = _number(left), _number(right)
    if left_number is None or right_number is None:
        return None
    return left_number == right_number


def _compare(op: str, left: _Value, right: _Value) -> bool:
    if op == "==":
        return _equal(left, right) is True
    if op == "!=":
        return _equal(left, right) is False
    left_number, right_number = _number(left), _number(right)
    if left_number is None or right_number is None:
        return False
    if op == "<":
        return left_number < right_number
    if op == "<=":
        return left_number <= right_number
    if op == ">":
        return left_number > right_number
    if op == ">=":
        return left_number >= right_number
    return False


# --- Descriptions for guides ---------------------------------------------------------------------

_NEGATED_OP: Final = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_MIRRORED_OP: Final = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Wording:
    """The words a description is made of, in one language: `{}` / `{a}` `{b}` are the parts put in.

    One describer (`_Describer`) walks every condition the same way in every language; only these words
    differ. `text` turns a question's text or a choice into the language (Chinese: as it is; English: the
    catalog's English, `catalog.i18n.ENGLISH`).
    """

    both: str = "且"
    either: str = "或"
    group: str = "（{}）"
    is_yes: str = "{}为是"
    is_no: str = "{}为否"
    yes: str = "是"
    no: str = "否"
    always: str = "始终成立"
    never: str = "始终不成立"
    negated: str = "并非（{}）"
    order: Mapping[str, str] = field(
        default_factory=lambda: {
            "<": "{a}小于{b}",
            "<=": "{a}小于或等于{b}",
            ">": "{a}大于{b}",
            ">=": "{a}大于或等于{b}",
        }
    )
    equals_number: str = "{a}等于{b}"
    differs_number: str = "{a}不等于{b}"
    equals: str = "{a}为{b}"
    differs: str = "{a}不为{b}"
    answered: str = "{}已作答"
    one_of: str = "{a}为{b}之一"
    none_of: str = "{a}不为{b}中的任何一个"
    separator: str = "、"
    text: Callable[[str], str] = _same


CHINESE: Final = Wording()


def describe(expr: Expr, questions: Mapping[str, QuestionSpec], wording: Wording = CHINESE) -> str:
    """The condition in plain words for guides, naming questions by their text (Chinese unless told).

    e.g. `not has_licence` → “是否已取得营业执照”为否; `floor_area > 300` → “经营场所建筑面积（平方米）”大于300.
    """
    return _Describer(questions, wording).condition(expr)


class _Describer:
    def __init__(self, questions: Mapping[str, QuestionSpec], wording: Wording = CHINESE) -> None:
        self.questions = questions
        self.w = wording

    def label(self, ident: str) -> str:
        spec = self.questions.get(ident)
        return f"“{self.w.text(spec.text if spec is not None and spec.text else ident)}”"

    def condition(self, expr: Expr) -> str:
        w = self.w
        if isinstance(expr, And | Or):
            parts = []
            for operand in _operands(expr):
                text = self.condition(operand)
                # A chain holds only the other connective here; bracket it so 且 and 或 never mix unclearly.
                parts.append(w.group.format(text) if isinstance(operand, And | Or) else text)
            return (w.both if isinstance(expr, And) else w.either).join(parts)
        if isinstance(expr, Not):
            return self.negation(expr.operand)
        if isinstance(expr, Name):
            return w.is_yes.format(self.label(expr.ident))
        if isinstance(expr, Compare):
            return self.comparison(expr.op, expr.left, expr.right)
        if isinstance(expr, In):
            return self.membership(expr.needle, expr.options, expr.negated)
        if isinstance(expr.value, bool):
            return w.always if expr.value else w.never
        return w.is_yes.format(self.operand(expr))

    def negation(self, expr: Expr) -> str:
        w = self.w
        if isinstance(expr, Name):
            return w.is_no.format(self.label(expr.ident))
        if isinstance(expr, Not):
            return self.condition(expr.operand)
        if isinstance(expr, Compare) and expr.op in _NEGATED_OP:
            return self.comparison(_NEGATED_OP[expr.op], expr.left, expr.right)
        if isinstance(expr, In):
            return self.membership(expr.needle, expr.options, not expr.negated)
        if isinstance(expr, Literal) and isinstance(expr.value, bool):
            return w.never if expr.value else w.always
        return w.negated.format(self.condition(expr))

    def comparison(self, op: str, left: Expr, right: Expr) -> str:
        w = self.w
        if isinstance(left, Literal) and not isinstance(right, Literal) and op in _MIRRORED_OP:
            # "300 < floor_area" reads better as "floor_area 大于 300".
            left, right, op = right, left, _MIRRORED_OP[op]
        if op in ("==", "!=") and isinstance(right, Literal) and isinstance(right.value, bool):
            holds = right.value == (op == "==")
            return (w.is_yes if holds else w.is_no).format(self.operand(left))
        if op in w.order:
            template = w.order[op]
        elif self.numeric(left) or self.numeric(right):
            template = w.equals_number if op == "==" else w.differs_number
        else:
            template = w.equals if op == "==" else w.differs
        return template.format(a=self.operand(left), b=self.operand(right))

    def membership(self, needle: Expr, options: tuple[Expr, ...], negated: bool) -> str:
        w = self.w
        subject = self.operand(needle)
        listed = w.separator.join(self.operand(option) for option in options)
        if not options:
            return w.answered.format(subject) if negated else w.never
        if len(options) == 1:
            return (w.differs if negated else w.equals).format(a=subject, b=listed)
        return (w.none_of if negated else w.one_of).format(a=subject, b=listed)

    def numeric(self, expr: Expr) -> bool:
        if isinstance(expr, Literal):
            return _literal_kind(expr.value) == "number"
        if isinstance(expr, Name):
            spec = self.questions.get(expr.ident)
            return spec is not None and spec.type == "number"
        return False

    def operand(self, expr: Expr) -> str:
        if isinstance(expr, Name):
            return self.label(expr.ident)
        if isinstance(expr, Literal):
            value = expr.value
            if isinstance(value, bool):
                return self.w.yes if value else self.w.no
            if isinstance(value, str):
                return f"“{self.w.text(value)}”"
            return _human_number(value)
        return self.w.group.format(self.condition(expr))


def _human_number(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return _render_literal(value) if math.isfinite(value) else str(value)


# --- Answers --------------------------------------------------------------------------------------


def coerce_answer(spec: QuestionSpec, raw: object) -> object:
    """Normalise one raw answer (CLI `k=v`, an HTML form, JSON, a YAML default) to the question's type.

    Returns bool for "bool", int or float for "number", one of `choices` for "choice" and str for
    "text"; None (unanswered) for None or a blank string. Raises ExpressionError naming the question.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    shown = _show(raw)
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            word = _bool_word(raw)
            if word is not None:
                return word
        elif isinstance(raw, int) and raw in (0, 1):
            return raw == 1
        raise ExpressionError(f"问题“{spec.ident}”需要回答是或否，收到“{shown}”")
    if spec.type == "number":
        number = _coerce_number(raw)
        if number is None:
            raise ExpressionError(f"问题“{spec.ident}”需要数字，收到“{shown}”")
        return number
    if spec.type == "choice":
        if isinstance(raw, str):
            text = raw.strip()
        elif isinstance(raw, int) and not isinstance(raw, bool):
            text = str(raw)  # a YAML default like `choices: ["1", "2"]`, `default: 1`
        else:
            text = None
        if text is not None and text in spec.choices:
            return text
        listed = "、".join(spec.choices) or "无"
        raise ExpressionError(f"问题“{spec.ident}”的回答“{shown}”不是可选项（可选：{listed}）")
    if spec.type == "text":
        if isinstance(raw, str):
            return raw.strip()
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return _human_number(raw)
        raise ExpressionError(f"问题“{spec.ident}”需要文本，收到“{shown}”")
    raise ExpressionError(f"问题“{spec.ident}”的类型“{spec.type}”未知")


def _coerce_number(raw: object) -> int | float | None:
    if isinstance(raw, bool):
        return None  # True is an int to Python, not a number anyone typed
    if isinstance(raw, int):
        return int(raw)
    if isinstance(raw, str):
        return _parse_number(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            return None
        return int(raw) if raw == raw.to_integral_value() else float(raw)
    if isinstance(raw, numbers.Real):
        try:
            number = float(raw)
        except (ValueError, TypeError, OverflowError):
            return None
        return number if math.isfinite(number) else None
    return None


def _show(raw: object, limit: int = 40) -> str:
    try:
        text = raw if isinstance(raw, str) else repr(raw)
    except Exception:  # an answer's own __repr__ must not turn a clear message into a crash
        text = f"<{type(raw).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"
