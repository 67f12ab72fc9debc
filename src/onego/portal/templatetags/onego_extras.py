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


@register.filter
def contract_name(code: Any) -> str:
    """A sharing contract's code (`pkg.newborn-birth@v1`) said in words, in the visitor's language."""
    from onego.catalog.models import DepartmentType, Package
    from onego.portal.presenters import contract_label, contract_subjects

    packages, types = contract_subjects([str(code)])
    names = {f"pkg.{p.code}": local(p, "name") for p in Package.objects.filter(code__in=packages)}
    names |= {f"dept.{t.code}": local(t, "name") for t in DepartmentType.objects.filter(code__in=types)}
    return contract_label(str(code), names=names)


@register.filter
def plain_codes(text: Any) -> str:
    """A sentence with every sharing-contract code in it said in words (messages from the exchange)."""
    from onego.portal.presenters import CONTRACT_IN_TEXT

    return CONTRACT_IN_TEXT.sub(lambda m: contract_name(m.group(0)), str(text or ""))


@register.filter
def field_value(value: Any, data_type: str = "") -> str:
    """A form value as people read it: a region code as the region's name, a choice in their language."""
    from onego.catalog.i18n import in_language, region_label

    if data_type == "region_code":
        return region_label(value)
    return in_language(value)
