from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def local(obj: Any, attr: str) -> Any:
    """A record's `attr` in the visitor's language: `<attr>_en` in English when it is filled, else Chinese."""
    value = getattr(obj, attr, "")
    if (get_language() or "").startswith("en"):
        return getattr(obj, f"{attr}_en", "") or value
    return value
