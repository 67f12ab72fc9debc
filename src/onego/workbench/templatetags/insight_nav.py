"""Whether the signed-in staff member may open the 运行监测看板 (for the navigation)."""

from __future__ import annotations

from django import template

from onego.insight.access import may_view_dashboard
from onego.workbench.staff import staff_of_request

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_insight(context: template.Context) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return False
    # The memberships the view (or its decorator) already read, else read once and kept on the request.
    return may_view_dashboard(staff_of_request(request))
