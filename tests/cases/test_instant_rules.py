"""Instant-approval rules: declared checks over verified data, without a database."""

from __future__ import annotations

from onego.cases.instant import RULES, Check, InstantRule, evaluate
from onego.core.validators import make_uscc

RULE = InstantRule(
    code="demo.v1",
    item="demo",
    title="示例",
    checks=(
        Check("enterprise.uscc", "uscc", label="统一社会信用代码有效"),
        Check("premises.area", "at_most", 300, label="面积不超过300平方米"),
    ),
)
USCC = make_uscc("520102", "MA6D7X8K")


def test_a_rule_names_the_data_it_uses() -> None:
    assert RULE.uses == ("enterprise.uscc", "premises.area")


def test_verified_data_that_passes_every_check_is_approved_with_inputs_and_sources() -> None:
    result = evaluate(
        RULE,
        {"enterprise.uscc": USCC, "premises.area": 120, "other": "x"},
        {
            "enterprise.uscc": "prefill:run-1",
            "premises.area": "prefill:run-1",
        },
    )
    assert result.approved
    assert result.inputs == {"enterprise.uscc": USCC, "premises.area": 120}
    assert result.sources == {"enterprise.uscc": "prefill:run-1", "premises.area": "prefill:run-1"}
    assert result.reasons == ["满足：统一社会信用代码有效", "满足：面积不超过300平方米"]


def test_unverified_data_is_referred_to_an_officer() -> None:
    result = evaluate(RULE, {"enterprise.uscc": USCC, "premises.area": 120}, {"enterprise.uscc": "prefill:1"})
    assert not result.approved
    assert result.reasons == ["数据未经共享核验，转人工办理：premises.area"]


def test_a_failing_check_is_referred_with_its_reason() -> None:
    sources = {"enterprise.uscc": "r", "premises.area": "r"}
    result = evaluate(RULE, {"enterprise.uscc": USCC, "premises.area": 500}, sources)
    assert not result.approved
    assert result.reasons == ["不满足：面积不超过300平方米"]


def test_declared_rules_are_keyed_by_their_item() -> None:
    assert all(rule.item == item for item, rule in RULES.items())
    assert "seal_engraving" in RULES
