"""Writes of "办不成事" reports and event work orders: submit (every channel: portal, counter, grid,
Open311), dispatch into departmental orders, finish or return an order, link a case, reply and close,
escalate overdue orders.

Keyword-only services, each one transaction (`unit_of_work`) with its `ReportEvent` history row and a
ledger entry; notifications go to the outbox and are sent after commit. Who reported, through which
channel, and which department coordinates are decided here or by the entry point (`Reporter`), never
taken from the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Q

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.selectors import Staff, staff_of
from onego.cases.access import access_case_by_reference, region_contains
from onego.cases.identity import seal
from onego.cases.services.notify import notify_applicant, notify_staff
from onego.cases.workflow import actor_label
from onego.catalog.models import Department, Package, Region, ServiceItem
from onego.core import clock
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.core.uow import unit_of_work
from onego.core.uploads import check_upload
from onego.feedback import report_rules as rr
from onego.feedback import rules
from onego.feedback.models import GridWorker, Open311Key, Report, ReportEvent, ReportPhoto, WorkOrder
from onego.feedback.report_rules import OrderStatus, ReportKind, ReportSource, ReportStatus
from onego.feedback.services import _deciders, _due, region_chain, supervisors_over
from onego.ledger.services import ledger_record

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Reporter:
    """Who reports, as the entry point established it (session, membership, grid role, api_key)."""

    source: ReportSource
    label: str
    user: Any | None = None
    applicant_index: str = ""
    partner: Open311Key | None = None

    @property
    def key(self) -> str:
        if self.applicant_index:
            return f"applicant:{self.applicant_index}"
        if self.partner is not None:
            return f"partner:{self.partner.pk}"
        return f"user:{getattr(self.user, 'pk', '')}"

    @property
    def ledger_actor(self) -> str:
        if self.applicant_index:
            return "applicant:report"  # never the blind index in the ledger
        if self.partner is not None:
            return f"partner:open311/{self.partner.prefix}"
        return f"user:{self.user.get_username()}" if self.user is not None else "system:onego"


@dataclass(frozen=True)
class PhotoIn:
    file: Any  # a Django File (uploaded, or ContentFile from an API)
    filename: str = ""


@dataclass(frozen=True)
class OrderIn:
    department: str  # department code
    task: str


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _event(
    report: Report,
    *,
    action: str,
    actor: Any | None,
    label: str = "",
    order: WorkOrder | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
) -> None:
    ReportEvent.objects.create(
        report=report,
        order=order,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label or actor_label(actor),
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def _ledger(report: Report, *, actor: str, payload: dict[str, Any]) -> None:
    ledger_record(
        kind="feedback.report",
        actor=actor,
        subject_ref=str(report.pk),
        case_ref=str(report.case_id or ""),
        payload={"reference": report.reference, **payload},
    )


def _staff_actor(user: Any) -> str:
    return f"user:{user.get_username()}"


# --- who may report ---------------------------------------------------------------------------------


def reporter_for_staff(user: Any) -> Reporter:
    """A clerk at a window (any active membership counts as staff) or a grid worker; anyone else
    is refused. The source is decided by the role, not by the form."""
    staff = staff_of(user)
    if staff.departments([Role.CLERK]):
        return Reporter(source=ReportSource.COUNTER, label=f"窗口工作人员 {actor_label(user)}", user=user)
    if GridWorker.objects.filter(user=user, active=True).exists():
        return Reporter(source=ReportSource.GRID, label=f"网格员 {actor_label(user)}", user=user)
    if staff.is_staff:
        return Reporter(source=ReportSource.COUNTER, label=f"工作人员 {actor_label(user)}", user=user)
    raise PermissionDenied("只有窗口工作人员和网格员可以在工作台登记反映", field="reporter")


def reporter_for_applicant(applicant_index: str) -> Reporter:
    if not applicant_index:
        raise PermissionDenied("请先登录", field="reporter")
    return Reporter(source=ReportSource.PORTAL, label="申请人", applicant_index=applicant_index)


def reporter_for_partner(partner: Open311Key) -> Reporter:
    return Reporter(source=ReportSource.OPEN311, label=f"合作方 {partner.name}", partner=partner)


def open311_key_create(*, name: str) -> tuple[Open311Key, str]:
    """A new partner key; returns the row and the key itself (shown once, only its hash kept)."""
    name = " ".join(str(name or "").split())[:100]
    if not name:
        raise ValidationFailed("请填写合作方名称", field="name")
    key = secrets.token_urlsafe(32)
    row = Open311Key.objects.create(
        name=name, key_hash=hashlib.sha256(key.encode()).hexdigest(), prefix=key[:8]
    )
    return row, key


def open311_key_check(key: str) -> Open311Key:
    row = (
        Open311Key.objects.filter(
            key_hash=hashlib.sha256(str(key or "").encode()).hexdigest(), active=True
        ).first()
        if key
        else None
    )
    if row is None:
        raise PermissionDenied("api_key 无效或已停用", field="api_key")
    Open311Key.objects.filter(pk=row.pk).update(last_used_at=clock.now())
    return row


# --- submit -------------------------------------------------------------------------------------------


def _region(code: str) -> Region:
    code = str(code or "").strip()
    if not code:
        raise ValidationFailed("请选择事发地所在区划（可细到村、社区）", field="region")
    region = Region.objects.filter(code=code).first() if code.isdigit() and len(code) <= 12 else None
    if region is None:
        raise ValidationFailed(f"区划代码“{code[:20]}”不存在，请从区划列表中选择", field="region")
    return region


def _coordinator(region: Region) -> Department:
    chain = region_chain(region.code)
    rows = Department.objects.filter(type__code=rr.COORDINATOR_TYPE, region__code__in=chain).values_list(
        "region__code", "code"
    )
    code = rr.coordinator_for(chain, dict(rows))
    if code is None:
        raise ValidationFailed(f"{region.name}及其上级没有政务服务中心可以协调办理", field="region")
    return Department.objects.select_related("region").get(code=code)


def _package_and_item(package_code: str, item_code: str) -> tuple[Package | None, ServiceItem | None]:
    package = item = None
    if package_code:
        package = Package.objects.filter(code=str(package_code).strip()).first()
        if package is None:
            raise ValidationFailed(f"“{str(package_code)[:40]}”不是已发布的一件事", field="package")
    if item_code:
        item = ServiceItem.objects.filter(code=str(item_code).strip()).first()
        if item is None:
            raise ValidationFailed(f"“{str(item_code)[:40]}”不是目录中的事项", field="item")
    return package, item


def _photos(photos: Sequence[PhotoIn]) -> list[tuple[PhotoIn, Any]]:
    if len(photos) > rr.PHOTOS_MAX:
        raise ValidationFailed(f"最多上传 {rr.PHOTOS_MAX} 张照片（现为 {len(photos)} 张）", field="photos")
    return [
        (
            photo,
            check_upload(
                photo.file,
                label=f"第 {i + 1} 张照片",
                field=f"photos[{i}]",
                file_types=rr.PHOTO_TYPES,
                filename=photo.filename,
            ),
        )
        for i, photo in enumerate(photos)
    ]


def _new_reference() -> str:
    return f"FY{clock.today():%Y%m%d}" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def report_submit(
    *,
    reporter: Reporter,
    kind: str,
    description: str,
    region_code: str,
    package_code: str = "",
    item_code: str = "",
    latitude: object = None,
    longitude: object = None,
    address: str = "",
    photos: Sequence[PhotoIn] = (),
    contact: dict[str, str] | None = None,
) -> Report:
    """Record a report and route it to the coordinating department. Everything is checked before
    anything is written; a photo stored before a failure is removed again."""
    if kind not in ReportKind.values:
        raise ValidationFailed("请选择反映类型：办不成事，或多部门协同事件", field="kind")
    text = rules.clean_comment(description, field="description", limit=rr.DESCRIPTION_MAX, label="反映内容")
    if not text:
        raise ValidationFailed("请写明反映的事情：想办什么、卡在哪里", field="description")
    location = rr.check_location(latitude, longitude, address)
    location = rr.Location(
        location.latitude,
        location.longitude,
        rules.clean_comment(location.address, field="address", limit=rr.ADDRESS_MAX, label="地址"),
    )
    region = _region(region_code)
    package, item = _package_and_item(package_code, item_code)
    checked = _photos(photos)
    stored: list[ReportPhoto] = []
    try:
        return _submit(reporter, kind, text, region, package, item, location, checked, contact, stored)
    except BaseException:
        for photo in stored:  # the transaction rolled back: no file without its row
            photo.file.delete(save=False)
        raise


@unit_of_work
def _submit(
    reporter: Reporter,
    kind: str,
    text: str,
    region: Region,
    package: Package | None,
    item: ServiceItem | None,
    location: rr.Location,
    checked: list[tuple[PhotoIn, Any]],
    contact: dict[str, str] | None,
    stored: list[ReportPhoto],
) -> Report:
    coordinator = _coordinator(region)
    fingerprint = rr.fingerprint(reporter=reporter.key, kind=kind, region=region.code, description=text)
    existing = Report.objects.filter(fingerprint=fingerprint).exclude(status=ReportStatus.CLOSED).first()
    if existing is not None:
        raise Conflict(
            f"您已反映过同一件事（编号 {existing.reference}），正在办理中，请勿重复提交", field="description"
        )
    report = Report(
        reference=_new_reference(),
        token=secrets.token_hex(12),
        kind=kind,
        source=reporter.source,
        description=text,
        package_code=package.code if package else "",
        package_name=package.name if package else "",
        item_code=item.code if item else "",
        item_name=item.name if item else "",
        region=region,
        latitude=location.latitude,
        longitude=location.longitude,
        address=location.address,
        reporter_index=reporter.applicant_index,
        reporter_user=reporter.user,
        partner=reporter.partner,
        reporter_label=reporter.label,
        contact_sealed=seal(contact) if contact else "",
        coordinator=coordinator,
        fingerprint=fingerprint,
    )
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        raise Conflict("您已反映过同一件事，正在办理中，请勿重复提交", field="description") from None
    for photo_in, upload in checked:
        photo = ReportPhoto(report=report, filename=upload.filename, size=upload.size, sha256=upload.sha256)
        photo.file.save(f"photo.{upload.suffix}", File(photo_in.file), save=False)
        stored.append(photo)
        photo.save(force_insert=True)
    _event(report, action="submit", actor=reporter.user, label=reporter.label, to_status=report.status)
    _ledger(
        report,
        actor=reporter.ledger_actor,
        payload={"action": "submit", "kind": kind, "source": reporter.source},
    )
    notify_staff(
        users=_deciders(coordinator.pk) + _clerks(coordinator.pk),
        case=None,
        kind="feedback_report",
        subject=f"收到{ReportKind(kind).label}反映，请分拨",
        body=f"{coordinator.name}：收到反映 {report.reference}（{region.name}），请在工作台“办不成事反映”中分拨。",
    )
    return report


def _clerks(department_id: Any) -> list[Any]:
    from onego.accounts.models import Membership

    return [
        m.user
        for m in Membership.objects.filter(
            department_id=department_id, role=Role.CLERK, active=True
        ).select_related("user")
    ]


# --- the coordinator --------------------------------------------------------------------------------

COORDINATING_ROLES = frozenset({Role.CLERK, Role.OFFICER, Role.LEAD_OFFICER})


def may_see_report(staff: Staff, report: Report, *, order_departments: Iterable[Any] = ()) -> bool:
    """The coordinating department, a department with an order in it, a supervisor over the region."""
    mine = staff.departments()
    if report.coordinator_id in mine or any(d in mine for d in order_departments):
        return True
    return any(region_contains(r, report.region.code) for r in staff.regions([Role.SUPERVISOR]))


def _lock_report(report_id: Any) -> Report:
    pk = _uuid(report_id)
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("region", "coordinator")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if report is None:
        raise NotFound("没有找到该反映", field="report")
    return report


def _for_coordinator(actor: Any, report_id: Any) -> Report:
    staff = staff_of(actor)
    report = _lock_report(report_id)
    orders = report.orders.values_list("department_id", flat=True)
    if not may_see_report(staff, report, order_departments=orders):
        raise NotFound("没有找到该反映", field="report")
    if not staff.has(report.coordinator_id, COORDINATING_ROLES):
        raise PermissionDenied(f"只有{report.coordinator.name}可以分拨和答复本反映", field="report")
    return report


def _move_report(report: Report, to: ReportStatus) -> str:
    rr.check_report_transition(report.status, to)
    before = report.status
    report.status = to
    return before


@unit_of_work
def report_dispatch(*, actor: Any, report_id: Any, orders: Sequence[OrderIn]) -> list[WorkOrder]:
    """Split the report into departmental work orders, each with its working-day deadline (the
    rectification deadlines by region and the working calendar). Orders may be added later too."""
    report = _for_coordinator(actor, report_id)
    if report.status == ReportStatus.CLOSED:
        raise Conflict("反映已办结，不能再分拨", field="status")
    if not orders:
        raise ValidationFailed("请至少选择一个承办部门", field="orders")
    if len(orders) > rr.ORDERS_MAX:
        raise ValidationFailed(f"一次最多分拨 {rr.ORDERS_MAX} 个部门", field="orders")
    live = set(report.orders.filter(status=OrderStatus.OPEN).values_list("department__code", flat=True))
    seen: set[str] = set()
    planned: list[tuple[Department, str]] = []
    for i, order in enumerate(orders):
        where = f"orders[{i}]"
        department = (
            Department.objects.select_related("region").filter(code=str(order.department).strip()).first()
        )
        if department is None:
            raise ValidationFailed("承办部门不存在", field=f"{where}.department")
        if department.code in seen or department.code in live:
            raise ValidationFailed(f"“{department.name}”已有待处置的工单", field=f"{where}.department")
        seen.add(department.code)
        task = rules.clean_comment(order.task, field=f"{where}.task", limit=1000, label="处置要求")
        if not task:
            raise ValidationFailed(f"请写明交给“{department.name}”办的事", field=f"{where}.task")
        planned.append((department, task))
    before = report.status
    if report.status == ReportStatus.RECEIVED:
        _move_report(report, ReportStatus.DISPATCHED)
        report.save(update_fields=["status", "updated_at"])
    start = clock.today()
    made: list[WorkOrder] = []
    for department, task in planned:
        due, days = _due(department, start)
        work_order = WorkOrder.objects.create(
            report=report, department=department, task=task, due_on=due, due_days=days
        )
        made.append(work_order)
        _event(
            report,
            action="dispatch",
            actor=actor,
            order=work_order,
            from_status=before,
            to_status=report.status,
            reason=f"{department.name}：{task}（{due:%Y-%m-%d} 前）",
        )
        notify_staff(
            users=_deciders(department.pk),
            case=report.case,
            kind="feedback_work_order",
            subject="收到部门工单，请处置",
            body=(
                f"{department.name}：{report.coordinator.name}分拨反映 {report.reference}：{task}。"
                f"请于 {due:%Y-%m-%d} 前在工作台“部门工单”中处置并回复。"
            ),
        )
    _ledger(
        report,
        actor=_staff_actor(actor),
        payload={"action": "dispatch", "departments": [d.code for d, _ in planned]},
    )
    return made


@unit_of_work
def report_link_case(*, actor: Any, report_id: Any, case_reference: str) -> Report:
    """A case followed from the report (the matter was then applied for): link it. The coordinator
    must be able to see the case; an applicant's report links only to that applicant's case."""
    report = _for_coordinator(actor, report_id)
    reference = str(case_reference or "").strip()[:40]
    if not reference:
        raise ValidationFailed("请填写办件编号", field="case")
    try:
        case = access_case_by_reference(actor, reference)
    except NotFound:
        raise NotFound("没有找到该办件，或您无权查看", field="case") from None
    if report.reporter_index and case.applicant_index != report.reporter_index:
        raise ValidationFailed("该办件不是反映人本人的办件", field="case")
    report.case = case
    report.save(update_fields=["case", "updated_at"])
    _event(report, action="link_case", actor=actor, reason=f"办件 {case.reference}")
    _ledger(report, actor=_staff_actor(actor), payload={"action": "link_case", "case": case.reference})
    return report


REPLY_MAX = 2000


@unit_of_work
def report_reply(*, actor: Any, report_id: Any, reply: str) -> Report:
    """The coordinator answers the reporter and closes the report, once no order is still open."""
    report = _for_coordinator(actor, report_id)
    text = rules.clean_comment(reply, field="reply", limit=REPLY_MAX, label="答复")
    if not text:
        raise ValidationFailed("请填写给反映人的答复", field="reply")
    if not rr.may_close(report.orders.values_list("status", flat=True)):
        raise Conflict("还有部门工单未处置完，不能答复办结", field="status")
    before = _move_report(report, ReportStatus.CLOSED)
    report.reply, report.replied_at, report.replied_by = text, clock.now(), actor
    report.save(update_fields=["status", "reply", "replied_at", "replied_by", "updated_at"])
    _event(report, action="reply", actor=actor, from_status=before, to_status=report.status, reason=text)
    _ledger(report, actor=_staff_actor(actor), payload={"action": "reply"})
    _tell_reporter(report)
    return report


def _tell_reporter(report: Report) -> None:
    """The reply reaches the reporter: an applicant in the message centre (SMS/e-mail on the linked
    case) and on 我的反映; a clerk or grid worker by e-mail and the workbench; a partner through the
    Open311 status notes."""
    body = f"您反映的事项（编号 {report.reference}）已由{report.coordinator.name}办结。答复：{report.reply}"
    if report.reporter_index and report.case is not None:
        notify_applicant(case=report.case, kind="feedback_report_reply", subject="反映答复", body=body)
    if report.reporter_user is not None:
        notify_staff(
            users=[report.reporter_user],
            case=report.case,
            kind="feedback_report_reply",
            subject="反映答复",
            body=body,
        )


# --- the departments --------------------------------------------------------------------------------


def _lock_order(actor: Any, order_id: Any) -> WorkOrder:
    pk = _uuid(order_id)
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("department__region", "report__coordinator", "report__region")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    staff = staff_of(actor)
    if order is None or not (
        order.department_id in staff.departments() or may_see_report(staff, order.report)
    ):
        raise NotFound("没有找到该部门工单", field="order")
    if not staff.has(order.department_id, DECIDING_ROLES):
        raise PermissionDenied(f"只有{order.department.name}的审批人员可以处置本工单", field="order")
    return order


def _finish(actor: Any, order_id: Any, to: OrderStatus, text_in: str, field: str, label: str) -> WorkOrder:
    order = _lock_order(actor, order_id)
    text = rules.clean_comment(text_in, field=field, limit=REPLY_MAX, label=label)
    if not text:
        raise ValidationFailed(f"请填写{label}", field=field)
    rr.check_order_transition(order.status, to)
    before = order.status
    today = clock.today()
    order.status, order.result, order.finished_at, order.finished_by = to, text, clock.now(), actor
    order.on_time = rules.on_time(today, order.due_on)
    order.save(update_fields=["status", "result", "finished_at", "finished_by", "on_time", "updated_at"])
    report = (
        Report.objects.select_for_update(of=("self",)).select_related("coordinator").get(pk=order.report_id)
    )
    action = "order_done" if to == OrderStatus.DONE else "order_returned"
    _event(report, action=action, actor=actor, order=order, from_status=before, to_status=to, reason=text)
    _ledger(
        report, actor=_staff_actor(actor), payload={"action": action, "department": order.department.code}
    )
    remaining = report.orders.filter(status=OrderStatus.OPEN).count()
    notify_staff(
        users=_deciders(report.coordinator_id) + _clerks(report.coordinator_id),
        case=report.case,
        kind="feedback_work_order_done",
        subject="部门工单已处置" if remaining == 0 else "部门工单有进展",
        body=(
            f"反映 {report.reference}：{order.department.name}{OrderStatus(to).label}——{text}"
            + (
                "。各部门均已处置，请答复反映人并办结。"
                if remaining == 0
                else f"。还有 {remaining} 个工单待处置。"
            )
        ),
    )
    return order


@unit_of_work
def work_order_complete(*, actor: Any, order_id: Any, result: str) -> WorkOrder:
    """The department records what it did (处置结果)."""
    return _finish(actor, order_id, OrderStatus.DONE, result, "result", "处置结果")


@unit_of_work
def work_order_return(*, actor: Any, order_id: Any, reason: str) -> WorkOrder:
    """Not this department's duty: back to the coordinator, who may dispatch it elsewhere."""
    return _finish(actor, order_id, OrderStatus.RETURNED, reason, "reason", "退回理由")


