"""运行监测看板: the dashboard of centre leads and the province (docs/insight.md). Thin: the figures come
from `onego.insight.selectors` (rollups only), who may see which region from `onego.insight.access`."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from onego.core import clock
from onego.core.errors import NotFound, ValidationFailed
from onego.insight import exports
from onego.insight.access import access_dashboard_region, may_view_dashboard, viewer_regions
from onego.insight.periods import default_period, period_from
from onego.insight.selectors import Dashboard, Figure, dashboard, regions_within
from onego.workbench.staff import forbidden, staff_of_request, staff_required

LEVEL_INDENT = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}


def _load(request: HttpRequest) -> Dashboard:
    staff = staff_of_request(request)
    region = access_dashboard_region(staff, request.GET.get("region"))
    start, end = period_from(request.GET.get("from", ""), request.GET.get("to", ""), today=clock.today())
    return dashboard(region=region, start=start, end=end)


def chart_data(figure: Figure) -> dict[str, Any]:
    """What the page's script draws: labels, one series per column; totals rows left out."""
    total = _("合计")
    rows = [r for r in figure.rows if r.get("label") != total]
    columns = {c.key: c for c in figure.columns}
    series = [
        {"name": str(columns[key].label), "data": [r.get(key) for r in rows]}
        for key in figure.chart.get("series", [])
    ]
    kinds = {columns[key].kind for key in figure.chart.get("series", [])}
    return {
        "type": figure.chart.get("type", "bar"),
        "stack": bool(figure.chart.get("stack")),
        "share": kinds == {"share"},
        "labels": [str(r.get(figure.chart.get("x", "label"), "")) for r in rows],
        "series": series,
    }


@staff_required()
@require_GET
def insight_dashboard(request: HttpRequest) -> HttpResponse:
    staff = staff_of_request(request)
    if not may_view_dashboard(staff):
        return forbidden(request, _("运行监测看板只对监督员和管理员开放。"))
    error = None
    try:
        board = _load(request)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ValidationFailed as exc:
        error = (exc.field, exc.message)
        region = access_dashboard_region(staff, request.GET.get("region"))
        start, end = default_period(clock.today())
        board = dashboard(region=region, start=start, end=end)
    choices = []
    for top in viewer_regions(staff):
        region_row = access_dashboard_region(staff, top)
        choices += [(r.code, r.name, "　" * LEVEL_INDENT.get(r.level, 0)) for r in regions_within(region_row)]
    query = f"region={board.region.code}&from={board.start:%Y-%m}&to={board.end:%Y-%m}"
    return render(
        request,
        "workbench/insight/dashboard.html",
        {
            "board": board,
            "figures": [(f, chart_data(f)) for f in board.figures],
            "choices": choices,
            "error": error,
            "query": query,
            "headline": board.headline,
        },
        status=400 if error else 200,
    )


@staff_required()
@require_GET
def insight_export(request: HttpRequest, figure: str, ext: str) -> HttpResponse:
    staff = staff_of_request(request)
    if not may_view_dashboard(staff):
        return forbidden(request, _("运行监测看板只对监督员和管理员开放。"))
    try:
        board = _load(request)
        chosen = board.figures if figure == "all" else [board.figure(figure)]
    except (NotFound, KeyError) as exc:
        raise Http404(str(exc)) from exc
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    name = f"onego-{figure}-{board.region.code}-{board.start:%Y%m%d}-{board.end:%Y%m%d}"
    if ext == "csv" and figure != "all":
        response = HttpResponse(exports.figure_csv(chosen[0], board), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if ext == "xlsx":
        response = HttpResponse(
            exports.figures_xlsx(chosen, board),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    raise Http404
