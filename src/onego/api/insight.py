"""运行监测看板 in the API: the dashboard's figures for supervisors and administrators of a region, with the
page's selectors (onego.insight: rollups only), its access rule (their own region and below; another
region is answered as an unknown one) and its period rule (whole months, `from`/`to` as 2026-03).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from onego.accounts.selectors import staff_of
from onego.api.cases import StaffSessionAuth
from onego.api.errors import ErrorOut
from onego.core import clock
from onego.core.errors import NotFound, PermissionDenied
from onego.insight.access import access_dashboard_region, may_view_dashboard
from onego.insight.periods import period_from
from onego.insight.selectors import Figure, dashboard

router = Router(tags=["insight"], auth=StaffSessionAuth())
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class DashboardQuery(Schema):
    region: str = Field("", description="region code (default: the widest region the viewer oversees)")
    start: str = Field("", alias="from", description="first month, 2026-01 (default: six months back)")
    end: str = Field("", alias="to", description="last month, 2026-06 (default: this month)")
    figure: str = Field("", description="one figure's key (default: every figure)")


class ColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(..., description="text | int | float | share (0..1) | hours | days")


class FigureOut(Schema):
    key: str
    title: str
    note: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    chart: dict[str, Any]


class DashboardOut(Schema):
    region: str
    region_name: str
    start: dt.date
    end: dt.date
    refreshed_at: dt.datetime | None
    headline: dict[str, Any]
    figures: list[FigureOut]


def figure_out(figure: Figure) -> FigureOut:
    return FigureOut(
        key=figure.key,
        title=str(figure.title),
        note=str(figure.note),
        columns=[ColumnOut(key=c.key, label=str(c.label), kind=c.kind) for c in figure.columns],
        rows=figure.rows,
        chart=figure.chart,
    )


@router.get(
    "/insight/dashboard",
    response={200: DashboardOut, **ERRORS},
    summary="The dashboard's figures for a region (default: the widest the viewer oversees) and months",
)
def insight_dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> DashboardOut:
    staff = staff_of(request.user)
    if not may_view_dashboard(staff):
        raise PermissionDenied(_("运行监测看板只对监督员和管理员开放。"))
    chosen = access_dashboard_region(staff, query.region)
    first, last = period_from(query.start, query.end, today=clock.today())
    figure = query.figure
    board = dashboard(region=chosen, start=first, end=last)
    figures = board.figures
    if figure:
        figures = [f for f in figures if f.key == figure]
        if not figures:
            raise NotFound(_("没有这项指标"), field="figure")
    return DashboardOut(
        region=board.region.code,
        region_name=board.region.name,
        start=board.start,
        end=board.end,
        refreshed_at=board.refreshed_at,
        headline=board.headline,
        figures=[figure_out(f) for f in figures],
    )
