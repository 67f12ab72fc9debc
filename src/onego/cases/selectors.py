"""Reads of cases: the timeline, a case as staff and applicants see it, department inboxes, and the
printable one-time notice. Callers obtain the case through `access.py` first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.template.loader import render_to_string

from onego.accounts.models import DECIDING_ROLES
from onego.accounts.selectors import staff_of
from onego.cases import sla
from onego.cases.access import region_prefix
from onego.cases.identity import unseal
from onego.cases.models import (
    Case,
    CaseTransition,
    Conclusion,
    InstantDecision,
    Material,
    Notification,
    OneTimeNotice,
    SubCase,
    SubCaseKind,
    SubCaseTransition,
    Supplement,
    SupplementStatus,
)
from onego.cases.workflow import SUBCASE_ACTIVE, SUBCASE_PAUSED, CaseStatus, SubCaseStatus
from onego.core.workdays import WorkingCalendar

PROVISIONAL_NOTE = "暂定，待国务院公布该年放假安排后确定"

ACTION_LABELS = {
    "registry_assign": "登记赋码",
    "registry_void": "赋码作废",
    "create": "创建申请",
    "submit": "提交申请",
    "pre_review": "预审",
    "correct": "补齐后重新提交",
    "draft_check": "窗口预审（草稿检查）",
    "channel": "转换办理渠道",
    "accept": "受理",
    "refuse": "不予受理",
    "distribute": "分发",
    "wait": "等待前置事项",
    "register": "窗口登记",
    "department_accept": "部门受理",
    "claim": "认领",
    "assign": "分派",
    "reassign": "转办",
    "approve": "准予",
    "reject": "不予",
    "sole_approve": "独任审批准予",
    "sole_reject": "独任审批不予",
    "window_decide": "窗口办结",
    "refuse_acceptance": "部门不予受理",
    "instant_approve": "秒批准予",
    "instant_referred": "转人工办理",
    "instant_upheld": "秒批复核维持",
    "instant_overturned": "秒批撤回复核",
    "hold": "重新等待",
    "reopen": "重新办理",
    "cancel": "取消",
    "request_supplement": "要求补正",
    "supplement_answered": "已补正",
    "special_procedure": "特别程序",
    "special_procedure_end": "特别程序结束",
    "escalate": "超期督办",
    "deadline_changed": "期限调整",
    "join": "汇总各部门决定",
    "conclude": "出具结论",
    "results": "生成办理结果",
    "deliver": "结果送达",
    "withdraw": "撤回",
    "link_online": "关联网上账号",
    "partner_started": "合作机构开始办理",
    "partner_done": "合作机构办理完成",
    "partner_failed": "合作机构办理失败",
    "partner_dispatched": "交合作机构办理",
    "partner_sent": "已送达合作机构",
    "partner_retry": "发送失败，稍后重试",
    "partner_escalate": "合作机构环节督办",
    "partner_resend": "重新发送合作机构",
    "inspection_scheduled": "安排联合踏勘",
    "inspection_findings": "踏勘意见",
    "inspection_held": "联合踏勘完成",
    "inspection_cancelled": "取消联合踏勘",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    who: str
    action: str
    action_label: str
    subject: str  # "办件" or the sub-case's name
    from_status: str
    to_status: str
    from_label: str
    to_label: str
    reason: str


def _status_label(kind: type[CaseStatus] | type[SubCaseStatus], value: str) -> str:
    try:
        return str(kind(value).label)
    except ValueError:
        return value


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Every transition of the case and its sub-cases, oldest first: who, when, from → to, why."""
    entries = [
        TimelineEntry(
            at=t.at,
            who=t.actor_label,
            action=t.action,
            action_label=ACTION_LABELS.get(t.action, t.action),
            subject="办件",
            from_status=t.from_status,
            to_status=t.to_status,
            from_label=_status_label(CaseStatus, t.from_status),
            to_label=_status_label(CaseStatus, t.to_status),
            reason=t.reason,
        )
        for t in CaseTransition.objects.filter(case=case)
    ]
    entries += [
        TimelineEntry(
            at=t.at,
            who=t.actor_label,
            action=t.action,
            action_label=ACTION_LABELS.get(t.action, t.action),
            subject=t.subcase.name,
            from_status=t.from_status,
            to_status=t.to_status,
            from_label=_status_label(SubCaseStatus, t.from_status),
            to_label=_status_label(SubCaseStatus, t.to_status),
            reason=t.reason,
        )
        for t in SubCaseTransition.objects.filter(case=case).select_related("subcase")
    ]
    return sorted(entries, key=lambda e: e.at)


