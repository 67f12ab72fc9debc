"""The dashboard's figures, read from the rollups only (never the case tables): docs/insight.md.

`dashboard(region=, start=, end=)` answers every figure for one region (and everything below it) and
the whole months from `start` to `end`, with seven GROUP BY statements over the rollups whatever the
number of cases: the monthly county rollups (`CaseMonth`, `DepartmentMonth`) for a province, a city or
a county, the daily ones for a town or a village (few rows under one prefix). Each figure is a `Figure`: a title, typed columns and plain rows —
the page draws a chart and a table from it, the exports write it as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onego.catalog.models import Department, Package, Region, ServiceItem
from onego.insight import rules
from onego.insight.models import CaseDay, CaseMonth, DepartmentDay, DepartmentMonth
from onego.insight.refresh import refresh_state

CHANNEL_LABELS: Mapping[str, Promise] = {
    "web": _("网上申请"),
    "app": _("移动端/接口"),
    "counter": _("窗口申请"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = "int"  # text | int | float | share (0..1) | hours | days


@dataclass
class Figure:
    key: str
    title: str | Promise
    note: str | Promise
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: dict[str, Any] = field(default_factory=dict)  # {"type": bar|line|pie, "x": key, "series": [keys]}
    links: dict[str, str] = field(default_factory=dict)  # row label → region code to drill into


@dataclass
class Dashboard:
    region: Region
    start: dt.date
    end: dt.date
    headline: dict[str, Any]
    figures: list[Figure]
    refreshed_at: dt.datetime | None

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class Rollup:
    """One rollup table's rows under a region and between two days, and the one query every figure asks
    of them: sums of some columns grouped by some keys (a key may be an expression named in `derived`)."""

    rows: QuerySet[Any]

    def sums(self, keys: Sequence[str], names: Iterable[str], **derived: Any) -> list[dict[str, Any]]:
        rows = self.rows.annotate(**derived) if derived else self.rows
        return list(rows.values(*keys).annotate(**{n: Sum(n) for n in names}).order_by(*keys))

    def where(self, *conditions: Q) -> Rollup:
        return Rollup(self.rows.filter(*conditions))


def _wide(region: Region) -> bool:
    """Province, city and county views read the monthly county rollups; towns and villages the daily ones."""
    return len(rules.scope_prefix(region.code)) <= 6


def _scoped(model: Any, region: Region, start: dt.date, end: dt.date) -> Rollup:
    prefix = rules.scope_prefix(region.code)
    return Rollup(model.objects.filter(region_code__startswith=prefix, day__gte=start, day__lte=end))


def case_rollup(region: Region, start: dt.date, end: dt.date) -> Rollup:
    """The case rollup rows of `region` (and below) from `start` to `end`."""
    return _scoped(CaseMonth if _wide(region) else CaseDay, region, start, end)


def department_rollup(region: Region, start: dt.date, end: dt.date) -> Rollup:
    """The department rollup rows of `region` (and below) from `start` to `end`."""
    return _scoped(DepartmentMonth if _wide(region) else DepartmentDay, region, start, end)


def _names(model: Any, codes: Iterable[str]) -> dict[str, str]:
    return dict(model.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _pct(row: Mapping[str, Any], part: str, whole: str) -> float | None:
    return rules.share(row[part] or 0, row[whole] or 0)


def _avg(row: Mapping[str, Any], total: str, n: str) -> float | None:
    return rules.mean(row[total] or 0, row[n] or 0)


def _volume_row(label: str, row: Mapping[str, Any]) -> dict[str, Any]:
    online = row["online"] or 0
    total = row["submitted"] or 0
    return {
        "label": label,
        "online": online,
        "offline": total - online,
        "total": total,
        "online_share": rules.share(online, total),
    }


VOLUME_COLUMNS = [
    Column("label", "", "text"),
    Column("online", _("网上办理"), "int"),
    Column("offline", _("线下办理"), "int"),
    Column("total", _("合计"), "int"),
    Column("online_share", _("网办率"), "share"),
]


def _with_total(
    rows: list[dict[str, Any]], label: str | Promise, sums: Mapping[str, Any]
) -> list[dict[str, Any]]:
    if not rows:
        return rows
    return [*rows, _volume_row(str(label), sums)]


def _labelled(columns: list[Column], first: str | Promise) -> list[Column]:
    return [Column(columns[0].key, first, "text"), *columns[1:]]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def dashboard(*, region: Region, start: dt.date, end: dt.date) -> Dashboard:
    start, end = month_start(start), month_end(end)
    cases = case_rollup(region, start, end)
    departments = department_rollup(region, start, end)
    sums = rules.CASE_SUMS

    by_package = cases.sums(["package_code"], sums)
    package_names = _names(Package, [r["package_code"] for r in by_package])
    by_package.sort(key=lambda r: (-(r["submitted"] or 0), r["package_code"]))
    totals: dict[str, Any] = {n: sum((r[n] or 0) for r in by_package) for n in sums}

    def package_label(r: Mapping[str, Any]) -> str:
        return str(package_names.get(r["package_code"], r["package_code"]))

    # Regions one level below the chosen one (cases filed at the region itself keep its own code).
    length = rules.child_length(region.code)
    by_region = cases.sums(["child"], ["submitted", "online"], child=Substr("region_code", 1, length))
    child_codes = {r["child"]: rules.child_code(r["child"]) for r in by_region}
    region_names = _names(Region, child_codes.values())

    by_channel = cases.sums(["channel"], ["submitted"])
    # The monthly rollups' day is already the month's first day; the daily ones are truncated to it.
    month = F("day") if _wide(region) else TruncMonth("day")
    by_period = cases.sums(["period"], ["submitted", "online"], period=month)

    by_department = departments.sums(["department_code"], rules.DEPARTMENT_SUMS)
    by_hold = departments.where(~Q(held_by="")).sums(["department_code", "held_by"], ["wait_n", "wait_hours"])
    department_names = _names(Department, [r["department_code"] for r in by_department])
    item_names = _names(ServiceItem, [r["held_by"] for r in by_hold])

    def department_label(code: str) -> str:
        return department_names.get(code, code) or str(_("（未指定部门）"))

    figures = [
        Figure(
            "volume_package",
            _("分一件事办件量"),
            _("按全国13个重点一件事统计表的格式：网上办理、线下办理、合计与网办率。"),
            _labelled(VOLUME_COLUMNS, _("一件事")),
            _with_total([_volume_row(package_label(r), r) for r in by_package], _("合计"), totals),
            {"type": "bar", "x": "label", "series": ["online", "offline"], "stack": True},
        ),
        Figure(
            "volume_region",
            _("分地区办件量"),
            _("下一级行政区划；在本级受理的办件计入本级。"),
            _labelled(VOLUME_COLUMNS, _("地区")),
            [
                _volume_row(region_names.get(child_codes[r["child"]], child_codes[r["child"]]), r)
                for r in by_region
            ],
            {"type": "bar", "x": "label", "series": ["online", "offline"], "stack": True},
            links={
                region_names.get(code, code): code
                for code in child_codes.values()
                if code != region.code and code in region_names
            },
        ),
        Figure(
            "volume_channel",
            _("分渠道办件量"),
            _("申请渠道由受理入口决定（网上、移动端/接口、窗口）。"),
            [
                Column("label", _("渠道"), "text"),
                Column("total", _("办件量"), "int"),
                Column("share", _("占比"), "share"),
            ],
            [
                {
                    "label": str(CHANNEL_LABELS.get(r["channel"], r["channel"])),
                    "total": r["submitted"] or 0,
                    "share": rules.share(r["submitted"] or 0, totals["submitted"]),
                }
                for r in by_channel
            ],
            {"type": "pie", "x": "label", "series": ["total"]},
        ),
        Figure(
            "volume_period",
            _("分时段办件量"),
            _("按提交月份。"),
            _labelled(VOLUME_COLUMNS, _("月份")),
            [_volume_row(_period_label(r["period"]), r) for r in by_period],
            {"type": "line", "x": "label", "series": ["total", "online"]},
        ),
        Figure(
            "time_package",
            _("分一件事办理时间"),
            _("提交→受理、受理→办结的平均用时：自然小时与工作日（法定节假日不计）。"),
            [
                Column("label", _("一件事"), "text"),
                Column("accepted", _("已受理"), "int"),
                Column("accept_hours", _("提交→受理（小时）"), "hours"),
                Column("accept_days", _("提交→受理（工作日）"), "days"),
                Column("concluded", _("已办结"), "int"),
                Column("conclude_hours", _("受理→办结（小时）"), "hours"),
                Column("conclude_days", _("受理→办结（工作日）"), "days"),
            ],
            [
                {
                    "label": package_label(r),
                    "accepted": r["accept_n"] or 0,
                    "accept_hours": _avg(r, "accept_hours", "accept_n"),
                    "accept_days": _avg(r, "accept_workdays", "accept_n"),
                    "concluded": r["conclude_n"] or 0,
                    "conclude_hours": _avg(r, "conclude_hours", "conclude_n"),
                    "conclude_days": _avg(r, "conclude_workdays", "conclude_n"),
                }
                for r in by_package
            ],
            {"type": "bar", "x": "label", "series": ["accept_days", "conclude_days"]},
        ),
        _department_times(by_department, department_label),
        _bottlenecks(by_department, by_hold, department_label, item_names),
        Figure(
            "compliance",
            _("时限达标"),
            _("办结时未超过承诺时限（法定时限）的比例；在办超期为统计时已过承诺办结日仍未办结的办件。"),
            [
                Column("label", _("一件事"), "text"),
                Column("concluded", _("已办结"), "int"),
                Column("on_time", _("按承诺时限办结"), "int"),
                Column("on_time_share", _("承诺时限达标率"), "share"),
                Column("legal_share", _("法定时限达标率"), "share"),
                Column("open", _("在办"), "int"),
                Column("open_overdue", _("在办超期"), "int"),
            ],
            [
                {
                    "label": package_label(r),
                    "concluded": r["concluded"] or 0,
                    "on_time": r["on_time"] or 0,
                    "on_time_share": _pct(r, "on_time", "concluded"),
                    "legal_share": _pct(r, "legal_on_time", "concluded"),
                    "open": r["open_cases"] or 0,
                    "open_overdue": r["open_overdue"] or 0,
                }
                for r in [*by_package, {**totals, "package_code": ""}]
                if r["submitted"]
            ],
            {"type": "bar", "x": "label", "series": ["on_time_share", "legal_share"]},
        ),
        _burden(by_package, totals, package_label),
        Figure(
            "satisfaction",
            _("好差评"),
            _("申请人对办件的总体评价（申诉撤销的不计）：满意率为基本满意及以上的比例。"),
            [
                Column("label", _("一件事"), "text"),
                Column("rated", _("评价数"), "int"),
                Column("average", _("平均分（5分制）"), "float"),
                Column("satisfied_share", _("满意率"), "share"),
                Column("bad", _("差评"), "int"),
            ],
            [
                {
                    "label": package_label(r),
                    "rated": r["rated"] or 0,
                    "average": _avg(r, "rating_sum", "rated"),
                    "satisfied_share": _pct(r, "satisfied", "rated"),
                    "bad": r["bad"] or 0,
                }
                for r in [*by_package, {**totals, "package_code": ""}]
                if r["rated"]
            ],
            {"type": "bar", "x": "label", "series": ["satisfied_share"]},
        ),
        _rectifications(by_department, department_label),
    ]
    for f in figures:
        for row in f.rows:
            if row.get("label") == "" and f.key in ("compliance", "satisfaction", "burden"):
                row["label"] = str(_("合计"))
    headline = {
        "submitted": totals["submitted"],
        "online_share": rules.share(totals["online"], totals["submitted"]),
        "concluded": totals["concluded"],
        "on_time_share": rules.share(totals["on_time"], totals["concluded"]),
        "conclude_days": rules.mean(totals["conclude_workdays"], totals["conclude_n"]),
        "satisfied_share": rules.share(totals["satisfied"], totals["rated"]),
        "trips_saved": totals["trips_separate"] - totals["trips_package"],
        "uploads_saved": totals["uploads_separate"] - totals["uploads_made"],
    }
    state = refresh_state()
    return Dashboard(
        region=region,
        start=start,
        end=end,
        headline=headline,
        figures=figures,
        refreshed_at=state.last_run_at if state else None,
    )


def _period_label(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return str(value)
    return f"{value:%Y-%m}"


def _department_times(rows: list[dict[str, Any]], label: Callable[[str], str]) -> Figure:
    return Figure(
        "time_department",
        _("分部门办理时间"),
        _("子件从可以办理（受理或前置事项办结）到部门作出决定的平均用时；按承诺时限的达标情况。"),
        [
            Column("label", _("部门"), "text"),
            Column("subcases", _("子件"), "int"),
            Column("decided", _("已决定"), "int"),
            Column("handle_hours", _("办理用时（小时）"), "hours"),
            Column("handle_days", _("办理用时（工作日）"), "days"),
            Column("on_time_share", _("按时决定率"), "share"),
        ],
        [
            {
                "label": label(r["department_code"]),
                "subcases": r["subcases"] or 0,
                "decided": r["decided"] or 0,
                "handle_hours": _avg(r, "handle_hours", "handle_n"),
                "handle_days": _avg(r, "handle_workdays", "handle_n"),
                "on_time_share": rules.share(r["on_time"] or 0, (r["on_time"] or 0) + (r["late"] or 0)),
            }
            for r in rows
            if r["subcases"]
        ],
        {"type": "bar", "x": "label", "series": ["handle_days"]},
    )


def _bottlenecks(
    rows: list[dict[str, Any]],
    holds: list[dict[str, Any]],
    label: Callable[[str], str],
    item_names: Mapping[str, str],
) -> Figure:
    held: dict[str, dict[str, Any]] = {}
    for h in holds:
        best = held.get(h["department_code"])
        if best is None or (h["wait_hours"] or 0) > (best["wait_hours"] or 0):
            held[h["department_code"]] = h
    out: list[dict[str, Any]] = []
    for r in rows:
        if not r["subcases"]:
            continue
        handle = _avg(r, "handle_hours", "handle_n") or 0.0
        wait = _avg(r, "wait_hours", "wait_n") or 0.0
        hold = held.get(r["department_code"])
        out.append(
            {
                "label": label(r["department_code"]),
                "total_hours": round(handle + wait, 2),
                "handle_hours": round(handle, 2),
                "wait_hours": round(wait, 2),
                "wait_days": _avg(r, "wait_workdays", "wait_n"),
                "waited": r["wait_n"] or 0,
                "held_by": item_names.get(hold["held_by"], hold["held_by"]) if hold else "",
                "open_overdue": r["open_overdue"] or 0,
            }
        )
    out.sort(key=lambda x: (-float(x["total_hours"] or 0), str(x["label"])))
    return Figure(
        "bottleneck",
        _("堵点部门"),
        _(
            "办件在各部门停留最久之处：等待前置事项（从受理到前置事项办结）加本部门办理的平均小时；"
            "“卡在”为等待时间最长的前置事项。"
        ),
        [
            Column("label", _("部门"), "text"),
            Column("total_hours", _("平均停留（小时）"), "hours"),
            Column("wait_hours", _("等待前置（小时）"), "hours"),
            Column("wait_days", _("等待前置（工作日）"), "days"),
            Column("handle_hours", _("本部门办理（小时）"), "hours"),
            Column("waited", _("等待过的子件"), "int"),
            Column("held_by", _("卡在（前置事项）"), "text"),
            Column("open_overdue", _("在办超期子件"), "int"),
        ],
        out[:20],
        {"type": "bar", "x": "label", "series": ["wait_hours", "handle_hours"], "stack": True},
    )


def _burden(
    rows: list[dict[str, Any]], totals: Mapping[str, Any], label: Callable[[Mapping[str, Any]], str]
) -> Figure:
    def row(r: Mapping[str, Any], name: str) -> dict[str, Any]:
        def n(k: str) -> int:
            return int(r[k] or 0)

        return {
            "label": name,
            "cases": n("submitted"),
            "fields_separate": n("fields_separate"),
            "fields_to_type": n("fields_to_type"),
            "fields_saved": rules.reduction(n("fields_separate"), n("fields_to_type")),
            "uploads_separate": n("uploads_separate"),
            "uploads_made": n("uploads_made"),
            "uploads_saved": rules.reduction(n("uploads_separate"), n("uploads_made")),
            "trips_separate": n("trips_separate"),
            "trips_package": n("trips_package"),
            "trips_saved": rules.reduction(n("trips_separate"), n("trips_package")),
            "days_serial": n("days_serial"),
            "days_taken": n("days_taken"),
            "days_saved": rules.reduction(n("days_serial"), n("days_taken")),
        }

    out = [row(r, label(r)) for r in rows if r["submitted"]]
    if out:
        out.append(row(totals, ""))
    return Figure(
        "burden",
        _("减负成效"),
        _(
            "与逐项分别办理相比（按每件办件编译时的实际情形）：需填字段、实际上传材料、跑动次数；"
            "工作日为已办结办件逐项串联办理的承诺时限之和与实际用时。"
        ),
        [
            Column("label", _("一件事"), "text"),
            Column("cases", _("办件"), "int"),
            Column("fields_separate", _("字段·逐项"), "int"),
            Column("fields_to_type", _("字段·需填"), "int"),
            Column("fields_saved", _("字段减少"), "share"),
            Column("uploads_separate", _("材料·逐项"), "int"),
            Column("uploads_made", _("材料·实际上传"), "int"),
            Column("uploads_saved", _("材料减少"), "share"),
            Column("trips_separate", _("跑动·逐项"), "int"),
            Column("trips_package", _("跑动·套餐"), "int"),
            Column("trips_saved", _("跑动减少"), "share"),
            Column("days_serial", _("工作日·逐项串联"), "int"),
            Column("days_taken", _("工作日·实际"), "int"),
            Column("days_saved", _("时间减少"), "share"),
        ],
        out,
        {
            "type": "bar",
            "x": "label",
            "series": ["fields_saved", "uploads_saved", "trips_saved", "days_saved"],
        },
    )


def _rectifications(rows: list[dict[str, Any]], label: Callable[[str], str]) -> Figure:
    return Figure(
        "rectification",
        _("部门评价与整改"),
        _("一事一评中对各部门的评价；差评生成的整改工单、按期答复率和超期未整改数。"),
        [
            Column("label", _("部门"), "text"),
            Column("ratings", _("评价数"), "int"),
            Column("average", _("平均分"), "float"),
            Column("bad", _("差评"), "int"),
            Column("rectifications", _("整改工单"), "int"),
            Column("on_time_share", _("按期答复率"), "share"),
            Column("open_overdue", _("超期未整改"), "int"),
        ],
        [
            {
                "label": label(r["department_code"]),
                "ratings": r["ratings"] or 0,
                "average": _avg(r, "rating_sum", "ratings"),
                "bad": r["bad"] or 0,
                "rectifications": r["rectifications"] or 0,
                "on_time_share": _pct(r, "rect_on_time", "rect_answered"),
                "open_overdue": r["rect_open_overdue"] or 0,
            }
            for r in rows
            if r["ratings"] or r["rectifications"]
        ],
        {"type": "bar", "x": "label", "series": ["ratings", "bad", "rectifications"]},
    )


# --- who may look where -------------------------------------------------------------------------------


def regions_within(region: Region, *, limit: int = 400) -> list[Region]:
    """The region and the regions under it, by code (for the filter), at most `limit`."""
    prefix = rules.scope_prefix(region.code)
    return list(
        Region.objects.filter(Q(code=region.code) | Q(code__startswith=prefix)).order_by("code")[:limit]
    )
