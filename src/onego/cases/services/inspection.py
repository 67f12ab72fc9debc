"""联合踏勘 (joint site inspection): one appointment for every department whose item needs one,
one record with each department's findings, feeding their sub-cases.

- `inspection_schedule`: collects every open item sub-case of the case that needs a site
  inspection (one booked ahead, or one under way / just done today, recorded as it happens, its
  findings recordable at once), makes one appointment (time, place, the lead department organising it) and tells the
  applicant and each department (outbox rows, sent after commit). Where the item's guide excludes
  site-inspection time from its limit (特别程序 text such as “现场核查时间不计入办理时限”), that
  sub-case's clock — and so the case clock — is paused (`ClockPause`, kind site_inspection) from
  today until the findings are in.
- `inspection_record_findings`: each department records its own part (findings and a conclusion:
  符合 / 不符合 / 整改后符合). When every part is in, the inspection is held: each sub-case gets its
  department's findings on its timeline, pauses end, and the sub-cases become decidable.
- `inspection_cancel`: called off (reason required); pauses end, everyone is told.
- `ensure_inspected`: the guard in the approve paths — a sub-case that needs an inspection is not
  approved before its findings exist (it may still be rejected: an application can fail on paper).

Lock order as everywhere: the Case row first, then the sub-cases, then the inspection rows.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.selectors import members_of, staff_of
from onego.cases.access import access_case_by_id
from onego.cases.models import (
    Case,
    ClockPause,
    InspectionConclusion,
    InspectionParticipant,
    InspectionStatus,
    JointInspection,
    PauseKind,
    SubCase,
    SubCaseKind,
)
from onego.cases.services.common import ensure_case_running, lock_case, staff_label
from onego.cases.services.deadlines import refresh_case_deadlines, refresh_subcase_deadlines
from onego.cases.services.notify import notify_applicant, notify_staff
from onego.cases.workflow import SUBCASE_DECIDED, InvalidTransition, SubCaseStatus, record_event
from onego.catalog.models import ServiceItem
from onego.core import clock
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.core.services import working_calendar
from onego.core.uow import unit_of_work

S = SubCaseStatus
# Not decided yet: a waiting item is inspected with the others (one trip), its clock starts later.
INSPECTABLE = (S.WAITING, S.REGISTERED, S.PENDING, S.CLAIMED, S.SUPPLEMENT, S.SPECIAL_PROCEDURE)
SITE_WORDS = (
    "踏勘",
    "现场核查",
    "实地核查",
    "现场检查",
    "现场勘验",
    "现场勘查",
    "现场勘察",
    "实地勘察",
    "实地勘查",
)


@dataclass(frozen=True)
class FindingIn:
    """One department's part: `department` is its code; `subcase` (an item code) only when the
    department inspects for several items of the case and their findings differ."""

    department: str
    findings: str
    conclusion: str  # pass | fail | conditional
    subcase: str = ""


def inspection_time_excluded(special_procedures: str) -> bool:
    """Does the item's guide say site-inspection time does not count against its limit?

    True when one clause (split at ；;。) names an inspection and says 不计入 (“现场核查时间不计入办理
    时限”, “现场核查及水质检测时间不计入”); “10个工作日内完成现场检查” alone is not an exclusion.
    """
    for clause in re.split(r"[；;。]", special_procedures or ""):
        if "不计入" in clause and any(word in clause for word in SITE_WORDS):
            return True
    return False


def when_text(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}"


def _people(subcase: SubCase) -> list[Any]:
    if subcase.assignee is not None and subcase.status in (S.CLAIMED, S.SUPPLEMENT, S.SPECIAL_PROCEDURE):
        return [subcase.assignee]
    return members_of(subcase.department_id, DECIDING_ROLES) if subcase.department_id else []


def _may_organise(actor: Any, case: Case, department_ids: set[Any]) -> bool:
    staff = staff_of(actor)
    organisers = {case.lead_department_id, *department_ids} - {None}
    return any(staff.has(d, DECIDING_ROLES) for d in organisers)


def _end_pauses(case: Case, subcases: Sequence[SubCase]) -> None:
    """End the site-inspection pauses of these sub-cases today and recompute their deadlines."""
    today, calendar = clock.today(), working_calendar()
    paused = ClockPause.objects.filter(
        case=case, subcase__in=list(subcases), kind=PauseKind.SITE_INSPECTION, ended_on=None
    )
    ids = set(paused.values_list("subcase_id", flat=True))
    if not ids:
        return
    paused.update(ended_on=today)
    for subcase in subcases:
        if subcase.pk in ids:
            refresh_subcase_deadlines(subcase, calendar=calendar, today=today)
    refresh_case_deadlines(case, calendar=calendar)


@unit_of_work
def inspection_schedule(*, actor: Any, case_id: Any, when: dt.datetime, place: str) -> JointInspection:
    """One appointment at the site for every department whose item needs an inspection."""
    seen = access_case_by_id(actor, case_id)
    place = place.strip()
    if not place:
        raise ValidationFailed("请填写踏勘地点", field="place")
    if len(place) > 200:
        raise ValidationFailed("踏勘地点不能超过 200 个字", field="place")
    if timezone.is_naive(when):
        when = timezone.make_aware(when, timezone.get_current_timezone())
    # An inspection under way or just done is recorded as it happens: any time from today's start.
    if timezone.localdate(when) < clock.today():
        raise ValidationFailed(
            "踏勘时间不能早于今天（正在进行或今天刚结束的踏勘按实际时间填写）", field="when"
        )
    on_site = when <= clock.now()
    case = lock_case(seen.pk)
    ensure_case_running(case)
    subcases = list(
        SubCase.objects.select_for_update(of=("self",))
        .select_related("department", "assignee")
        .filter(case=case, kind=SubCaseKind.ITEM, site_inspection=True, status__in=INSPECTABLE)
        .order_by("stage", "code")
    )
    if not subcases:
        raise ValidationFailed("本办件没有需要现场踏勘的在办事项", field="case")
    if not _may_organise(actor, case, {s.department_id for s in subcases}):
        raise PermissionDenied("联合踏勘由牵头部门或参加踏勘的部门安排", field="case")
    existing = JointInspection.objects.filter(case=case, status=InspectionStatus.SCHEDULED).first()
    if existing is not None:
        raise Conflict(
            f"本办件已安排联合踏勘（{when_text(existing.scheduled_for)}，{existing.place}），如需改期请先取消",
            field="case",
        )
    guides = dict(
        ServiceItem.objects.filter(code__in=[s.code for s in subcases]).values_list(
            "code", "special_procedures"
        )
    )
    label = staff_label(actor)
    inspection = JointInspection.objects.create(
        case=case,
        scheduled_for=when,
        place=place,
        lead_department=case.lead_department,
        scheduled_by=actor,
        scheduled_by_label=label,
    )
    names = "、".join(dict.fromkeys(s.department.name for s in subcases if s.department))
    text = f"联合踏勘{'于' if on_site else '定于'}{when_text(when)}，地点：{place}；参加部门：{names}"
    today, calendar = clock.today(), working_calendar()
    paused: list[SubCase] = []
    for subcase in subcases:
        subcase.case = case
        pauses = (
            inspection_time_excluded(guides.get(subcase.code, "")) and subcase.clock_started_on is not None
        )
        InspectionParticipant.objects.create(
            inspection=inspection, subcase=subcase, department=subcase.department, pauses_clock=pauses
        )
        record_event(
            subcase, actor=actor, label=label, action="inspection_scheduled", reason=text, bump=False
        )
        if pauses:
            ClockPause.objects.create(
                case=case,
                subcase=subcase,
                kind=PauseKind.SITE_INSPECTION,
                reason=f"联合踏勘（{when_text(when)}），按办事指南踏勘时间不计入办理时限"[:300],
                started_on=today,
            )
            refresh_subcase_deadlines(subcase, calendar=calendar, today=today)
            paused.append(subcase)
    if paused:
        refresh_case_deadlines(case, calendar=calendar)
    record_event(case, actor=actor, label=label, action="inspection_scheduled", reason=text, bump=False)
    note = "踏勘时间不计入办理时限。" if paused else ""
    body = (
        f"您的办件于{when_text(when)}在{place}进行联合现场踏勘，{names}一同到场，一次完成。{note}"
        if on_site
        else f"您的办件将于{when_text(when)}在{place}进行联合现场踏勘，{names}一同到场，一次完成，"
        f"无需分别预约。请安排人员到场配合。{note}"
    )
    notify_applicant(case=case, kind="inspection_scheduled", subject="联合踏勘通知", body=body)
    lead_people = members_of(case.lead_department_id, [Role.LEAD_OFFICER]) if case.lead_department_id else []
    notify_staff(
        users=[*(p for s in subcases for p in _people(s)), *lead_people],
        case=case,
        kind="inspection_scheduled",
        subject="联合踏勘安排",
        body=f"办件 {case.reference}：{text}。请按时到场，踏勘后在平台记录本部门的踏勘意见。",
    )
    return inspection


def _pk(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def access_inspection(actor: Any, inspection_id: Any) -> JointInspection:
    """An inspection of a case the actor may see; NotFound alike for a missing one and another's."""
    pk = _pk(inspection_id)
    row = JointInspection.objects.filter(pk=pk).first() if pk else None
    if row is None:
        raise NotFound("没有找到该联合踏勘", field="inspection")
    try:
        row.case = access_case_by_id(actor, row.case_id)
    except NotFound:
        raise NotFound("没有找到该联合踏勘", field="inspection") from None
    return row