@dataclass(frozen=True)
class DeadlineView:
    promised_due: dt.date | None
    legal_due: dt.date | None
    provisional: bool
    colour: sla.Colour
    days_left: int | None
    note: str


def deadline_view(
    calendar: WorkingCalendar, today: dt.date, obj: Case | SubCase, *, running: bool, paused: bool
) -> DeadlineView:
    colour: sla.Colour = sla.colour(calendar, today, obj.promised_due, paused=paused) if running else "none"
    return DeadlineView(
        promised_due=obj.promised_due,
        legal_due=obj.legal_due,
        provisional=obj.deadline_provisional,
        colour=colour,
        days_left=sla.working_days_left(calendar, today, obj.promised_due) if running else None,
        note=PROVISIONAL_NOTE if obj.deadline_provisional else "",
    )


@dataclass
class CaseView:
    case: Case
    deadline: DeadlineView
    subcases: list[tuple[SubCase, DeadlineView]]
    timeline: list[TimelineEntry]
    notices: list[OneTimeNotice]
    open_supplement: Supplement | None
    materials: list[Material]
    conclusion: Conclusion | None
    instant_decisions: dict[Any, InstantDecision] = field(default_factory=dict)


def case_view(case: Case, *, calendar: WorkingCalendar, today: dt.date) -> CaseView:
    subcases = list(SubCase.objects.filter(case=case).select_related("department", "assignee"))
    case_running = case.status in (CaseStatus.IN_PROGRESS, CaseStatus.SUPPLEMENT)
    return CaseView(
        case=case,
        deadline=deadline_view(
            calendar, today, case, running=case_running, paused=case.promised_due is None and case_running
        ),
        subcases=[
            (
                s,
                deadline_view(
                    calendar,
                    today,
                    s,
                    running=s.status in SUBCASE_ACTIVE and s.clock_started_on is not None,
                    paused=s.status in SUBCASE_PAUSED,
                ),
            )
            for s in subcases
        ],
        timeline=case_timeline(case),
        notices=list(OneTimeNotice.objects.filter(case=case)),
        open_supplement=Supplement.objects.filter(case=case, status=SupplementStatus.OPEN).first(),
        materials=list(Material.objects.filter(case=case, replaced_at=None)),
        conclusion=Conclusion.objects.filter(case=case).first(),
        instant_decisions={d.subcase_id: d for d in InstantDecision.objects.filter(subcase__case=case)},
    )


def inbox(
    user: Any,
    *,
    department_code: str | None = None,
    region_code: str | None = None,
    statuses: Iterable[str] | None = None,
) -> QuerySet[SubCase]:
    """Sub-cases waiting on the officer's departments, soonest due first (paused ones last)."""
    departments = staff_of(user).departments(DECIDING_ROLES)
    qs = SubCase.objects.filter(department_id__in=departments, kind=SubCaseKind.ITEM).select_related(
        "case__region", "department", "assignee"
    )
    if department_code:
        qs = qs.filter(department__code=department_code)
    if region_code:
        qs = qs.filter(case__region__code__startswith=region_prefix(region_code))
    qs = qs.filter(status__in=list(statuses) if statuses else list(SUBCASE_ACTIVE))
    return qs.order_by(F("promised_due").asc(nulls_last=True), "created_at", "pk")  # pk: pages stable


def cases_of_applicant(applicant_index: str) -> QuerySet[Case]:
    """Every case of one applicant (by blind index), newest first: online and counter alike."""
    return (
        Case.objects.filter(applicant_index=applicant_index).select_related("region").order_by("-created_at")
    )


@dataclass(frozen=True)
class AppliedMessage:
    """One message sent to an applicant about a case, as the message centre lists it (SMS and e-mail of
    the same step are one message)."""

    at: dt.datetime
    case: Case
    subject: str
    body: str
    channels: tuple[str, ...]
    delivered: bool


