"""办不成事 reports and departmental work orders in the JSON API (/api/v1/feedback/...).

- The applicant (portal session, CSRF-protected): `GET/POST /feedback/my/reports`, `GET
  /feedback/my/reports/{id}` — their own reports only (by the blind index of the signed-in applicant);
  anyone else's is "not found". The reporter and the channel (`portal`) are decided here, never read
  from the body.
- Staff (an active membership; second factor where required): `GET /feedback/reports` (the coordinating
  department's reports, those with an order of one's department, a supervisor's region),
  `GET /feedback/reports/{id}`, `POST .../dispatch|link|reply` (the coordinator), `GET /feedback/orders`,
  `POST /feedback/orders/{id}/done|return` (the order's department).

Thin: the same access functions and services as the portal and workbench pages
(`report_selectors.access_report`, `report_dispatch`, `work_order_complete`, …), so the API cannot allow
what the pages refuse. Errors: `{"detail": {"code", "message", "field"}}` with 400/403/404/409.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from onego.accounts.selectors import staff_of
from onego.api.feedback import ERRORS, applicant_auth, staff_auth
from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.feedback import report_selectors as selectors
from onego.feedback.models import Report, WorkOrder
from onego.feedback.report_services import (
    OrderIn,
    PhotoIn,
    report_dispatch,
    report_link_case,
    report_reply,
    report_submit,
    reporter_for_applicant,
    work_order_complete,
    work_order_return,
)
from onego.signin.session import SignedIn

router = Router(tags=["feedback reports"])


# --- schemas ------------------------------------------------------------------------------------------------


class PhotoUpload(Schema):
    filename: str = Field(..., description="e.g. 现场.jpg (jpg or png, checked by content, 10 MB at most)")
    content_base64: str


class ReportIn(Schema):
    kind: str = Field(..., description="blocked (办不成事) or event (多部门协同事件)")
    description: str = Field(..., description="what could not be done, or the event (≤ 2000 characters)")
    region: str = Field(..., description="区划代码: 6, 9 or 12 digits (down to the village)")
    package: str = ""
    item: str = ""
    lat: float | None = None
    long: float | None = None
    address: str = ""
    photos: list[PhotoUpload] = Field(default_factory=list, description="up to 5")


class OrderBrief(Schema):
    department: str
    department_name: str
    status: str
    status_label: str
    due_on: dt.date


class MyReportOut(Schema):
    id: uuid.UUID
    reference: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    description: str
    region: str
    region_name: str
    address: str
    package_name: str
    item_name: str
    coordinator_name: str
    orders: list[OrderBrief]
    reply: str
    replied_at: dt.datetime | None
    case_reference: str | None
    photos: int
    created_at: dt.datetime


class PhotoOut(Schema):
    id: uuid.UUID
    filename: str
    size: int
    download: str
    thumbnail: str


class OrderOut(Schema):
    id: uuid.UUID
    report: uuid.UUID
    report_reference: str
    department: str
    department_name: str
    status: str
    status_label: str
    task: str
    opened_at: dt.datetime
    due_on: dt.date
    due_days: int
    overdue: bool
    escalated: bool
    result: str
    on_time: bool | None


class EventOut(Schema):
    at: dt.datetime
    who: str
    action: str
    from_status: str
    to_status: str
    reason: str


class ReportOut(Schema):
    id: uuid.UUID
    reference: str
    kind: str
    kind_label: str
    source: str
    source_label: str
    reporter: str = Field(..., description="a clerk's, grid worker's or partner's name; never an applicant's")
    status: str
    status_label: str
    description: str
    region: str
    region_name: str
    latitude: float | None
    longitude: float | None
    address: str
    package_name: str
    item_name: str
    coordinator: str
    coordinator_name: str
    case_reference: str | None
    reply: str
    replied_at: dt.datetime | None
    created_at: dt.datetime
    orders: list[OrderOut]
    photos: list[PhotoOut] = Field(default_factory=list)
    history: list[EventOut] = Field(default_factory=list)


class OrderSchema(Schema):
    department: str = Field(..., description="department code, e.g. nm-scjg")
    task: str = Field(..., description="what the department is to do")


class DispatchIn(Schema):
    orders: list[OrderSchema] = Field(..., description="one per department")


class LinkIn(Schema):
    case: str = Field(..., description="the case reference (办件编号)")


class ReplyIn(Schema):
    reply: str


class ResultIn(Schema):
    result: str


class ReasonIn(Schema):
    reason: str


class ReportFilter(Schema):
    status: list[str] | None = None


# --- shaping ------------------------------------------------------------------------------------------------


def _my_report_out(report: Report) -> MyReportOut:
    return MyReportOut(
        id=report.pk,
        reference=report.reference,
        kind=report.kind,
        kind_label=report.get_kind_display(),
        status=report.status,
        status_label=report.get_status_display(),
        description=report.description,
        region=report.region.code,
        region_name=report.region.name,
        address=report.address,
        package_name=report.package_name,
        item_name=report.item_name,
        coordinator_name=report.coordinator.name,
        orders=[
            OrderBrief(
                department=o.department.code,
                department_name=o.department.name,
                status=o.status,
                status_label=o.get_status_display(),
                due_on=o.due_on,
            )
            for o in report.orders.all()
        ],
        reply=report.reply,
        replied_at=report.replied_at,
        case_reference=report.case.reference if report.case is not None else None,
        photos=len(report.photos.all()),
        created_at=report.created_at,
    )


def order_out(order: WorkOrder) -> OrderOut:
    return OrderOut(
        id=order.pk,
        report=order.report_id,
        report_reference=order.report.reference,
        department=order.department.code,
        department_name=order.department.name,
        status=order.status,
        status_label=order.get_status_display(),
        task=order.task,
        opened_at=order.opened_at,
        due_on=order.due_on,
        due_days=order.due_days,
        overdue=order.status == "open" and order.due_on < clock.today(),
        escalated=order.escalated_at is not None,
        result=order.result,
        on_time=order.on_time,
    )


def report_out(report: Report, *, detail: bool = False) -> ReportOut:
    shown_reporter = report.reporter_user_id is not None or report.partner_id is not None
    return ReportOut(
        id=report.pk,
        reference=report.reference,
        kind=report.kind,
        kind_label=report.get_kind_display(),
        source=report.source,
        source_label=report.get_source_display(),
        reporter=report.reporter_label if shown_reporter else report.get_source_display(),
        status=report.status,
        status_label=report.get_status_display(),
        description=report.description,
        region=report.region.code,
        region_name=report.region.name,
        latitude=report.latitude,
        longitude=report.longitude,
        address=report.address,
        package_name=report.package_name,
        item_name=report.item_name,
        coordinator=report.coordinator.code,
        coordinator_name=report.coordinator.name,
        case_reference=report.case.reference if report.case is not None else None,
        reply=report.reply,
        replied_at=report.replied_at,
        created_at=report.created_at,
        orders=[order_out(o) for o in report.orders.all()] if detail else [],
        photos=[
            PhotoOut(
                id=p.pk,
                filename=p.filename,
                size=p.size,
                download=reverse("workbench:report_photo", args=[report.pk, p.pk]),
                thumbnail=reverse("workbench:report_photo_thumb", args=[report.pk, p.pk]),
            )
            for p in report.photos.all()
        ]
        if detail
        else [],
        history=[
            EventOut(
                at=e.at,
                who=e.actor_label,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                reason=e.reason,
            )
            for e in report.events.all()
        ]
        if detail
        else [],
    )


def _photos(photos: list[PhotoUpload]) -> list[PhotoIn]:
    out = []
    for i, photo in enumerate(photos):
        try:
            data = base64.b64decode(photo.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("照片内容应为 base64 编码", field=f"photos[{i}]") from None
        out.append(PhotoIn(ContentFile(data, name=photo.filename), filename=photo.filename))
    return out


# --- the applicant ------------------------------------------------------------------------------------------


@router.get(
    "/feedback/my/reports",
    response=list[MyReportOut],
    auth=applicant_auth,
    summary="My 办不成事 reports, newest first, with the replies",
)
def my_reports(request: HttpRequest) -> list[MyReportOut]:
    signed_in: SignedIn = request.auth  # type: ignore[attr-defined]
    rows = (
        selectors.reports_of_applicant(signed_in.acting.index)
        .select_related("case")
        .prefetch_related("orders__department", "photos")
        .order_by("-created_at")[:200]
    )
    return [_my_report_out(r) for r in rows]


@router.post(
    "/feedback/my/reports",
    response={201: MyReportOut, **ERRORS},
    auth=applicant_auth,
    summary="Report a matter that could not be done, or an event for several departments",
)
def my_report_create(request: HttpRequest, body: ReportIn) -> Status[MyReportOut]:
    signed_in: SignedIn = request.auth  # type: ignore[attr-defined]
    report = report_submit(
        reporter=reporter_for_applicant(signed_in.acting.index),
        kind=body.kind,
        description=body.description,
        region_code=body.region,
        package_code=body.package,
        item_code=body.item,
        latitude=body.lat,
        longitude=body.long,
        address=body.address,
        photos=_photos(body.photos),
    )
    return Status(
        201, _my_report_out(selectors.access_report_of_applicant(signed_in.acting.index, report.pk))
    )


@router.get(
    "/feedback/my/reports/{report_id}",
    response={200: MyReportOut, **ERRORS},
    auth=applicant_auth,
    summary="One of my reports",
)
def my_report(request: HttpRequest, report_id: str) -> MyReportOut:
    signed_in: SignedIn = request.auth  # type: ignore[attr-defined]
    return _my_report_out(selectors.access_report_of_applicant(signed_in.acting.index, report_id))


# --- staff --------------------------------------------------------------------------------------------------


@router.get(
    "/feedback/reports",
    response=list[ReportOut],
    auth=staff_auth,
    summary="Reports I coordinate, with an order of my department, or (a supervisor) of my region",
)
def reports(request: HttpRequest, filters: Query[ReportFilter]) -> list[ReportOut]:
    rows = selectors.reports_for(staff_of(request.user), statuses=filters.status)[:500]
    return [report_out(r) for r in rows]


def _detail(request: HttpRequest, report_id: Any) -> ReportOut:
    return report_out(selectors.access_report(staff_of(request.user), report_id), detail=True)


@router.get(
    "/feedback/reports/{report_id}",
    response={200: ReportOut, **ERRORS},
    auth=staff_auth,
    summary="One report with its orders, photos and history",
)
def report(request: HttpRequest, report_id: str) -> ReportOut:
    return _detail(request, report_id)


@router.post(
    "/feedback/reports/{report_id}/dispatch",
    response={200: ReportOut, **ERRORS},
    auth=staff_auth,
    summary="Split the report into departmental work orders (the coordinating department)",
)
def dispatch(request: HttpRequest, report_id: str, body: DispatchIn) -> ReportOut:
    rows = [OrderIn(department=o.department, task=o.task) for o in body.orders]
    report_dispatch(actor=request.user, report_id=report_id, orders=rows)
    return _detail(request, report_id)


@router.post(
    "/feedback/reports/{report_id}/link",
    response={200: ReportOut, **ERRORS},
    auth=staff_auth,
    summary="Link the case that followed (the coordinating department)",
)
def link(request: HttpRequest, report_id: str, body: LinkIn) -> ReportOut:
    report_link_case(actor=request.user, report_id=report_id, case_reference=body.case)
    return _detail(request, report_id)


@router.post(
    "/feedback/reports/{report_id}/reply",
    response={200: ReportOut, **ERRORS},
    auth=staff_auth,
    summary="Reply to the reporter and close (no order may be open)",
)
def reply(request: HttpRequest, report_id: str, body: ReplyIn) -> ReportOut:
    report_reply(actor=request.user, report_id=report_id, reply=body.reply)
    return _detail(request, report_id)


@router.get(
    "/feedback/orders",
    response=list[OrderOut],
    auth=staff_auth,
    summary="Work orders of my departments (a supervisor: of the region too)",
)
def orders(request: HttpRequest, filters: Query[ReportFilter]) -> list[OrderOut]:
    rows = selectors.orders_for(staff_of(request.user), department_only=False, statuses=filters.status)[:500]
    return [order_out(o) for o in rows]


@router.post(
    "/feedback/orders/{order_id}/done",
    response={200: OrderOut, **ERRORS},
    auth=staff_auth,
    summary="Record what the department did (the order's department)",
)
def order_done(request: HttpRequest, order_id: str, body: ResultIn) -> OrderOut:
    order = work_order_complete(actor=request.user, order_id=order_id, result=body.result)
    return order_out(WorkOrder.objects.select_related("report", "department").get(pk=order.pk))


@router.post(
    "/feedback/orders/{order_id}/return",
    response={200: OrderOut, **ERRORS},
    auth=staff_auth,
    summary="Return the order as not the department's duty, with the reason",
)
def order_return(request: HttpRequest, order_id: str, body: ReasonIn) -> OrderOut:
    order = work_order_return(actor=request.user, order_id=order_id, reason=body.reason)
    return order_out(WorkOrder.objects.select_related("report", "department").get(pk=order.pk))
