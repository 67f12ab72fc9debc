"""Instant approval (秒批): declared rules over verified data, evaluated without a database.

A rule belongs to one item code and is a list of checks, each naming the data element it reads
and what it requires. A rule decides only when every element it reads was verified by the data
exchange (the case records the verification reference per element); otherwise, or when a check
fails, the sub-case goes to the department's inbox like any other, with the reasons recorded.
Rules only ever approve: a refusal always comes from an officer.

The registry is plain code (`RULES`), reviewed like code; an item is instant-approved only when its
catalog entry is eligible (即办件, no site inspection) *and* it has a rule here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from onego.core.validators import check_id_number, check_uscc

Test = Literal["present", "uscc", "id_number", "equals", "in", "at_most", "at_least"]


@dataclass(frozen=True)
class Check:
    element: str
    test: Test
    value: Any = None
    label: str = ""  # how the check reads to an officer reviewing the decision

    def describe(self) -> str:
        if self.label:
            return self.label
        words = {
            "present": "已登记",
            "uscc": "为有效的统一社会信用代码",
            "id_number": "为有效的公民身份号码",
            "equals": f"等于 {self.value!r}",
            "in": f"属于 {self.value!r}",
            "at_most": f"不超过 {self.value}",
            "at_least": f"不少于 {self.value}",
        }
        return f"{self.element} {words[self.test]}"


@dataclass(frozen=True)
class InstantRule:
    code: str  # versioned: a changed rule gets a new code, so old decisions still name what decided them
    item: str
    title: str
    checks: tuple[Check, ...]

    @property
    def uses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.element for c in self.checks))


@dataclass(frozen=True)
class InstantResult:
    approved: bool
    reasons: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _passes(check: Check, value: Any) -> bool:
    if check.test == "present":
        return value not in (None, "", [], {})
    if check.test == "uscc":
        return isinstance(value, str) and check_uscc(value) is None
    if check.test == "id_number":
        return isinstance(value, str) and check_id_number(value) is None
    if check.test == "equals":
        return bool(value == check.value)
    if check.test == "in":
        return value in check.value
    number = _number(value)
    if number is None:
        return False
    if check.test == "at_most":
        return number <= float(check.value)
    return number >= float(check.value)


def evaluate(rule: InstantRule, values: Mapping[str, Any], sources: Mapping[str, str]) -> InstantResult:
    """Approve when every element the rule reads is verified and every check passes."""
    inputs = {e: values.get(e) for e in rule.uses}
    used_sources = {e: sources[e] for e in rule.uses if sources.get(e)}
    unverified = [e for e in rule.uses if not sources.get(e)]
    if unverified:
        return InstantResult(
            approved=False,
            reasons=[f"数据未经共享核验，转人工办理：{'、'.join(unverified)}"],
            inputs=inputs,
            sources=used_sources,
        )
    failed = [c.describe() for c in rule.checks if not _passes(c, inputs[c.element])]
    if failed:
        return InstantResult(
            approved=False,
            reasons=[f"不满足：{d}" for d in failed],
            inputs=inputs,
            sources=used_sources,
        )
    return InstantResult(
        approved=True,
        reasons=[f"满足：{c.describe()}" for c in rule.checks],
        inputs=inputs,
        sources=used_sources,
    )


_DECLARED = (
    InstantRule(
        code="seal_engraving.v1",
        item="seal_engraving",
        title="公章刻制备案：市场主体已登记且法定代表人身份有效",
        checks=(
            Check("enterprise.uscc", "uscc", label="统一社会信用代码有效（市场主体库核验）"),
            Check("enterprise.name", "present", label="市场主体名称已登记"),
            Check("enterprise.legal_representative_name", "present", label="法定代表人已登记"),
            Check(
                "enterprise.legal_representative_id_number",
                "id_number",
                label="法定代表人公民身份号码有效",
            ),
        ),
    ),
)

RULES: dict[str, InstantRule] = {rule.item: rule for rule in _DECLARED}


def rule_for(item_code: str) -> InstantRule | None:
    return RULES.get(item_code)