def _locked_inspection(actor: Any, inspection_id: Any) -> tuple[Case, JointInspection]:
    seen = access_inspection(actor, inspection_id)
    case = lock_case(seen.case_id)
    return case, JointInspection.objects.select_for_update().get(pk=seen.pk)


@unit_of_work
def inspection_record_findings(
    *, actor: Any, inspection_id: Any, findings: Sequence[FindingIn]
) -> JointInspection:
    """Each department records its own findings; when all are in, the inspection is held."""
    if not findings:
        raise ValidationFailed("请填写踏勘意见", field="findings")
    case, inspection = _locked_inspection(actor, inspection_id)
    ensure_case_running(case)
    if inspection.status != InspectionStatus.SCHEDULED:
        raise InvalidTransition(
            f"该联合踏勘{InspectionStatus(inspection.status).label}，不能再记录踏勘意见", field="inspection"
        )
    if clock.today() < timezone.localdate(inspection.scheduled_for):
        raise InvalidTransition(
            f"联合踏勘定于{when_text(inspection.scheduled_for)}，尚未进行，不能提前记录踏勘意见",
            field="inspection",
        )
    parts = list(
        InspectionParticipant.objects.filter(inspection=inspection).select_related("subcase", "department")
    )
    # Lock the sub-cases (after the case, as everywhere) before writing beside them.
    locked = {
        s.pk: s
        for s in SubCase.objects.select_for_update(of=("self",))
        .select_related("department", "assignee")
        .filter(pk__in=[p.subcase_id for p in parts])
    }
    for part in parts:
        part.subcase = locked[part.subcase_id]
        part.subcase.case = case
    staff = staff_of(actor)
    label = staff_label(actor)
    now = clock.now()
    for i, given in enumerate(findings):
        text = given.findings.strip()
        if not text:
            raise ValidationFailed("请填写踏勘意见", field=f"findings[{i}].findings")
        if given.conclusion not in InspectionConclusion.values:
            raise ValidationFailed(
                f"踏勘结论应为：{'、'.join(InspectionConclusion.values)}", field=f"findings[{i}].conclusion"
            )
        targets = [
            p
            for p in parts
            if p.department is not None
            and p.department.code == given.department
            and (not given.subcase or p.subcase.code == given.subcase)
        ]
        if not targets:
            raise ValidationFailed(
                f"部门“{given.department}”没有参加本次踏勘", field=f"findings[{i}].department"
            )
        department = targets[0].department
        assert department is not None
        if not staff.has(department.pk, DECIDING_ROLES):
            raise PermissionDenied(
                f"只能记录本部门的踏勘意见：{department.name}的意见由该部门记录",
                field=f"findings[{i}].department",
            )
        for part in targets:
            part.findings = text
            part.conclusion = given.conclusion
            part.recorded_by = actor
            part.recorded_by_label = staff_label(actor, department.name)
            part.recorded_at = now
            part.save(
                update_fields=[
                    "findings",
                    "conclusion",
                    "recorded_by",
                    "recorded_by_label",
                    "recorded_at",
                    "updated_at",
                ]
            )
    open_parts = [p for p in parts if p.subcase.status not in SUBCASE_DECIDED]
    if all(p.recorded_at is not None for p in open_parts):
        _hold(case, inspection, parts, actor=actor, label=label)
    return inspection


