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


@register.simple_tag(takes_context=True)
def signed_in_applicant(context: Any) -> Any:
    """The signed-in applicant (or None), for the header: `{% signed_in_applicant as me %}`."""
    from onego.portal.applicant import signed_in_applicant as current

    request = context.get("request")
    return current(request) if request is not None else None


@register.filter
def domid(code: str) -> str:
    """A data element or material code as an HTML id part (dots would need escaping in selectors)."""
    return str(code).replace(".", "__").replace(":", "--")


@register.filter
def tr(text: Any) -> str:
    """A Chinese text kept in data in the visitor's language: a status or a step through the message
    catalog, a catalog name (department, item, material, field, answer, note) through the catalog's own
    English (onego.catalog.i18n). Without English it stays Chinese, visibly."""
    from onego.catalog.i18n import in_language

    return in_language(text)
