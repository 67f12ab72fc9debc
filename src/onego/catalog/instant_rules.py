"""Instant-approval (秒批) rules as catalog data: declared on an item, checked at import, evaluated purely.

An item flagged `instant_approval: true` may declare `instant_rule:` (docs/package-format.md, "秒批规则"):
a plain-language explanation, a list of checks written in the condition language of packages
(`catalog.rules.expressions`: tokenised and parsed by hand, type-checked, never `eval`'d) whose names
are data-element codes, and example cases. The import refuses a rule that

- reads an element no registry fills and no item produces (an applicant's typing can never decide it),
- reads an element the item's form does not have, or compares it with a value of the wrong type,
- has no example that approves and none that refers, or an example the rule disagrees with.

Evaluation takes every value with its server-owned provenance mark (`Case.verified[element]`: the
exchange run of a prefill, the registry assignment of a produced value). A value without a verified
mark is absent to the rule, whatever the applicant typed, and so is an ID number or USCC that fails
its check digits. A rule only ever approves; whatever it does not approve goes to an officer.

The rule is versioned with the catalog: its code is `<item>.v<version>`, and the version goes up
whenever an import changes the rule, so every decision names exactly the rule that made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from onego.catalog.rules.expressions import (
    Expr,
    ExpressionError,
    QuestionSpec,
    compile_condition,
    describe,
    parse,
    typecheck,
)
from onego.catalog.rules.expressions import (
    evaluate as evaluate_condition,
)
from onego.core.validators import check_id_number, check_uscc

Outcome = Literal["approve", "refer"]
OUTCOMES: Final = ("approve", "refer")

# Provenance kinds that are the applicant's word, never verification (a mark is `<kind>:<reference>`).
SELF_DECLARED: Final = frozenset({"applicant", "typed", "declared", "self", "manual", "form"})

# How an element's data type reads to the type checker of the condition language.
_KIND: Final = {
    "number": "number",
    "integer": "number",
    "bool": "bool",
    "choice": "choice",
}


def is_verified(mark: object) -> bool:
    """A provenance mark the server wrote for a registry read, an e-licence or a produced value."""
    if not isinstance(mark, str) or not mark.strip():
        return False
    return mark.split(":", 1)[0].strip().lower() not in SELF_DECLARED


@dataclass(frozen=True)
class ElementInfo:
    """What a rule may know about a data element when it is checked."""

    code: str
    name: str
    type: str
    choices: tuple[str, ...] = ()
    verifiable: bool = False  # filled by a registry or produced by an item


@dataclass(frozen=True)
class RuleCheck:
    source: str
    label: str = ""
    label_en: str = ""

    @property
    def expr(self) -> Expr:
        return compile_condition(self.source)


@dataclass(frozen=True)
class RuleExample:
    name: str
    data: dict[str, Any]
    expect: str
    unverified: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class InstantRule:
    item: str
    version: int
    explanation: str
    explanation_en: str
    checks: tuple[RuleCheck, ...]
    types: dict[str, str] = field(default_factory=dict)  # element → data type (for validity checks)
    names: dict[str, str] = field(default_factory=dict)  # element → name (for default labels)
    examples: tuple[RuleExample, ...] = ()

    @property
    def code(self) -> str:
        return f"{self.item}.v{self.version}"

    @property
    def title(self) -> str:
        return self.explanation

    @property
    def uses(self) -> tuple[str, ...]:
        """The elements the rule reads, in the order its checks first name them."""
        seen: dict[str, None] = {}
        for check in self.checks:
            for name in _names_in_order(check.source, check.expr):
                seen.setdefault(name, None)
        return tuple(seen)

    def label(self, check: RuleCheck) -> str:
        if check.label:
            return check.label
        specs = {e: QuestionSpec(ident=e, type="text", text=n) for e, n in self.names.items()}
        return describe(check.expr, specs)

    def content(self) -> dict[str, Any]:
        """What the rule says, without its version: a change here is a new version."""
        return {
            "explanation": self.explanation,
            "explanation_en": self.explanation_en,
            "checks": [{"check": c.source, "label": c.label, "label_en": c.label_en} for c in self.checks],
            "types": dict(self.types),
            "names": dict(self.names),
            "examples": [
                {"name": x.name, "data": dict(x.data), "expect": x.expect, "unverified": list(x.unverified)}
                for x in self.examples
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, **self.content()}

    @classmethod
    def from_json(cls, item: str, data: Mapping[str, Any]) -> InstantRule:
        return cls(
            item=item,
            version=int(data.get("version") or 1),
            explanation=str(data.get("explanation", "")),
            explanation_en=str(data.get("explanation_en", "")),
            checks=tuple(
                RuleCheck(str(c["check"]), str(c.get("label", "")), str(c.get("label_en", "")))
                for c in data.get("checks", [])
            ),
            types=dict(data.get("types") or {}),
            names=dict(data.get("names") or {}),
            examples=tuple(
                RuleExample(
                    name=str(x.get("name", "")),
                    data=dict(x.get("data") or {}),
                    expect=str(x.get("expect", "")),
                    unverified=tuple(x.get("unverified") or ()),
                )
                for x in data.get("examples", [])
            ),
        )


def _names_in_order(source: str, expr: Expr) -> list[str]:
    from onego.catalog.rules.expressions import identifiers

    names = identifiers(expr)
    return sorted(names, key=lambda n: (source.find(n), n))


@dataclass(frozen=True)
class InstantResult:
    approved: bool
    reasons: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def _valid(data_type: str, value: Any) -> bool:
    if data_type == "uscc":
        return isinstance(value, str) and check_uscc(value) is None
    if data_type == "id_number":
        return isinstance(value, str) and check_id_number(value) is None
    return True


def evaluate(rule: InstantRule, values: Mapping[str, Any], marks: Mapping[str, Any]) -> InstantResult:
    """Approve when every check holds over the verified values; otherwise refer, saying why.

    An element without a verified mark is absent to the checks (the applicant's typing never
    counts), and so is an identity number or USCC that fails its check digits.
    """
    uses = rule.uses
    inputs = {e: values.get(e) for e in uses}
    sources = {e: str(marks[e]) for e in uses if is_verified(marks.get(e))}
    facts: dict[str, Any] = {}
    invalid: list[str] = []
    for element in uses:
        if element not in sources:
            continue
        value = values.get(element)
        if _valid(rule.types.get(element, ""), value):
            facts[element] = value
        else:
            invalid.append(element)
    failed = [c for c in rule.checks if not evaluate_condition(c.expr, facts)]
    if not failed:
        return InstantResult(
            approved=True,
            reasons=[f"满足：{rule.label(c)}" for c in rule.checks],
            inputs=inputs,
            sources=sources,
        )
    reasons: list[str] = []
    read_by_failed = {n for c in failed for n in _names_in_order(c.source, c.expr)}
    unverified = [e for e in uses if e not in sources and e in read_by_failed]
    if unverified:
        reasons.append(f"数据未经共享核验，转人工办理：{'、'.join(unverified)}")
    bad = [e for e in invalid if e in read_by_failed]
    if bad:
        reasons.append(f"核验数据格式无效，转人工办理：{'、'.join(bad)}")
    reasons += [f"不满足：{rule.label(c)}" for c in failed]
    return InstantResult(approved=False, reasons=reasons, inputs=inputs, sources=sources)


def run_example(rule: InstantRule, example: RuleExample) -> InstantResult:
    """An example's data counts as read from its registry, except what it lists as `unverified`."""
    marks = {e: "example:registry" for e in example.data if e not in example.unverified}
    return evaluate(rule, example.data, marks)


