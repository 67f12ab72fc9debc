"""Reads of "办不成事" reports: the access functions ("not found" = "not yours"), the lists of the
coordinator, the departments, the reporter and the supervisor, and the supervision figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from onego.accounts.models import Role
from onego.accounts.selectors import Staff
from onego.cases.access import region_prefix
from onego.core import clock
from onego.core.errors import NotFound
from onego.feedback.models import Open311Key, Report, WorkOrder
from onego.feedback.report_rules import OrderStatus, ReportStatus
from onego.feedback.report_services import _uuid, may_see_report


def _scope(staff: Staff) -> Q:
    mine = staff.departments()
    q = Q(coordinator_id__in=mine) | Q(orders__department_id__in=mine)
    for code in staff.regions([Role.SUPERVISOR]):
        q |= Q(region__code__startswith=region_prefix(code))
    return q


def reports_for(staff: Staff, *, statuses: list[str] | None = None) -> QuerySet[Report]:
    if not staff.is_staff:
        return Report.objects.none()
    qs = Report.objects.filter(_scope(staff)).distinct().select_related("region", "coordinator")
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("-created_at")


def orders_for(
    staff: Staff, *, department_only: bool = True, statuses: list[str] | None = None
) -> QuerySet[WorkOrder]:
    q = Q(department_id__in=staff.departments())
    if not department_only:
        for code in staff.regions([Role.SUPERVISOR]):
            q |= Q(report__region__code__startswith=region_prefix(code))
    qs = WorkOrder.objects.filter(q).select_related("department", "report", "report__region")
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("due_on", "opened_at")


def access_report(staff: Staff, report_id: Any) -> Report:
    pk = _uuid(report_id)
    report = (
        Report.objects.select_related("region", "coordinator", "case", "replied_by")
        .prefetch_related("orders__department", "events", "photos")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if report is None or not may_see_report(
        staff, report, order_departments=[o.department_id for o in report.orders.all()]
    ):
        raise NotFound("没有找到该反映", field="report")
    return report


def reports_of_applicant(applicant_index: str) -> QuerySet[Report]:
    if not applicant_index:
        return Report.objects.none()
    return Report.objects.filter(reporter_index=applicant_index).select_related("region", "coordinator")


def access_report_of_applicant(applicant_index: str, report_id: Any) -> Report:
    pk = _uuid(report_id)
    report = (
        reports_of_applicant(applicant_index).prefetch_related("orders__department").filter(pk=pk).first()
        if pk
        else None
    )
    if report is None:
        raise NotFound("没有找到该反映", field="report")
    return report


def reports_of_user(user: Any) -> QuerySet[Report]:
    return Report.objects.filter(reporter_user=user).select_related("region", "coordinator")


# --- Open311 reads ------------------------------------------------------------------------------------


def open311_requests(
    *,
    ids: list[str] | None = None,
    kind: str = "",
    status: str = "",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int = 1000,
) -> list[Report]:
    qs = Report.objects.select_related("region", "coordinator").prefetch_related("photos")
    if ids is not None:
        qs = qs.filter(reference__in=ids)
    if kind:
        qs = qs.filter(kind=kind)
    if status == "open":
        qs = qs.exclude(status=ReportStatus.CLOSED)
    elif status == "closed":
        qs = qs.filter(status=ReportStatus.CLOSED)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if ids is None and start is None and end is None:
        qs = qs.filter(created_at__gte=clock.now() - dt.timedelta(days=90))  # the spec's default window
    return list(qs.order_by("-created_at")[:limit])


def open311_by_token(token: str) -> Report:
    report = Report.objects.filter(token=str(token or "")[:24]).first()
    if report is None:
        raise NotFound("没有找到该 token", field="token")
    return report


def is_own(report: Report, partner: Open311Key | None) -> bool:
    return partner is not None and report.partner_id == partner.pk


# --- supervision ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFigures:
    open: int
    overdue: int
    finished: int
    finished_on_time: int
    reports_open: int
    reports_closed: int

    @property
    def on_time_share(self) -> float:
        late_open = self.overdue
        base = self.finished + late_open
        return self.finished_on_time / base if base else 0.0


def order_figures(staff: Staff) -> OrderFigures:
    today = clock.today()
    orders = orders_for(staff, department_only=False)
    finished = orders.filter(status__in=[OrderStatus.DONE, OrderStatus.RETURNED])
    reports = reports_for(staff)
    return OrderFigures(
        open=orders.filter(status=OrderStatus.OPEN).count(),
        overdue=orders.filter(status=OrderStatus.OPEN, due_on__lt=today).count(),
        finished=finished.count(),
        finished_on_time=finished.filter(on_time=True).count(),
        reports_open=reports.exclude(status=ReportStatus.CLOSED).count(),
        reports_closed=reports.filter(status=ReportStatus.CLOSED).count(),
    )


# --- the supervisor's log of personal-data reads ------------------------------------------------------


@dataclass(frozen=True)
class DataReadRow:
    index: int | None  # the ledger position once sealed (None: pending, sealed within the merge delay)
    recorded_at: dt.datetime
    read: bool  # False: a refused attempt
    actor: str
    department: str
    registry: str
    elements: list[str]
    materials: list[str]
    purpose: str
    reason: str
    case_reference: str


def data_reads_for_supervisor(staff: Staff, *, since: dt.datetime, limit: int = 500) -> list[DataReadRow]:
    """Every registry read of personal data (and every refused attempt) made for a department of the
    supervisor's regions, newest first, straight from the ledger — read-only, no subject shown."""
    from onego.cases.models import Case
    from onego.catalog.models import DataElement, Department, MaterialType
    from onego.ledger.models import Kind, LedgerEntry

    regions = staff.regions([Role.SUPERVISOR])
    if not regions:
        return []
    q = Q()
    for code in regions:
        q |= Q(region__code__startswith=region_prefix(code))
    names = dict(Department.objects.filter(q).values_list("code", "name"))
    entries = list(
        LedgerEntry.objects.filter(
            kind__in=[Kind.REGISTRY_READ, Kind.REGISTRY_DENIED],
            recorded_at__gte=since,
            payload__department__in=list(names),
        ).order_by("-recorded_at")[:limit]
    )
    element_names = dict(DataElement.objects.values_list("code", "name"))
    material_names = dict(MaterialType.objects.values_list("code", "name"))
    case_ids = {e.case_ref for e in entries if e.case_ref}
    references = {
        str(pk): ref for pk, ref in Case.objects.filter(pk__in=case_ids).values_list("pk", "reference")
    }
    return [
        DataReadRow(
            index=e.index,
            recorded_at=e.recorded_at,
            read=e.kind == Kind.REGISTRY_READ,
            actor=e.actor,
            department=names.get(e.payload.get("department", ""), e.payload.get("department", "")),
            registry=e.payload.get("registry_name") or e.payload.get("registry", ""),
            elements=[element_names.get(c, c) for c in e.payload.get("elements", [])],
            materials=[material_names.get(c, c) for c in e.payload.get("materials", [])],
            purpose=e.payload.get("purpose", ""),
            reason=e.payload.get("reason", ""),
            case_reference=references.get(e.case_ref, ""),
        )
        for e in entries
    ]
