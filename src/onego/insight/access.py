"""Who may read the dashboard, and for which regions ("not found" = "not yours").

Supervisors (监督员) and administrators (管理员) of a department read the figures of that department's
region and every region under it: a centre lead is given the supervisor role at the service centre, the
province's supervisors sit in a provincial department. A region outside every such region is answered
exactly as a region that does not exist.
"""

from __future__ import annotations

from onego.accounts.models import Role
from onego.accounts.selectors import Staff
from onego.catalog.models import Region
from onego.core.errors import NotFound
from onego.core.validators import region_parent_code

VIEWER_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _contains(outer: str, inner: str) -> bool:
    code: str | None = inner
    while code is not None:
        if code == outer:
            return True
        code = region_parent_code(code)
    return False


def viewer_regions(staff: Staff) -> list[str]:
    """The regions the viewer oversees, widest first (none: the viewer may not open the dashboard)."""
    codes = staff.regions(VIEWER_ROLES)
    # Drop a region inside another one the viewer already oversees.
    top = {c for c in codes if not any(o != c and _contains(o, c) for o in codes)}
    return sorted(top, key=lambda c: (len(c.rstrip("0")), c))


def may_view_dashboard(staff: Staff) -> bool:
    return bool(staff.regions(VIEWER_ROLES))


def access_dashboard_region(staff: Staff, code: str | None) -> Region:
    """The region asked for (default: the widest the viewer oversees), if the viewer oversees it."""
    regions = viewer_regions(staff)
    wanted = (code or "").strip() or (regions[0] if regions else "")
    region = Region.objects.filter(code=wanted).first() if wanted.isdigit() else None
    if region is None or not any(_contains(r, region.code) for r in regions):
        raise NotFound("没有找到该地区，或该地区不在您的监督范围内", field="region")
    return region
