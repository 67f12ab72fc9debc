"""The rules of "办不成事" reports and event work orders, pure (no database): kinds and sources, the
report and work-order state machines, location checks, who coordinates, duplicate fingerprints.

A report (反映) is a matter that could not be done at a window, or an event that needs several
departments. It goes to a coordinating department (the government service centre of its region or the
nearest one above), which splits it into departmental work orders (部门工单) with working-day
deadlines, and closes it with a reply to the reporter once no order is still open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import models

from onego.core.errors import Conflict, ValidationFailed

DESCRIPTION_MAX = 2000  # characters, refused beyond (never cut)
ADDRESS_MAX = 200
PHOTOS_MAX = 5
PHOTO_TYPES = ("jpg", "jpeg", "png")
ORDERS_MAX = 8
COORDINATOR_TYPE = "government_service"  # the department type that coordinates (政务服务中心)


class ReportKind(models.TextChoices):
    BLOCKED = "blocked", "办不成事"
    EVENT = "event", "多部门协同事件"


KIND_DESCRIPTIONS: Mapping[str, str] = {
    ReportKind.BLOCKED: "在窗口或网上没能办成的事：说明想办什么、卡在哪里，政务服务中心协调相关部门办理并答复。",
    ReportKind.EVENT: "需要几个部门共同处置的事件（如经营场所的消防、市场监管和城管问题），由政务服务中心分拨到各部门。",
}


class ReportSource(models.TextChoices):
    """Who reported it — decided by the entry point, never by the request."""

    PORTAL = "portal", "申请人（网上）"
    COUNTER = "counter", "窗口工作人员"
    GRID = "grid", "网格员"
    OPEN311 = "open311", "合作方（Open311 接口）"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "已受理，待分拨"
    DISPATCHED = "dispatched", "已分拨，部门处置中"
    CLOSED = "closed", "已办结，已答复反映人"


class OrderStatus(models.TextChoices):
    OPEN = "open", "待处置"
    DONE = "done", "已处置"
    RETURNED = "returned", "已退回（非本部门职责）"


RS, OS = ReportStatus, OrderStatus
REPORT_TRANSITIONS: Mapping[ReportStatus, frozenset[ReportStatus]] = {
    # The coordinator may also answer at once (it could do it itself, or it has no basis).
    RS.RECEIVED: frozenset({RS.DISPATCHED, RS.CLOSED}),
    # More orders may be added while dispatched (an event, not a move); closing needs no open order.
    RS.DISPATCHED: frozenset({RS.CLOSED}),
    RS.CLOSED: frozenset(),
}
ORDER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OS.OPEN: frozenset({OS.DONE, OS.RETURNED}),
    OS.DONE: frozenset(),
    OS.RETURNED: frozenset(),
}
LIVE_ORDER = frozenset({OS.OPEN})


def check_report_transition(current: str, to: str) -> None:
    if ReportStatus(to) not in REPORT_TRANSITIONS.get(ReportStatus(current), frozenset()):
        raise Conflict(
            f"反映当前为“{ReportStatus(current).label}”，不能改为“{ReportStatus(to).label}”", field="status"
        )


def check_order_transition(current: str, to: str) -> None:
    if OrderStatus(to) not in ORDER_TRANSITIONS.get(OrderStatus(current), frozenset()):
        raise Conflict(
            f"部门工单当前为“{OrderStatus(current).label}”，不能改为“{OrderStatus(to).label}”", field="status"
        )


def may_close(order_statuses: Iterable[str]) -> bool:
    """A report is answered only once every departmental order is done or returned."""
    return not any(OrderStatus(s) in LIVE_ORDER for s in order_statuses)


def open311_status(status: str) -> str:
    """GeoReport v2 knows two statuses."""
    return "closed" if status == RS.CLOSED else "open"


# --- location -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    latitude: float | None
    longitude: float | None
    address: str


def _coordinate(value: object, field: str, low: float, high: float, label: str) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(str(value))
    except ValueError:
        raise ValidationFailed(f"{label}应为数字（度）", field=field) from None
    if not (low <= number <= high) or number != number:
        raise ValidationFailed(f"{label}应在 {low:g} 至 {high:g} 度之间", field=field)
    return round(number, 6)


def check_location(latitude: object, longitude: object, address: str) -> Location:
    """Latitude and longitude together (WGS-84 degrees), or an address, or both."""
    lat = _coordinate(latitude, "lat", -90, 90, "纬度")
    lng = _coordinate(longitude, "long", -180, 180, "经度")
    if (lat is None) != (lng is None):
        raise ValidationFailed("经纬度须同时填写", field="lat" if lat is None else "long")
    text = " ".join(unicodedata.normalize("NFC", str(address or "")).split())
    if len(text) > ADDRESS_MAX:
        raise ValidationFailed(f"地址不能超过 {ADDRESS_MAX} 字（现为 {len(text)} 字）", field="address")
    if lat is None and not text:
        raise ValidationFailed("请填写事发地址，或在地图上选取位置（经纬度）", field="address")
    return Location(lat, lng, text)


def public_coordinate(value: float | None) -> float | None:
    """About 100 m: enough to find the place, not the doorstep (public Open311 reads)."""
    return None if value is None else round(value, 3)


# --- routing ----------------------------------------------------------------------------------------


def coordinator_for(region_chain: Sequence[str], coordinators: Mapping[str, str]) -> str | None:
    """The coordinating department's code: the government service centre of the nearest region up the
    chain (the report's own region first) that has one."""
    for code in region_chain:
        if code in coordinators:
            return coordinators[code]
    return None


def fingerprint(*, reporter: str, kind: str, region: str, description: str) -> str:
    """Same reporter, same kind, same place, same words (spacing and case aside): a duplicate while
    the first is still open."""
    words = "".join(unicodedata.normalize("NFKC", description).casefold().split())
    return hashlib.sha256(f"{reporter}|{kind}|{region}|{words}".encode()).hexdigest()


ACTION_LABELS: Mapping[str, str] = {
    "submit": "收到反映",
    "dispatch": "分拨到部门",
    "order_done": "部门处置完毕",
    "order_returned": "部门退回（非本部门职责）",
    "escalate": "部门工单超期督办",
    "link_case": "关联办件",
    "reply": "答复反映人，办结",
}


# --- Open311 request lists: the date range ---------------------------------------------------------

OPEN311_MAX_DAYS = 90  # GeoReport v2: a start_date/end_date range "may not span more than 90 days"


def open311_range(
    start: dt.datetime | None, end: dt.datetime | None, *, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The range a request list covers: both given → checked (end not before start, at most 90 days);
    only start → the 90 days from it; only end → the 90 days up to it; neither → the last 90 days."""
    span = dt.timedelta(days=OPEN311_MAX_DAYS)
    if start is not None and end is not None:
        if end < start:
            raise ValidationFailed("end_date 不能早于 start_date", field="end_date")
        if end - start > span:
            raise ValidationFailed(
                f"start_date 到 end_date 不能超过 {OPEN311_MAX_DAYS} 天（GeoReport v2 规范），请分段查询",
                field="end_date",
            )
        return start, end
    if start is not None:
        return start, start + span
    if end is not None:
        return end - span, end
    return now - span, now
