"""Template helpers of the workbench: the sections a user may open, element codes as HTML ids."""

from __future__ import annotations

import re
from typing import Any

from django import template

from onego.cases.queue import CONSENT_LABELS, consent_channel
from onego.workbench.staff import Sections, sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def workbench_sections(context: template.Context) -> Sections | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return sections_for(user)


@register.filter
def domid(code: Any) -> str:
    """`enterprise.name` → `enterprise-name`; `material:food_safety_rules` → `material-food_safety_rules`."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", str(code))


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def consent_source(consent: Any) -> str:
    """Where a consent was given (网上 / 窗口当面 / 经接口), from who the exchange recorded giving it."""
    return CONSENT_LABELS[consent_channel(consent)]
