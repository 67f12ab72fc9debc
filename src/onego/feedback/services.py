"""Writes of 好差评: rate (every channel calls `evaluation_submit`), the window's rating codes, and
the rectification work orders (answer with the call-back, appeal, review, close, escalate).

Every service is keyword-only and one transaction (`unit_of_work`), with its history row and a
ledger entry in that transaction; notifications go to the outbox and are sent after commit.
What the server owns — the channel, the rater, the department responsible — is decided here or by
the entry point, never taken from the request.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q

from onego.accounts.models import DECIDING_ROLES, Membership, Role
from onego.accounts.selectors import Staff, staff_of
from onego.cases.access import access_case_by_id, region_contains
from onego.cases.models import Case
from onego.cases.services.notify import notify_applicant, notify_staff
from onego.cases.workflow import actor_label
from onego.catalog.models import Department
from onego.core import clock
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.core.services import working_calendar
from onego.core.uow import unit_of_work
from onego.core.validators import region_parent_code
from onego.feedback import rules
from onego.feedback.models import (
    DepartmentRating,
    Evaluation,
    EvaluationRevision,
    RatingInvitation,
    Rectification,
    RectificationTransition,
)
from onego.feedback.rules import Channel, Finding, RectStatus
from onego.ledger.services import ledger_record

REPLY_MAX = 2000
INVITATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a window


@dataclass(frozen=True)
class DepartmentRatingIn:
    department: str  # department code
    level: int
    tags: Sequence[str] = ()
    comment: str = ""


@dataclass(frozen=True)
class RatingIn:
    level: int
    tags: Sequence[str] = ()
    comment: str = ""
    departments: Sequence[DepartmentRatingIn] = field(default_factory=tuple)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


# --- helpers ----------------------------------------------------------------------------------------


def case_departments(case: Case) -> list[Department]:
    """The departments that had a part in the case: the accepting window, the lead department, and
    every department with a sub-case — each once, in that order."""
    seen: dict[Any, Department] = {}
    for dep in (case.accepting_department, case.lead_department):
        if dep is not None:
            seen.setdefault(dep.pk, dep)
    for sub in case.subcases.select_related("department").exclude(department=None).order_by("stage", "code"):
        assert sub.department is not None
        seen.setdefault(sub.department.pk, sub.department)
    return list(seen.values())


def responsible_department(case: Case) -> Department | None:
    """Who answers for the case as a whole (首办责任): the lead department, else the accepting one."""
    return case.lead_department or case.accepting_department


def region_chain(code: str) -> list[str]:
    chain: list[str] = []
    current: str | None = code
    while current is not None:
        chain.append(current)
        current = region_parent_code(current)
    return chain


def _due(department: Department, start: dt.date) -> tuple[dt.date, int]:
    days = rules.rectification_days(
        region_chain(department.region.code), settings.ONEGO_FEEDBACK_RECTIFICATION_DAYS
    )
    due = working_calendar().add_working_days(start, days).due
    assert due is not None  # no pauses
    return due, days


def _history(
    rect: Rectification, *, to: str, actor: Any | None, action: str, reason: str = "", label: str = ""
) -> None:
    RectificationTransition.objects.create(
        rectification=rect,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label or actor_label(actor),
        action=action,
        from_status=rect.status,
        to_status=to,
        reason=reason,
    )


def _move(
    rect: Rectification,
    to: RectStatus,
    *,
    actor: Any | None,
    action: str,
    reason: str = "",
    label: str = "",
    fields: Iterable[str] = (),
) -> None:
    rules.check_rect_transition(rect.status, to)
    _history(rect, to=to, actor=actor, action=action, reason=reason, label=label)
    rect.status = to
    rect.save(update_fields=["status", "updated_at", *fields])


def _ledger(kind: str, *, actor: str, subject: Any, case: Case, payload: dict[str, Any]) -> None:
    ledger_record(kind=kind, actor=actor, subject_ref=str(subject), case_ref=str(case.pk), payload=payload)


def _staff_actor(user: Any, department_code: str = "") -> str:
    who = f"user:{user.get_username()}"
    return f"dept:{department_code}/{who}" if department_code else who


def _deciders(department_id: Any) -> list[Any]:
    return [
        m.user
        for m in Membership.objects.filter(
            department_id=department_id, role__in=list(DECIDING_ROLES), active=True
        ).select_related("user")
    ]


def supervisors_over(region_code: str) -> list[Any]:
    """Active supervisors of the region or any region above it."""
    return [
        m.user
        for m in Membership.objects.filter(
            role=Role.SUPERVISOR, active=True, department__region__code__in=region_chain(region_code)
        ).select_related("user")
    ]


# --- rating ---------------------------------------------------------------------------------------------


def _check_rating(
    rating: RatingIn, *, channel: str, allowed: Sequence[Department]
) -> tuple[rules.Level, list[str], str, list[tuple[Department, rules.Level, list[str], str]]]:
    level = rules.parse_level(rating.level)
    tags = rules.check_tags(rating.tags, channel=channel)
    comment = rules.clean_comment(rating.comment)
    by_code = {d.code: d for d in allowed}
    parts: list[tuple[Department, rules.Level, list[str], str]] = []
    seen: set[str] = set()
    for i, part in enumerate(rating.departments):
        where = f"departments[{i}]"
        department = by_code.get(str(part.department))
        if department is None:
            raise ValidationFailed("该部门没有参与办理此办件，不能对其评价", field=f"{where}.department")
        if department.code in seen:
            raise ValidationFailed(f"对“{department.name}”重复评价", field=f"{where}.department")
        seen.add(department.code)
        parts.append(
            (
                department,
                rules.parse_level(part.level, field=f"{where}.level"),
                rules.check_tags(part.tags, channel=channel, field=f"{where}.tags"),
                rules.clean_comment(part.comment, field=f"{where}.comment"),
            )
        )
    return level, tags, comment, parts


def _lock_case_of(rater_index: str, case_id: Any) -> Case:
    """The rater's own case, locked; someone else's case is "not found" like a missing one."""
    pk = _uuid(case_id)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("region", "lead_department__region", "accepting_department__region")
        .filter(pk=pk, applicant_index=rater_index)
        .first()
        if pk and rater_index
        else None
    )
    if case is None:
        raise NotFound("没有找到该办件", field="case")
    return case


@unit_of_work
def evaluation_submit(*, case_id: Any, rater_index: str, channel: Channel, rating: RatingIn) -> Evaluation:
    """Rate a case (or amend the rating within the window, or re-rate after a call-back).

    `rater_index` is the signed-in applicant's blind index (or the case's own, through a window
    code); `channel` is fixed by the entry point. Bad ratings open rectifications here.
    """
    case = _lock_case_of(rater_index, case_id)
    now, today = clock.now(), clock.today()
    existing = Evaluation.objects.select_for_update().filter(case=case).first()
    occasion = rules.rating_occasion(case.status, case.promised_due, today)
    if occasion is None and existing is None:
        raise ValidationFailed("办件办结、不予受理、撤回或超期后才能评价", field="case")
    departments = case_departments(case)
    if not departments:
        raise ValidationFailed("该办件尚未由任何部门受理，暂不能评价", field="case")
    level, tags, comment, parts = _check_rating(rating, channel=channel, allowed=departments)

    answered = (
        list(
            Rectification.objects.select_for_update().filter(evaluation=existing, status=RectStatus.ANSWERED)
        )
        if existing is not None
        else []
    )
    if existing is None:
        kind = "rate"
        evaluation = Evaluation(
            case=case,
            rater_index=rater_index,
            occasion=occasion or "",
            region=case.region,
            package_code=case.package_code,
            package_name=case.package_name,
            first_rated_at=now,
            version=0,
        )
    else:
        evaluation = existing
        if evaluation.voided_at is not None:
            raise Conflict("该评价经申诉复核已撤销，不能再修改", field="case")
        if answered:
            kind = "rerate"
        elif rules.may_amend(evaluation.first_rated_at, now, window_days=settings.ONEGO_FEEDBACK_AMEND_DAYS):
            kind = "amend"
        else:
            raise Conflict(
                f"您已评价过该办件；评价后 {settings.ONEGO_FEEDBACK_AMEND_DAYS} 天内可以修改，现已超过修改期限",
                field="case",
            )
    evaluation.level, evaluation.tags, evaluation.comment = int(level), tags, comment
    evaluation.channel, evaluation.rated_at = channel, now
    evaluation.version += 1
    evaluation.save()
    DepartmentRating.objects.filter(evaluation=evaluation).exclude(
        department__in=[d for d, *_ in parts]
    ).delete()
    for department, dep_level, dep_tags, dep_comment in parts:
        DepartmentRating.objects.update_or_create(
            evaluation=evaluation,
            department=department,
            defaults={"level": int(dep_level), "tags": dep_tags, "comment": dep_comment},
        )
    EvaluationRevision.objects.create(
        evaluation=evaluation,
        version=evaluation.version,
        level=int(level),
        tags=tags,
        comment=comment,
        departments=[
            {"department": d.code, "level": int(lv), "tags": t, "comment": c} for d, lv, t, c in parts
        ],
        channel=channel,
        kind=kind,
        at=now,
    )
    opened = _follow_up(evaluation, case, level=level, tags=tags, comment=comment, parts=parts, kind=kind)
    _ledger(
        "feedback.evaluation",
        # The ledger names the rater as the case's applicant only: the blind index stays out of it.
        actor="applicant:case",
        subject=evaluation.pk,
        case=case,
        payload={
            "reference": case.reference,
            "action": kind,
            "version": evaluation.version,
            "level": int(level),
            "channel": str(channel),
            "departments": {d.code: int(lv) for d, lv, *_ in parts},
            "rectifications": [str(r.pk) for r in opened],
        },
    )
    return evaluation


def _follow_up(
    evaluation: Evaluation,
    case: Case,
    *,
    level: rules.Level,
    tags: list[str],
    comment: str,
    parts: list[tuple[Department, rules.Level, list[str], str]],
    kind: str,
) -> list[Rectification]:
    """Open, reopen or resolve rectifications after a rating. Returns the ones opened or reopened."""
    # department → (level, tags, complaint, overall?) as this rating says it.
    said: dict[Any, tuple[Department, int, list[str], str, bool]] = {}
    for department, dep_level, dep_tags, dep_comment in parts:
        said[department.pk] = (department, int(dep_level), dep_tags, dep_comment, False)
    responsible = responsible_department(case) or case_departments(case)[0]
    if rules.is_bad(level):
        prior = said.get(responsible.pk)
        # The overall complaint goes to the responsible department; its own rating, if worse, stays.
        worst = min(int(level), prior[1]) if prior else int(level)
        text = "\n".join(t for t in (comment, prior[3] if prior else "") if t)
        said[responsible.pk] = (responsible, worst, sorted({*tags, *(prior[2] if prior else [])}), text, True)
    elif responsible.pk in said:
        department, lv, t, c, _ = said[responsible.pk]
        said[responsible.pk] = (department, min(lv, int(level)), t, c, False)
    else:
        said[responsible.pk] = (responsible, int(level), tags, comment, False)

    live = {
        r.department_id: r
        for r in Rectification.objects.select_for_update(of=("self",))
        .select_related("department__region")
        .filter(evaluation=evaluation, status__in=list(rules.LIVE_STATUSES))
    }
    changed: list[Rectification] = []
    today = clock.today()
    for dep_id, (department, said_level, dep_tags, text, overall) in said.items():
        rect = live.get(dep_id)
        label = rules.Level(said_level).label
        if rect is None:
            if rules.is_bad(said_level):
                due_on, days = _due(department, today)
                rect = Rectification.objects.create(
                    evaluation=evaluation,
                    case=case,
                    department=department,
                    overall=overall,
                    level=said_level,
                    complaint=text,
                    tags=dep_tags,
                    due_on=due_on,
                    due_days=days,
                )
                _history(
                    rect,
                    to=RectStatus.OPEN,
                    actor=None,
                    action="open",
                    label="系统",
                    reason=f"申请人评价“{label}”",
                )
                changed.append(rect)
                _tell_department(rect, case)
            continue
        if rect.status == RectStatus.ANSWERED and kind == "rerate":
            to = rules.after_rerate(said_level)
            if to == RectStatus.OPEN:
                due_on, days = _due(department, today)
                rect.round += 1
                rect.level, rect.complaint, rect.tags = said_level, text, dep_tags
                rect.due_on, rect.due_days, rect.escalated_at = due_on, days, None
                _move(
                    rect,
                    to,
                    actor=None,
                    action="reopen",
                    label="申请人",
                    reason=f"回访后申请人仍评价“{label}”，进入第 {rect.round} 轮整改",
                    fields=["round", "level", "complaint", "tags", "due_on", "due_days", "escalated_at"],
                )
                changed.append(rect)
                _tell_department(rect, case)
            else:
                rect.closed_at = clock.now()
                _move(
                    rect,
                    to,
                    actor=None,
                    action="rerate",
                    label="申请人",
                    reason=f"回访后申请人再评价“{label}”",
                    fields=["closed_at"],
                )
        else:
            # An amendment while the department works on it: recorded, never closes it by itself.
            _history(
                rect,
                to=rect.status,
                actor=None,
                action="amended",
                label="申请人",
                reason=f"申请人将评价修改为“{label}”",
            )
    return changed


def _tell_department(rect: Rectification, case: Case) -> None:
    notify_staff(
        users=_deciders(rect.department_id),
        case=case,
        kind="feedback_rectification",
        subject="收到差评，请核实整改",
        body=(
            f"{rect.department.name}：申请人对办件给出“{rules.Level(rect.level).label}”评价。"
            f"请于 {rect.due_on:%Y-%m-%d} 前在工作台“差评整改”中核实、整改并答复。"
        ),
    )


# --- window rating codes ----------------------------------------------------------------------------


@unit_of_work
def invitation_issue(*, actor: Any, case_id: Any) -> RatingInvitation:
    """A short code for the applicant at the window to rate this visit (一次一评) on the device or
    their phone. Any staff member who may see the case issues it; it expires and works once."""
    staff = staff_of(actor)
    if not staff.is_staff:
        raise PermissionDenied("只有窗口和部门工作人员可以生成评价码", field="case")
    case = access_case_by_id(actor, case_id, staff=staff)
    if rules.rating_occasion(case.status, case.promised_due, clock.today()) is None:
        raise ValidationFailed("办件办结、不予受理、撤回或超期后才能评价", field="case")
    code = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(8))
    invitation = RatingInvitation.objects.create(
        code=code,
        case=case,
        issued_by=actor,
        expires_at=clock.now() + dt.timedelta(hours=settings.ONEGO_FEEDBACK_INVITATION_HOURS),
    )
    return invitation


def invitation_case(code: str) -> RatingInvitation:
    """A live code, or NotFound (unknown, expired or used look alike to the holder)."""
    invitation = (
        RatingInvitation.objects.select_related(
            "case", "case__region", "case__lead_department", "case__accepting_department"
        )
        .filter(code=str(code).strip().upper()[:12], used_at=None, expires_at__gt=clock.now())
        .first()
    )
    if invitation is None:
        raise NotFound("评价码无效、已使用或已过期，请向窗口工作人员重新获取", field="code")
    return invitation


@unit_of_work
def evaluation_submit_by_invitation(*, code: str, rating: RatingIn) -> Evaluation:
    invitation = invitation_case(code)
    invitation = RatingInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise NotFound("评价码无效、已使用或已过期，请向窗口工作人员重新获取", field="code")
    evaluation = evaluation_submit(
        case_id=invitation.case_id,
        rater_index=invitation.case.applicant_index,
        channel=Channel.COUNTER,
        rating=rating,
    )
    invitation.used_at = clock.now()
    invitation.save(update_fields=["used_at", "updated_at"])
    return evaluation


# --- rectification: who may do what -------------------------------------------------------------------


def _lock_rect(rectification_id: Any) -> Rectification:
    pk = _uuid(rectification_id)
    rect = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("department__region", "case", "evaluation")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if rect is None:
        raise NotFound("没有找到该整改工单", field="rectification")
    return rect


def may_see_rectification(staff: Staff, rect: Rectification) -> bool:
    if rect.department_id in staff.departments():
        return True
    return any(region_contains(r, rect.department.region.code) for r in staff.regions([Role.SUPERVISOR]))


def _for_department(actor: Any, rectification_id: Any, roles: Iterable[Role]) -> Rectification:
    staff = staff_of(actor)
    rect = _lock_rect(rectification_id)
    if not may_see_rectification(staff, rect):
        raise NotFound("没有找到该整改工单", field="rectification")
    if not staff.has(rect.department_id, roles):
        raise PermissionDenied(f"只有{rect.department.name}的审批人员可以处理本工单", field="rectification")
    return rect


def _for_supervisor(actor: Any, rectification_id: Any) -> Rectification:
    staff = staff_of(actor)
    rect = _lock_rect(rectification_id)
    if not may_see_rectification(staff, rect):
        raise NotFound("没有找到该整改工单", field="rectification")
    if not any(region_contains(r, rect.department.region.code) for r in staff.regions([Role.SUPERVISOR])):
        raise PermissionDenied("申诉复核和关闭工单只能由监督员办理", field="rectification")
    return rect


def _text(value: str, field_name: str, label: str, *, required: bool = True) -> str:
    text = rules.clean_comment(value, field=field_name, limit=REPLY_MAX, label=label)
    if required and not text:
        raise ValidationFailed(f"请填写{label}", field=field_name)
    return text


# --- rectification: the department ----------------------------------------------------------------------


@unit_of_work
def rectification_answer(
    *, actor: Any, rectification_id: Any, finding: str, verification: str, changes: str, reply: str
) -> Rectification:
    """The department records its verification, what it changed (or why the complaint has no basis)
    and its reply; the applicant is called back (回访) through the outbox and may re-rate."""
    rect = _for_department(actor, rectification_id, DECIDING_ROLES)
    if finding not in Finding.values:
        raise ValidationFailed("请选择核实结论：已整改，或诉求无依据并已解释", field="finding")
    verification = _text(verification, "verification", "核实情况")
    changes = _text(changes, "changes", "整改措施", required=finding == Finding.RECTIFIED)
    reply = _text(reply, "reply", "给申请人的答复")
    if rect.status != RectStatus.OPEN:
        raise Conflict(f"整改工单当前为“{rect.get_status_display()}”，不能再答复", field="status")
    now = clock.now()
    rect.finding, rect.verification, rect.changes, rect.reply = finding, verification, changes, reply
    rect.answered_at, rect.answered_by = now, actor
    if rect.answered_on_time is None:
        rect.answered_on_time = rules.on_time(clock.today(), rect.due_on)
    _move(
        rect,
        RectStatus.ANSWERED,
        actor=actor,
        action="answer",
        reason=Finding(finding).label,
        fields=[
            "finding",
            "verification",
            "changes",
            "reply",
            "answered_at",
            "answered_by",
            "answered_on_time",
        ],
    )
    case = rect.case
    notify_applicant(
        case=case,
        kind="feedback_callback",
        subject="差评整改回访",
        body=(
            f"您对“{case.package_name}”的评价已由{rect.department.name}核实处理："
            f"{Finding(finding).label}。答复：{reply}\n"
            "如仍不满意，可登录“我的办件”重新评价。"
        ),
    )
    _ledger(
        "feedback.rectification",
        actor=_staff_actor(actor, rect.department.code),
        subject=rect.pk,
        case=case,
        payload={
            "action": "answer",
            "finding": finding,
            "round": rect.round,
            "on_time": rect.answered_on_time,
        },
    )
    return rect


@unit_of_work
def rectification_appeal(*, actor: Any, rectification_id: Any, reason: str) -> Rectification:
    """The department's head asks a supervisor to remove a mistaken or malicious rating."""
    rect = _for_department(actor, rectification_id, [Role.LEAD_OFFICER])
    reason = _text(reason, "reason", "申诉理由")
    if rect.status != RectStatus.OPEN:
        raise Conflict(f"整改工单当前为“{rect.get_status_display()}”，不能申诉", field="status")
    rect.appeal_reason = reason
    _move(rect, RectStatus.APPEALED, actor=actor, action="appeal", reason=reason, fields=["appeal_reason"])
    _ledger(
        "feedback.rectification",
        actor=_staff_actor(actor, rect.department.code),
        subject=rect.pk,
        case=rect.case,
        payload={"action": "appeal"},
    )
    notify_staff(
        users=supervisors_over(rect.department.region.code),
        case=rect.case,
        kind="feedback_appeal",
        subject="差评申诉待复核",
        body=f"{rect.department.name}对一条差评提出申诉，请在工作台“差评监督”中复核。",
    )
    return rect


