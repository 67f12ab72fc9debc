"""标准化 pages for service-centre administrators: standards drift per region (onego.standards)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onego.core.errors import ValidationFailed
from onego.standards.drift import KIND_LABELS
from onego.standards.selectors import RegionDrift, drift_report
from onego.workbench.staff import staff_member_required


@staff_member_required
@require_GET
def drift(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "").strip()[:12]
    error = ""
    report: list[RegionDrift] = []
    try:
        report = drift_report(region_code=region or None)
    except ValidationFailed as exc:
        error = exc.message
    return render(
        request,
        "workbench/standards/drift.html",
        {
            "region": region,
            "error": error,
            "report": report,
            "total": sum(r.non_conforming for r in report),
            "implemented": sum(r.implemented for r in report),
            "kinds": KIND_LABELS,
        },
        status=400 if error else 200,
    )