# --- escalation (onego feedback tick) -----------------------------------------------------------------


def work_orders_escalate_overdue(*, today: dt.date | None = None) -> int:
    """督办: every open order past its deadline, once (`escalated_at`), each in its own transaction;
    the supervisors over the report's region, the department's deciders and the coordinator are told."""
    today = today or clock.today()
    ids = list(
        WorkOrder.objects.filter(status=OrderStatus.OPEN, due_on__lt=today, escalated_at=None).values_list(
            "pk", flat=True
        )
    )
    return sum(_escalate(pk, today) for pk in ids)


@unit_of_work
def _escalate(pk: Any, today: dt.date) -> int:
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("department", "report__region", "report__coordinator")
        .filter(Q(pk=pk), status=OrderStatus.OPEN, due_on__lt=today, escalated_at=None)
        .first()
    )
    if order is None:
        return 0
    order.escalated_at = clock.now()
    order.save(update_fields=["escalated_at", "updated_at"])
    report = order.report
    _event(
        report,
        action="escalate",
        actor=None,
        label="系统",
        order=order,
        from_status=order.status,
        to_status=order.status,
        reason=f"{order.department.name}超过处置期限 {order.due_on:%Y-%m-%d}，已督办",
    )
    _ledger(report, actor="system:onego", payload={"action": "escalate", "department": order.department.code})
    notify_staff(
        users=[
            *supervisors_over(report.region.code),
            *_deciders(order.department_id),
            *_deciders(report.coordinator_id),
        ],
        case=report.case,
        kind="feedback_work_order_overdue",
        subject="部门工单超期督办",
        body=f"反映 {report.reference}：{order.department.name}的工单已超过期限（{order.due_on:%Y-%m-%d}）仍未处置。",
    )
    return 1