def _hold(
    case: Case, inspection: JointInspection, parts: list[InspectionParticipant], *, actor: Any, label: str
) -> None:
    inspection.status = InspectionStatus.HELD
    inspection.held_at = clock.now()
    inspection.save(update_fields=["status", "held_at", "updated_at"])
    for part in parts:
        if part.recorded_at is None:
            continue  # its sub-case was decided meanwhile
        verdict = InspectionConclusion(part.conclusion).label
        department = part.department.name if part.department else ""
        record_event(
            part.subcase,
            actor=part.recorded_by,
            label=part.recorded_by_label,
            action="inspection_findings",
            reason=f"联合踏勘意见（{department}）：{verdict}。{part.findings}",
            bump=False,
        )
    _end_pauses(case, [p.subcase for p in parts])
    summary = "；".join(
        f"{p.department.name if p.department else p.subcase.name}：{InspectionConclusion(p.conclusion).label}"
        for p in parts
        if p.recorded_at is not None
    )
    record_event(
        case,
        actor=actor,
        label=label,
        action="inspection_held",
        reason=f"联合踏勘已完成（{summary}）",
        bump=False,
    )
    for part in parts:
        if part.recorded_at is None:
            continue
        notify_staff(
            users=_people(part.subcase),
            case=case,
            kind="inspection_held",
            subject=f"“{part.subcase.name}”踏勘意见已记录",
            body=f"办件 {case.reference} 的联合踏勘已完成，“{part.subcase.name}”的踏勘结论为"
            f"{InspectionConclusion(part.conclusion).label}，现在可以作出决定。",
        )


