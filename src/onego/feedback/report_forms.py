"""The report form as every web channel posts it (portal for applicants, workbench for clerks and grid
workers): one parser, so both channels ask the same and the service checks every value. The reporter
comes from the entry point, never from the form."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onego.cases.access import region_prefix
from onego.catalog.models import Package, Region
from onego.feedback.models import Report
from onego.feedback.report_services import PhotoIn, Reporter, report_submit

FIELDS = ("kind", "description", "region", "package", "item", "lat", "long", "address")


def report_from_form(*, reporter: Reporter, data: Any, files: Any) -> Report:
    return report_submit(
        reporter=reporter,
        kind=data.get("kind", ""),
        description=data.get("description", ""),
        region_code=data.get("region", ""),
        package_code=data.get("package", ""),
        item_code=data.get("item", ""),
        latitude=data.get("lat"),
        longitude=data.get("long"),
        address=data.get("address", ""),
        photos=[PhotoIn(f, filename=f.name or "") for f in files.getlist("photos")],
    )


def region_choices(roots: list[str] | None = None, *, limit: int = 400) -> list[tuple[str, str]]:
    """Regions to pick from, each with its parent's name (新华路社区 · 南明区新华路街道): below the given
    roots when known (a grid worker's grid, a clerk's region), else all; villages included."""
    qs = Region.objects.select_related("parent").order_by("code")
    if roots:
        q = Q()
        for code in roots:
            q |= Q(code__startswith=region_prefix(code))
        qs = qs.filter(q)
    return [(r.code, f"{r.name}（{r.parent.name}）" if r.parent else r.name) for r in qs[:limit]]


def package_choices() -> list[tuple[str, str]]:
    return list(Package.objects.filter(active=True).order_by("name").values_list("code", "name")[:200])