# --- rectification: the supervisor ----------------------------------------------------------------------


@unit_of_work
def rectification_review(*, actor: Any, rectification_id: Any, uphold: bool, reason: str) -> Rectification:
    """A supervisor decides an appeal: upheld, the rating is removed (kept, marked void, reasons
    kept); rejected, the work order goes back to the department."""
    rect = _for_supervisor(actor, rectification_id)
    reason = _text(reason, "reason", "复核意见")
    if rect.status != RectStatus.APPEALED:
        raise Conflict(f"整改工单当前为“{rect.get_status_display()}”，没有待复核的申诉", field="status")
    now = clock.now()
    rect.review_reason, rect.reviewed_by = reason, actor
    if uphold:
        rect.closed_at = now
        _move(
            rect,
            RectStatus.VOIDED,
            actor=actor,
            action="void",
            reason=reason,
            fields=["review_reason", "reviewed_by", "closed_at"],
        )
        evaluation = rect.evaluation
        DepartmentRating.objects.filter(evaluation=evaluation, department_id=rect.department_id).update(
            voided_at=now
        )
        if rect.overall:
            evaluation.voided_at, evaluation.voided_reason = now, reason
            evaluation.save(update_fields=["voided_at", "voided_reason", "updated_at"])
        notify_applicant(
            case=rect.case,
            kind="feedback_voided",
            subject="评价复核结果",
            body=f"您对{rect.department.name}的评价经监督员复核不予采信，理由：{reason}",
        )
    else:
        _move(
            rect,
            RectStatus.OPEN,
            actor=actor,
            action="appeal_rejected",
            reason=reason,
            fields=["review_reason", "reviewed_by"],
        )
        _tell_department(rect, rect.case)
    _ledger(
        "feedback.rectification",
        actor=_staff_actor(actor),
        subject=rect.pk,
        case=rect.case,
        payload={"action": "void" if uphold else "appeal_rejected"},
    )
    return rect


