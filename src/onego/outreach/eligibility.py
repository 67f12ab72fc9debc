"""Eligibility rules as data (服务找人规则): YAML files read by people, checked when they are loaded.

A rule says: when a registry publishes an event of this kind, and these checks hold over the event's
facts, offer this package to these people (by their role in the event). The checks are written in the
condition language of packages (`catalog.rules.expressions`: parsed by hand, type-checked, never
`eval`'d); their names are the facts the event kind declares (`EVENT_KINDS`). Every rule carries
example events with the outcome expected (`offer` or `none`), and the loader runs them: a rule whose
example disagrees, whose check does not parse or reads an unknown fact, is refused with the file and
line of the problem (docs/outreach.md has the format). Everything here is pure: no database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from onego.catalog.definitions.reader import Issue, Issues, Reader
from onego.catalog.definitions.source import SourceError, load_yaml_file
from onego.catalog.rules.expressions import (
    Expr,
    ExpressionError,
    QuestionSpec,
    describe,
    identifiers,
    parse,
    typecheck,
)
from onego.catalog.rules.expressions import evaluate as evaluate_condition

RULES_DIR: Final = Path(__file__).resolve().parent / "starter" / "rules"
EXPECTS: Final = ("offer", "none")


@dataclass(frozen=True)
class Fact:
    code: str
    type: str  # bool | number | text | choice
    name: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventKind:
    code: str
    name: str
    registry: str
    roles: dict[str, str]  # role → 中文
    facts: dict[str, Fact]


def _kind(code: str, name: str, registry: str, roles: dict[str, str], *facts: Fact) -> EventKind:
    return EventKind(code, name, registry, roles, {f.code: f for f in facts})


# What each kind of event tells (onego.registries.events publishes them; the names are its facts').
EVENT_KINDS: Final[dict[str, EventKind]] = {
    k.code: k
    for k in (
        _kind(
            "birth_registered",
            "出生医学证明签发",
            "birth_medical",
            {"mother": "母亲", "father": "父亲"},
            Fact("birth.days_ago", "number", "出生天数"),
            Fact("birth.in_province", "bool", "在贵州省内出生"),
            Fact("birth.region", "text", "出生地区划"),
            Fact("birth.registered", "bool", "已落户"),
        ),
        _kind(
            "retirement_approaching",
            "临近法定退休年龄",
            "social_insurance",
            {"insured": "参保人"},
            Fact("retirement.days_left", "number", "距法定退休日期天数"),
            Fact("retirement.age_years", "number", "法定退休年龄（周岁）"),
            Fact("insurance.status", "choice", "参保状态", ("paying", "suspended", "retired")),
        ),
        _kind(
            "licence_expiring",
            "证照即将到期",
            "disability",
            {"holder": "持证人"},
            Fact("licence.type", "text", "证照类型"),
            Fact("licence.days_left", "number", "距到期天数"),
        ),
    )
}


@dataclass(frozen=True)
class Check:
    source: str
    expr: Expr
    label: str = ""


@dataclass(frozen=True)
class Example:
    name: str
    facts: dict[str, Any]
    expect: str
    line: int = 0


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    name_en: str
    explanation: str
    event: str
    notify: tuple[str, ...]
    package: str
    message: str
    message_en: str
    answers: dict[str, Any] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    examples: tuple[Example, ...] = ()
    file: str = ""
    line: int = 0

    @property
    def version(self) -> str:
        """A digest of what the rule says: a changed rule is a new version in the record of offers."""
        content = {
            "event": self.event,
            "notify": self.notify,
            "package": self.package,
            "answers": self.answers,
            "checks": [c.source for c in self.checks],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[
            :12
        ]

    def labels(self) -> list[str]:
        kind = EVENT_KINDS[self.event]
        specs = {f.code: QuestionSpec(ident=f.code, type=f.type, text=f.name) for f in kind.facts.values()}
        return [c.label or describe(c.expr, specs) for c in self.checks]


def matches(rule: Rule, facts: Mapping[str, Any]) -> bool:
    """Whether every check of the rule holds over the event's facts (a missing fact makes a check false)."""
    return all(evaluate_condition(c.expr, facts) for c in rule.checks)