def messages_of_applicant(applicant_index: str, *, limit: int = 200) -> list[AppliedMessage]:
    """What was sent to the applicant (SMS, e-mail), newest first, so it can also be read on the site."""
    rows = (
        Notification.objects.filter(to_applicant=True, case__applicant_index=applicant_index)
        .select_related("case")
        .order_by("-created_at")[: limit * 2]
    )
    grouped: dict[tuple[Any, str, str], list[Notification]] = {}
    for row in rows:
        grouped.setdefault((row.case_id, row.kind, row.body), []).append(row)
    out = [
        AppliedMessage(
            at=min(r.created_at for r in group),
            case=group[0].case,  # type: ignore[arg-type]
            subject=group[0].subject,
            body=group[0].body,
            channels=tuple(sorted({r.get_channel_display() for r in group})),
            delivered=any(r.status == "sent" for r in group),
        )
        for group in grouped.values()
    ]
    return sorted(out, key=lambda m: m.at, reverse=True)[:limit]


def listed_for_applicant(case: Case) -> bool:
    """Whether the applicant's case list shows `case`: drafts are listed as drafts (with 继续办理), and
    a draft withdrawn before it was ever submitted is a discarded attempt (the answers changed), not a case."""
    if case.status == CaseStatus.DRAFT:
        return False
    return not (case.status == CaseStatus.WITHDRAWN and case.submitted_at is None)


def notice_context(notice: OneTimeNotice) -> dict[str, Any]:
    case = notice.case
    return {
        "notice": notice,
        "case": case,
        "problems": notice.problems,
        "issuer": case.accepting_department.name if case.accepting_department else "政务服务中心",
        # An official document: the applicant's full name (the ID number stays masked).
        "applicant": applicant_shown(case, full=True),
    }


@dataclass(frozen=True)
class ApplicantShown:
    name: str
    identifier_masked: str
    full: bool


def applicant_shown(case: Case, *, full: bool) -> ApplicantShown:
    """The applicant as a page or document shows them: the name in full for those entitled (the owner,
    the clerk at the counter, official documents), masked for everyone else. The ID number stays masked."""
    if full:
        identity = unseal(case.applicant_sealed) if case.applicant_sealed else {}
        name = str(identity.get("name") or case.applicant_display) if isinstance(identity, dict) else ""
        return ApplicantShown(name or case.applicant_display, case.applicant_id_masked, True)
    return ApplicantShown(case.applicant_display, case.applicant_id_masked, False)


def one_time_notice_html(notice: OneTimeNotice, *, csp_nonce: str = "") -> str:
    """The printable notice (一次性告知书), as a standalone HTML page; `csp_nonce` lets its one inline
    style block pass the Content-Security-Policy when it is served (onego.core.middleware)."""
    return render_to_string("cases/one_time_notice.html", {**notice_context(notice), "csp_nonce": csp_nonce})


def one_time_notice_text(notice: OneTimeNotice) -> str:
    case = notice.case
    lines = [
        f"一次性告知书（第{notice.number}号）",
        f"办件编号：{case.reference}",
        f"申请事项：{case.package_name}",
        f"申请人：{applicant_shown(case, full=True).name}",
        f"告知时间：{notice.issued_at:%Y-%m-%d %H:%M}",
        "",
        f"您的申请经预审，尚有以下{len(notice.problems)}项需补齐或更正，请一次性补齐后重新提交：",
        *[f"{i}. {p['message']}" for i, p in enumerate(notice.problems, 1)],
        "",
        "已提交的其他内容无需重复提交。",
    ]
    return "\n".join(lines)


# A task still RUNNING this long after it started belongs to a worker that died (the tasks here
# take seconds). Its work is recovered by `onego cases tick`; the row only tells that it happened.
STALE_TASK_AFTER = dt.timedelta(minutes=30)


def stale_running_tasks(*, now: dt.datetime, older_than: dt.timedelta = STALE_TASK_AFTER) -> int:
    """How many background tasks are still marked running long after they started (either queue)."""
    from onego.core.tasks import stale_running_count

    return stale_running_count(started_before=now - older_than)
