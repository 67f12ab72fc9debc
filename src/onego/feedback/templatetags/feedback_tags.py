"""Template helpers for the 好差评 pages and the rating box on the applicant's case page."""

from __future__ import annotations

from typing import Any

from django import template

from onego.core import clock
from onego.feedback import rules, selectors

register = template.Library()


@register.filter
def getlist(data: Any, key: str) -> list[str]:
    return list(data.getlist(key)) if hasattr(data, "getlist") else []


@register.simple_tag
def case_feedback(case: Any) -> dict[str, Any]:
    """Whether the case may be rated now, and the applicant's evaluation if given."""
    evaluation = selectors.evaluation_of_case(case.pk)
    occasion = rules.rating_occasion(case.status, case.promised_due, clock.today())
    return {
        "may_rate": occasion is not None or evaluation is not None,
        "evaluation": evaluation,
        "level_label": rules.Level(evaluation.level).label if evaluation else "",
    }


@register.filter
def level_label(value: Any) -> str:
    try:
        return rules.Level(int(value)).label
    except (TypeError, ValueError):
        return ""


@register.filter
def rect_action(value: Any) -> str:
    return rules.ACTION_LABELS.get(str(value), str(value))


@register.filter
def rect_status(value: Any) -> str:
    return rules.RectStatus(value).label if value in rules.RectStatus.values else str(value)


@register.filter
def report_action(value: Any) -> str:
    from onego.feedback.report_rules import ACTION_LABELS

    return ACTION_LABELS.get(str(value), str(value))