# --- checking a declared rule (import) ----------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str  # field path under instant_rule, e.g. "checks[0].check"
    message: str
    line: int = 0


def check_rule(
    rule: InstantRule,
    *,
    form: set[str],
    elements: Mapping[str, ElementInfo],
    lines: Mapping[str, int] | None = None,
) -> list[Problem]:
    """Every problem with a declared rule: its checks, the data they read, and its examples."""
    lines = lines or {}
    problems: list[Problem] = []
    if not rule.explanation:
        problems.append(
            Problem("explanation", "秒批规则必须有通俗说明（zh，可附 en）", lines.get("explanation", 0))
        )
    if not rule.checks:
        problems.append(Problem("checks", "秒批规则至少要有一项检查", lines.get("checks", 0)))
    specs: dict[str, QuestionSpec] = {}
    for info in elements.values():
        kind = _KIND.get(info.type, "text")
        specs[info.code] = QuestionSpec(ident=info.code, type=kind, choices=info.choices, text=info.name)
    parsed_ok = True
    for index, check in enumerate(rule.checks):
        path = f"checks[{index}].check"
        line = lines.get(path, 0)
        try:
            expr = parse(check.source)
        except ExpressionError as exc:
            problems.append(Problem(path, f"检查“{check.source}”有误：{exc.message}", line))
            parsed_ok = False
            continue
        names = _names_in_order(check.source, expr)
        bad_names = False
        for name in names:
            known = elements.get(name)
            if known is None:
                problems.append(Problem(path, f"检查引用了未知的数据元“{name}”", line))
                bad_names = True
            elif not known.verifiable:
                problems.append(
                    Problem(
                        path,
                        f"数据元“{name}”不来自数据源，也不由任何事项产生：秒批规则只能读取经共享核验的数据，"
                        "不能读取申请人自行填写的内容",
                        line,
                    )
                )
                bad_names = True
            elif name not in form:
                problems.append(Problem(path, f"数据元“{name}”不在本事项的表单（fields）中", line))
                bad_names = True
        if bad_names:
            parsed_ok = False
            continue
        for message in typecheck(expr, {n: specs[n] for n in names}):
            problems.append(Problem(path, f"检查“{check.source}”：{_as_element(message)}", line))
            parsed_ok = False
    outcomes = {x.expect for x in rule.examples}
    if not rule.examples:
        problems.append(
            Problem(
                "examples", "秒批规则必须附示例（至少一个 approve 和一个 refer）", lines.get("examples", 0)
            )
        )
    else:
        for wanted in OUTCOMES:
            if wanted not in outcomes:
                problems.append(
                    Problem(
                        "examples", f"秒批规则的示例中缺少 expect: {wanted} 的情形", lines.get("examples", 0)
                    )
                )
    if not parsed_ok:
        return problems
    uses = set(rule.uses)
    for index, example in enumerate(rule.examples):
        path = f"examples[{index}]"
        line = example.line or lines.get(path, 0)
        stray = sorted((set(example.data) | set(example.unverified)) - uses)
        if stray:
            problems.append(Problem(f"{path}.data", f"示例用到规则未读取的数据元“{'、'.join(stray)}”", line))
            continue
        if example.expect not in OUTCOMES:
            continue  # reported when read
        result = run_example(rule, example)
        got = "approve" if result.approved else "refer"
        if got != example.expect:
            named = f"“{example.name}”" if example.name else ""
            why = "；".join(result.reasons)
            problems.append(
                Problem(
                    f"{path}.expect",
                    f"示例{named}期望 {example.expect}，规则实际为 {got}（{why}）",
                    line,
                )
            )
    return problems


def _as_element(message: str) -> str:
    """The condition language names its operands “问题”; in a rule they are data elements."""
    return message.replace("未定义的问题", "未知的数据元").replace("问题“", "数据元“")