@unit_of_work
def inspection_cancel(*, actor: Any, inspection_id: Any, reason: str) -> JointInspection:
    """Call off a scheduled inspection (to reschedule it, or because it is no longer needed)."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请说明取消原因", field="reason")
    case, inspection = _locked_inspection(actor, inspection_id)
    if inspection.status != InspectionStatus.SCHEDULED:
        raise InvalidTransition(
            f"该联合踏勘{InspectionStatus(inspection.status).label}，不能取消", field="inspection"
        )
    parts = list(InspectionParticipant.objects.filter(inspection=inspection))
    subcases = list(
        SubCase.objects.select_for_update(of=("self",))
        .select_related("department", "assignee")
        .filter(pk__in=[p.subcase_id for p in parts])
    )
    if not _may_organise(actor, case, {s.department_id for s in subcases}):
        raise PermissionDenied("联合踏勘由牵头部门或参加踏勘的部门安排", field="inspection")
    for subcase in subcases:
        subcase.case = case
    inspection.status = InspectionStatus.CANCELLED
    inspection.cancelled_at = clock.now()
    inspection.cancel_reason = reason
    inspection.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    _end_pauses(case, subcases)
    label = staff_label(actor)
    text = f"取消{when_text(inspection.scheduled_for)}的联合踏勘：{reason}"
    for subcase in subcases:
        record_event(
            subcase, actor=actor, label=label, action="inspection_cancelled", reason=text, bump=False
        )
    record_event(case, actor=actor, label=label, action="inspection_cancelled", reason=text, bump=False)
    notify_applicant(
        case=case,
        kind="inspection_cancelled",
        subject="联合踏勘取消",
        body=f"原定于{when_text(inspection.scheduled_for)}在{inspection.place}的联合踏勘已取消（{reason}），"
        "如需重新安排将另行通知。",
    )
    notify_staff(
        users=[p for s in subcases for p in _people(s)],
        case=case,
        kind="inspection_cancelled",
        subject="联合踏勘取消",
        body=f"办件 {case.reference}：{text}。",
    )
    return inspection


# --- the guard and the reads ------------------------------------------------------------------------


def ensure_inspected(subcase: SubCase) -> None:
    """Refuse to approve an item that needs a site inspection before its findings exist."""
    if subcase.kind != SubCaseKind.ITEM or not subcase.site_inspection:
        return
    parts = list(InspectionParticipant.objects.filter(subcase=subcase).select_related("inspection"))
    pending = [p.inspection for p in parts if p.inspection.status == InspectionStatus.SCHEDULED]
    if pending:
        raise InvalidTransition(
            f"“{subcase.name}”的联合踏勘（{when_text(pending[0].scheduled_for)}，{pending[0].place}）"
            "尚未完成踏勘意见记录，暂不能准予",
            field="inspection",
        )
    if any(p.inspection.status == InspectionStatus.HELD and p.recorded_at is not None for p in parts):
        return
    raise InvalidTransition(
        f"“{subcase.name}”需要现场踏勘，请先安排联合踏勘并记录踏勘意见，再作出准予决定", field="inspection"
    )


def case_inspections(case: Case) -> QuerySet[JointInspection]:
    """The case's inspections with their participants, oldest first. Obtain the case via access.py."""
    return (
        JointInspection.objects.filter(case=case)
        .select_related("lead_department")
        .prefetch_related("participants__subcase", "participants__department")
        .order_by("created_at")
    )