# --- reading and checking -----------------------------------------------------------------------------
def _specs(kind: EventKind) -> dict[str, QuestionSpec]:
    return {
        f.code: QuestionSpec(ident=f.code, type=f.type, choices=f.choices, text=f.name)
        for f in kind.facts.values()
    }


def _read_rule(data: Any, *, file: str, line: int, issues: Issues) -> Rule | None:
    before = len(issues.items)
    r = Reader(data, file=file, line=line, path="", issues=issues)
    if not r.ok:
        return None
    code = r.code("code")
    r.path = f"规则“{code}”" if code else ""
    name, name_en = r.bilingual("name", required=True)
    explanation, _ = r.bilingual("explanation", required=True)
    event = r.choice("event", list(EVENT_KINDS), required=True)
    package = r.code("package")
    message, message_en = r.bilingual("message", required=True)
    kind = EVENT_KINDS.get(event)
    notify: list[str] = []
    for role, role_line in r.entries("notify", required=True):
        if kind is not None and str(role) not in kind.roles:
            r.error(
                "notify", f"“{role}”不是“{kind.name}”事件中的身份；可选：{', '.join(kind.roles)}", role_line
            )
        else:
            notify.append(str(role))
    answers_raw = r.raw("answers") or {}
    if not isinstance(answers_raw, dict):
        r.error("answers", "应为映射（情形问题: 答案）")
        answers_raw = {}
    checks: list[Check] = []
    for entry, entry_line in r.entries("when", required=True):
        sub = Reader(entry, file=file, line=entry_line, path=r.fpath("when"), issues=issues)
        source = sub.text("check", required=True)
        label = sub.text("label")
        sub.finish()
        if not source or kind is None:
            continue
        try:
            expr = parse(source)
        except ExpressionError as exc:
            sub.error("check", f"条件“{source}”有误：{exc.message}")
            continue
        problems = typecheck(expr, _specs(kind))
        for problem in problems:
            sub.error("check", f"条件“{source}”：{_as_fact(problem, kind)}")
        if not problems:
            checks.append(Check(source, expr, label))
    examples: list[Example] = []
    for entry, entry_line in r.entries("examples", required=True):
        sub = Reader(entry, file=file, line=entry_line, path=r.fpath("examples"), issues=issues)
        ex_name = sub.text("name", required=True)
        facts = sub.raw("facts") or {}
        expect = sub.choice("expect", EXPECTS, required=True)
        sub.finish()
        if not isinstance(facts, dict):
            sub.error("facts", "应为映射（事实: 取值）")
            continue
        unknown = sorted(k for k in facts if kind is not None and k not in kind.facts)
        if unknown:
            sub.error(
                "facts", f"示例用到了“{kind.name if kind else event}”事件没有的事实：{'、'.join(unknown)}"
            )
            continue
        examples.append(Example(ex_name, dict(facts), expect, entry_line))
    r.finish()
    if len(issues.items) > before or kind is None:
        return None
    rule = Rule(
        code=code,
        name=name,
        name_en=name_en,
        explanation=explanation,
        event=event,
        notify=tuple(notify),
        package=package,
        message=message,
        message_en=message_en,
        answers=dict(answers_raw),
        checks=tuple(checks),
        examples=tuple(examples),
        file=file,
        line=r.line,
    )
    return rule if not check_examples(rule, issues) else None


