"""Instant approval (秒批) in a case: the item's declared rule, evaluated over the case's verified data.

Rules are catalog data (an item's `instant_rule:` in its definition file, checked at import with its
examples; `onego.catalog.instant_rules`), never code. An item is instant-approved only when its catalog
entry is eligible (即办件, no site inspection) *and* it declares a rule; an eligible item without one
is referred to its department like any other (the documented exception: docs/package-format.md).

A rule decides only over values the data exchange verified (the case's server-owned `verified` marks);
whatever else the applicant typed is absent to it. Rules only ever approve: a refusal always comes
from an officer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onego.catalog.instant_rules import InstantResult, InstantRule
from onego.catalog.instant_rules import evaluate as evaluate_rule
from onego.catalog.selectors import instant_rule_data

__all__ = ["InstantResult", "InstantRule", "evaluate", "rule_for"]


def rule_for(item_code: str) -> InstantRule | None:
    """The rule the catalog declares for this item now, or None when it declares none."""
    data = instant_rule_data(item_code)
    if not data or not data.get("checks"):
        return None
    return InstantRule.from_json(item_code, data)


def evaluate(rule: InstantRule, values: Mapping[str, Any], sources: Mapping[str, Any]) -> InstantResult:
    """Approve when every check holds over the verified values (`sources`: element → provenance mark)."""
    return evaluate_rule(rule, values, sources)
