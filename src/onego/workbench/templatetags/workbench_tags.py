"""Template helpers of the workbench: the sections a user may open, element codes as HTML ids."""

from __future__ import annotations

import re
from typing import Any

from django import template

from onego.cases.access import sees_applicant_in_full
from onego.cases.selectors import ApplicantShown, applicant_shown
from onego.workbench.staff import Sections, sections_for, staff_of_request

register = template.Library()


@register.simple_tag(takes_context=True)
def workbench_sections(context: template.Context) -> Sections | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return None
    return sections_for(user, staff_of_request(request))  # the memberships the request already read


@register.filter
def domid(code: Any) -> str:
    """`enterprise.name` → `enterprise-name`; `material:food_safety_rules` → `material-food_safety_rules`."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", str(code))


@register.filter
def tr(text: Any) -> str:
    """A Chinese text kept in data (a status, a department, an item, a material, an answer) in the
    visitor's language; see onego.catalog.i18n."""
    from onego.catalog.i18n import in_language

    return in_language(text)


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def applicant_for_viewer(context: template.Context, case: Any) -> ApplicantShown:
    """The applicant's name in full for the window clerk handling the case, masked for other staff."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return applicant_shown(case, full=user is not None and sees_applicant_in_full(user, case))


@register.simple_tag
def applicant_on_document(case: Any) -> ApplicantShown:
    """Official documents (receipt, one-time notice) carry the applicant's full, correct name."""
    return applicant_shown(case, full=True)


@register.filter
def field_value(value: Any, data_type: str = "") -> str:
    """A form value as people read it: a region code as the region's name, a choice in their language."""
    from onego.catalog.i18n import in_language, region_label

    if data_type == "region_code":
        return region_label(value)
    return in_language(value)


@register.filter
def element_name(code: Any) -> str:
    """A data element's code (`person.name`) as its name, never the raw code."""
    from onego.catalog.i18n import element_label

    return element_label(code)