def check_examples(rule: Rule, issues: Issues) -> list[Issue]:
    """Run the rule's examples; every disagreement (and a missing offer/none case) becomes an issue."""
    found: list[Issue] = []

    def add(line: int, message: str) -> None:
        issue = Issue(rule.file, line, f"规则“{rule.code}”", message)
        issues.items.append(issue)
        found.append(issue)

    outcomes = {x.expect for x in rule.examples}
    for wanted in EXPECTS:
        if wanted not in outcomes:
            add(
                rule.line, f"示例中缺少 expect: {wanted} 的情形（每条规则至少要有一个推送和一个不推送的示例）"
            )
    for example in rule.examples:
        got = "offer" if matches(rule, example.facts) else "none"
        if got != example.expect:
            failed = [
                label
                for c, label in zip(rule.checks, rule.labels(), strict=True)
                if not matches_one(c, example.facts)
            ]
            why = f"不满足：{'；'.join(failed)}" if failed else "所有条件都满足"
            add(example.line, f"示例“{example.name}”期望 {example.expect}，规则实际为 {got}（{why}）")
    return found


def matches_one(check: Check, facts: Mapping[str, Any]) -> bool:
    return evaluate_condition(check.expr, facts)


def _as_fact(message: str, kind: EventKind) -> str:
    text = message.replace("未定义的问题", "未知的事实").replace("问题“", "事实“")
    if "未知的事实" in text:
        text += f"（“{kind.name}”事件的事实：{', '.join(kind.facts)}）"
    return text


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    issues: tuple[Issue, ...]

    def for_event(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.event == kind]

    def by_code(self, code: str) -> Rule | None:
        return next((r for r in self.rules if r.code == code), None)

    def problems_text(self) -> str:
        return "\n".join(str(i) for i in self.issues)


def read_rules(path: Path = RULES_DIR) -> RuleSet:
    """Every rule of a YAML file, or of every `*.yaml` file of a folder (in name order).

    Rules with a problem are refused (left out of `rules`) and their problems listed in `issues`.
    """
    issues = Issues()
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    rules: list[Rule] = []
    for file in files:
        display = file.name
        try:
            doc = load_yaml_file(file, display)
        except SourceError as exc:
            issues.add(exc.location.file, exc.location.line, "", exc.message)
            continue
        top = Reader(doc, file=display, line=1, path="", issues=issues)
        if not top.ok:
            continue
        for data, line in top.entries("rules", required=True):
            rule = _read_rule(data, file=display, line=line, issues=issues)
            if rule is not None:
                rules.append(rule)
        top.finish()
    seen: dict[str, Rule] = {}
    accepted: list[Rule] = []
    for rule in rules:
        if rule.code in seen:
            first = seen[rule.code]
            issues.add(
                rule.file,
                rule.line,
                "code",
                f"规则编号“{rule.code}”重复（首次出现在 {first.file}:{first.line}）",
            )
            continue
        seen[rule.code] = rule
        accepted.append(rule)
    return RuleSet(tuple(accepted), tuple(issues.items))


def check_package_answers(
    rule: Rule, *, package_exists: bool, questions: Mapping[str, QuestionSpec]
) -> list[str]:
    """Problems of the rule against the catalog: the package exists; its answers name its questions."""
    if not package_exists:
        return [f"{rule.file}:{rule.line}: 规则“{rule.code}”：目录中没有一件事“{rule.package}”"]
    out: list[str] = []
    for ident, value in rule.answers.items():
        spec = questions.get(ident)
        if spec is None:
            out.append(
                f"{rule.file}:{rule.line}: 规则“{rule.code}”：一件事“{rule.package}”没有情形问题“{ident}”"
            )
        elif spec.type == "choice" and str(value) not in spec.choices:
            out.append(
                f"{rule.file}:{rule.line}: 规则“{rule.code}”：问题“{ident}”的答案“{value}”不在可选项中"
                f"（{', '.join(spec.choices)}）"
            )
        elif spec.type == "bool" and not isinstance(value, bool):
            out.append(f"{rule.file}:{rule.line}: 规则“{rule.code}”：问题“{ident}”的答案应为 true 或 false")
    return out


def names_read(rule: Rule) -> Sequence[str]:
    return sorted({n for c in rule.checks for n in identifiers(c.expr)})