@unit_of_work
def rectification_close(*, actor: Any, rectification_id: Any, reason: str) -> Rectification:
    """A supervisor closes an answered work order the applicant did not re-rate, saying why."""
    rect = _for_supervisor(actor, rectification_id)
    reason = _text(reason, "reason", "关闭理由")
    if rect.status != RectStatus.ANSWERED:
        raise Conflict("只有已答复并回访的整改工单可以关闭", field="status")
    rect.closed_at = clock.now()
    _move(rect, RectStatus.CLOSED, actor=actor, action="close", reason=reason, fields=["closed_at"])
    _ledger(
        "feedback.rectification",
        actor=_staff_actor(actor),
        subject=rect.pk,
        case=rect.case,
        payload={"action": "close"},
    )
    return rect


def rectifications_escalate_overdue(*, today: dt.date | None = None) -> int:
    """督办: every open work order past its deadline, once (idempotent: `escalated_at`), each in
    its own transaction; supervisors over the department are told. Returns how many escalated."""
    today = today or clock.today()
    ids = list(
        Rectification.objects.filter(status=RectStatus.OPEN, due_on__lt=today, escalated_at=None).values_list(
            "pk", flat=True
        )
    )
    done = 0
    for pk in ids:
        done += _escalate(pk, today)
    return done


@unit_of_work
def _escalate(pk: Any, today: dt.date) -> int:
    rect = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("department__region", "case")
        .filter(Q(pk=pk), status=RectStatus.OPEN, due_on__lt=today, escalated_at=None)
        .first()
    )
    if rect is None:
        return 0
    rect.escalated_at = clock.now()
    rect.save(update_fields=["escalated_at", "updated_at"])
    _history(
        rect,
        to=rect.status,
        actor=None,
        action="escalate",
        label="系统",
        reason=f"超过整改期限 {rect.due_on:%Y-%m-%d}，已督办",
    )
    notify_staff(
        users=[*supervisors_over(rect.department.region.code), *_deciders(rect.department_id)],
        case=rect.case,
        kind="feedback_overdue",
        subject="差评整改超期督办",
        body=f"{rect.department.name}的整改工单已超过期限（{rect.due_on:%Y-%m-%d}）仍未答复。",
    )
    _ledger(
        "feedback.rectification",
        actor="system:onego",
        subject=rect.pk,
        case=rect.case,
        payload={"action": "escalate"},
    )
    return 1
