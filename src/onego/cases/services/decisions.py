"""Department work on sub-cases: claim, approve, reject, reassign; sole approvers; the window clerk
for 一类 items; review of instant decisions; partner reports.

Every service: access check (NotFound / PermissionDenied with the department's name), then the
Case row lock and the SubCase row lock (in that order), an optional version check, the move
through `workflow.change_status` with its history row, the ledger entry for decisions, and the
follow-up (prerequisites released or cancelled, the join) — all in one transaction.

Two officers acting on one sub-case at once: the second waits for the first's lock, then finds the
sub-case moved on and gets a Conflict saying who did what.
"""

from __future__ import annotations

from typing import Any

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.selectors import staff_of
from onego.cases.access import SubCaseRef, access_case_by_id, access_subcase_ref_for_officer, parse_uuid
from onego.cases.models import Case, Conclusion, InstantDecision, SubCase, SubCaseKind
from onego.cases.services.common import (
    check_version,
    ensure_case_running,
    ledger_actor,
    lock_subcase,
    record_decision,
    staff_label,
    text_digest,
)
from onego.cases.services.deadlines import refresh_subcase_deadlines
from onego.cases.services.distribution import apply_decision, follow_decision
from onego.cases.services.inspection import ensure_inspected
from onego.cases.services.produced import void_produced_values
from onego.cases.workflow import (
    SUBCASE_DECIDED,
    CaseStatus,
    InvalidTransition,
    SubCaseStatus,
    actor_label,
    change_status,
    check_subcase_transition,
    record_event,
)
from onego.core import clock
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.core.services import working_calendar
from onego.core.uow import unit_of_work

S = SubCaseStatus


def _label(actor: Any, subcase: SubCase) -> str:
    return staff_label(actor, subcase.department.name if subcase.department else "")


def _ledger_as(actor: Any, subcase: SubCase) -> str:
    return ledger_actor(actor, subcase.department.code if subcase.department else "")


def _already_decided(subcase: SubCase) -> InvalidTransition:
    who = f"（{subcase.decided_by_label}）" if subcase.decided_by_label else ""
    return InvalidTransition(
        f"“{subcase.name}”已{SubCaseStatus(subcase.status).label}{who}，不能重复办理", field="status"
    )


def _claimed_by_other(subcase: SubCase) -> Conflict:
    return Conflict(f"“{subcase.name}”已由{actor_label(subcase.assignee)}认领办理", field="assignee")


@unit_of_work
def subcase_claim(*, actor: Any, subcase_id: Any, expected_version: int | None = None) -> SubCase:
    seen = access_subcase_ref_for_officer(actor, subcase_id)
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    ensure_case_running(case)
    check_version(subcase, expected_version)
    if subcase.status == S.CLAIMED:
        if subcase.assignee_id == actor.pk:
            return subcase
        raise _claimed_by_other(subcase)
    if subcase.status in (S.APPROVED, S.REJECTED, S.CANCELLED):
        raise _already_decided(subcase)
    if subcase.status == S.REGISTERED:
        raise InvalidTransition("三类事项须先由本部门受理，再认领办理", field="status")
    subcase.assignee = actor
    subcase.claimed_at = clock.now()
    change_status(
        subcase,
        S.CLAIMED,
        actor=actor,
        label=_label(actor, subcase),
        action="claim",
        extra_fields=["assignee", "claimed_at"],
    )
    return subcase


def _decide(
    *, actor: Any, subcase_id: Any, approve: bool, opinion: str, expected_version: int | None
) -> SubCase:
    opinion = opinion.strip()
    if not approve and not opinion:
        raise ValidationFailed("不予许可必须说明理由", field="opinion")
    opinion = opinion or "同意"
    seen = access_subcase_ref_for_officer(actor, subcase_id)
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    ensure_case_running(case)
    check_version(subcase, expected_version)
    verb = "approve" if approve else "reject"
    if subcase.status in (S.APPROVED, S.REJECTED, S.CANCELLED):
        raise _already_decided(subcase)
    if subcase.status == S.CLAIMED:
        if subcase.assignee_id != actor.pk:
            raise _claimed_by_other(subcase)
        action = verb
    elif subcase.status == S.PENDING and subcase.sole_approver:
        # 独任审批: one officer reviews and decides in one step (审核合一).
        subcase.assignee = actor
        action = f"sole_{verb}"
    elif subcase.status == S.PENDING:
        raise InvalidTransition(f"请先认领“{subcase.name}”，再作出决定", field="status")
    elif subcase.status == S.REGISTERED and not approve:
        action = "refuse_acceptance"  # 三类: the department declines to accept it
    else:
        check_subcase_transition(subcase.status, S.APPROVED if approve else S.REJECTED)
        action = verb
    if approve:
        ensure_inspected(subcase)  # 联合踏勘: no approval before the department's findings exist
    apply_decision(
        case,
        subcase,
        approve=approve,
        opinion=opinion,
        user=actor,
        label=_label(actor, subcase),
        action=action,
        ledger_as=_ledger_as(actor, subcase),
        calendar=working_calendar(),
        today=clock.today(),
    )
    return subcase


@unit_of_work
def subcase_approve(
    *, actor: Any, subcase_id: Any, opinion: str = "", expected_version: int | None = None
) -> SubCase:
    """准予. The assignee decides a claimed sub-case; a sole-approver item is decided from the inbox."""
    return _decide(
        actor=actor, subcase_id=subcase_id, approve=True, opinion=opinion, expected_version=expected_version
    )


@unit_of_work
def subcase_reject(
    *, actor: Any, subcase_id: Any, opinion: str, expected_version: int | None = None
) -> SubCase:
    """不予, with the reason. Sub-cases waiting on this one are cancelled with that reason."""
    return _decide(
        actor=actor, subcase_id=subcase_id, approve=False, opinion=opinion, expected_version=expected_version
    )


@unit_of_work
def subcase_decide_at_window(*, actor: Any, subcase_id: Any, approve: bool, opinion: str = "") -> SubCase:
    """一类: the clerk who accepted the case at the counter decides the item there and then."""
    opinion = opinion.strip()
    if not approve and not opinion:
        raise ValidationFailed("不予许可必须说明理由", field="opinion")
    pk = parse_uuid(subcase_id)  # a malformed id is "not found", never a database error
    seen = SubCase.objects.filter(pk=pk).values_list("case_id", flat=True).first() if pk else None
    if seen is None:
        raise NotFound("没有找到该子件", field="subcase")
    access_case_by_id(actor, seen)
    case, subcase = lock_subcase(subcase_id, case_id=seen)
    if subcase.kind != SubCaseKind.ITEM or subcase.window_class != 1:
        raise PermissionDenied(f"“{subcase.name}”不是一类事项，须由{_dept(subcase)}办理", field="subcase")
    if not case.accepted_at_counter or case.accepted_by_id != actor.pk:
        raise PermissionDenied("一类事项由窗口受理该办件的受理员当场办理", field="subcase")
    ensure_case_running(case)
    if subcase.status in (S.APPROVED, S.REJECTED, S.CANCELLED):
        raise _already_decided(subcase)
    if subcase.status != S.PENDING:
        check_subcase_transition(subcase.status, S.APPROVED if approve else S.REJECTED)
    if approve:
        ensure_inspected(subcase)
    subcase.assignee = actor
    department = case.accepting_department.name if case.accepting_department else ""
    apply_decision(
        case,
        subcase,
        approve=approve,
        opinion=opinion or "同意",
        user=actor,
        label=staff_label(actor, department),
        action="window_decide",
        ledger_as=ledger_actor(actor, case.accepting_department.code if case.accepting_department else ""),
        calendar=working_calendar(),
        today=clock.today(),
    )
    return subcase


def _dept(subcase: SubCase | SubCaseRef) -> str:
    return subcase.department.name if subcase.department else "实施部门"


@unit_of_work
def subcase_reassign(
    *, actor: Any, subcase_id: Any, to_user: Any, reason: str, expected_version: int | None = None
) -> SubCase:
    """转办 within the department: by its lead officer, or by the current assignee."""
    if not reason.strip():
        raise ValidationFailed("请说明转办原因", field="reason")
    staff = staff_of(actor)
    seen = access_subcase_ref_for_officer(actor, subcase_id, staff=staff)
    if not staff.has(seen.department_id, [Role.LEAD_OFFICER]) and seen.assignee_id != actor.pk:
        raise PermissionDenied("只有本部门负责人或当前承办人可以转办", field="subcase")
    if to_user is None or not staff_of(to_user).has(seen.department_id, DECIDING_ROLES):
        raise ValidationFailed(f"转办对象须为{_dept(seen)}的审批人员", field="to_user")
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    ensure_case_running(case)
    check_version(subcase, expected_version)
    text = f"转交{actor_label(to_user)}办理：{reason.strip()}"
    label = _label(actor, subcase)
    subcase.assignee = to_user
    if subcase.status == S.PENDING:
        subcase.claimed_at = clock.now()
        change_status(
            subcase,
            S.CLAIMED,
            actor=actor,
            label=label,
            action="assign",
            reason=text,
            extra_fields=["assignee", "claimed_at"],
        )
    elif subcase.status in (S.CLAIMED, S.SUPPLEMENT, S.SPECIAL_PROCEDURE):
        subcase.save(update_fields=["assignee", "updated_at"])
        record_event(subcase, actor=actor, label=label, action="reassign", reason=text)
    elif subcase.status in (S.APPROVED, S.REJECTED, S.CANCELLED):
        raise _already_decided(subcase)
    else:
        raise InvalidTransition(
            f"“{subcase.name}”当前为“{SubCaseStatus(subcase.status).label}”，不能转办", field="status"
        )
    return subcase


@unit_of_work
def subcase_review_instant(*, actor: Any, subcase_id: Any, uphold: bool, opinion: str) -> InstantDecision:
    """An officer reviews an automatic decision: upholds it, or overturns it and decides by hand.

    Overturning is possible while the case is not concluded and nothing after this item has
    started: the sub-case is reopened for the reviewer, items released by it wait again, a number
    its approval had a registry assign is voided (`produced.void_produced_values`), and a prepared
    (not yet issued) conclusion is withdrawn. After that, correcting a decision is a
    legal procedure (撤销), not a button.
    """
    if not opinion.strip():
        raise ValidationFailed("请填写复核意见", field="opinion")
    seen = access_subcase_ref_for_officer(actor, subcase_id)
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    decision = InstantDecision.objects.select_for_update().filter(subcase=subcase).first()
    if decision is None:
        raise NotFound("该子件没有秒批记录", field="subcase")
    if decision.reviewed_at is not None:
        raise Conflict(f"该秒批决定已于 {decision.reviewed_at:%Y-%m-%d %H:%M} 复核", field="subcase")
    label = _label(actor, subcase)
    decision.reviewed_by = actor
    decision.reviewed_at = clock.now()
    decision.review_opinion = opinion.strip()
    if uphold:
        decision.review_verdict = "upheld"
        decision.save()
        record_event(subcase, actor=actor, label=label, action="instant_upheld", reason=opinion.strip())
        return decision
    if not decision.approved or subcase.status != S.APPROVED:
        raise InvalidTransition("该事项未由秒批准予，无需撤回", field="status")
    if case.status not in (CaseStatus.IN_PROGRESS, CaseStatus.SUPPLEMENT, CaseStatus.READY_TO_CONCLUDE):
        raise InvalidTransition("办件已办结，秒批决定不能在此撤回，请依法定程序撤销", field="status")
    _hold_dependants(case, subcase, actor=actor, label=label)
    if case.status == CaseStatus.READY_TO_CONCLUDE:
        Conclusion.objects.filter(case=case, issued_at=None).delete()
        change_status(
            case,
            CaseStatus.IN_PROGRESS,
            actor=actor,
            label=label,
            action="reopen",
            reason="秒批决定撤回复核，撤回待出具的结论",
        )
    decision.review_verdict = "overturned"
    decision.save()
    subcase.assignee = actor
    subcase.claimed_at = clock.now()
    subcase.opinion = ""
    subcase.decided_by = None
    subcase.decided_by_label = ""
    subcase.decided_at = None
    change_status(
        subcase,
        S.CLAIMED,
        actor=actor,
        label=label,
        action="instant_overturned",
        reason=f"撤回秒批决定，转人工办理：{opinion.strip()}",
        extra_fields=["assignee", "claimed_at", "opinion", "decided_by", "decided_by_label", "decided_at"],
    )
    void_produced_values(case, subcase, actor=actor, reason=opinion.strip())
    record_decision(
        case=case,
        actor=_ledger_as(actor, subcase),
        subject=f"subcase:{subcase.pk}",
        decision="subcase.instant_overturned",
        payload={
            "item": subcase.code,
            "rule": decision.rule_code,
            "opinion_sm3": text_digest(opinion.strip()),
        },
    )
    refresh_subcase_deadlines(subcase, calendar=working_calendar(), today=clock.today())
    return decision


def _hold_dependants(case: Case, subcase: SubCase, *, actor: Any, label: str) -> None:
    dependants = [
        s for s in SubCase.objects.select_for_update().filter(case=case) if subcase.code in s.prerequisites
    ]
    started = [s for s in dependants if s.status not in (S.WAITING, S.PENDING, S.REGISTERED)]
    if started:
        names = "、".join(f"“{s.name}”" for s in started)
        raise Conflict(f"后续事项{names}已开始办理，不能撤回该秒批决定，请依法定程序撤销", field="subcase")
    for dep in dependants:
        if dep.status == S.WAITING:
            continue
        dep.case = case
        dep.clock_started_on = None
        dep.promised_due = dep.legal_due = None
        dep.check_token += 1
        change_status(
            dep,
            S.WAITING,
            actor=actor,
            label=label,
            action="hold",
            reason=f"前置事项“{subcase.name}”的秒批决定撤回复核，本事项重新等待",
            extra_fields=["clock_started_on", "promised_due", "legal_due", "check_token"],
        )


PARTNER_OUTCOMES = {"started": S.CLAIMED, "done": S.APPROVED, "failed": S.REJECTED}


@unit_of_work
def subcase_partner_report(
    *, partner: str, subcase_id: Any, outcome: str, reference: str = "", note: str = ""
) -> SubCase:
    """A partner (bank, utility) reports progress on its step. The signed partner API calls this
    after verifying the signature and that `partner` owns the step; nothing else should."""
    subcase, _ = partner_report(
        partner=partner, subcase_id=subcase_id, outcome=outcome, reference=reference, note=note
    )
    return subcase


def partner_report(
    *,
    partner: str,
    subcase_id: Any,
    outcome: str,
    reference: str = "",
    note: str = "",
    case_id: Any = None,
) -> tuple[SubCase, bool]:
    """`subcase_partner_report` in the caller's unit of work; also says whether anything changed.
    `case_id`: the sub-case's case when the caller has it already (the delivery row), saving a read."""
    if outcome not in PARTNER_OUTCOMES:
        raise ValidationFailed(f"结果应为：{'、'.join(PARTNER_OUTCOMES)}", field="outcome")
    case, subcase = lock_subcase(subcase_id, case_id=case_id)
    if subcase.kind != SubCaseKind.PARTNER:
        raise NotFound("没有找到该合作机构环节", field="subcase")
    to = PARTNER_OUTCOMES[outcome]
    if subcase.status == to:
        return subcase, False  # a repeated callback: nothing new
    if subcase.status in SUBCASE_DECIDED:
        # A late "started" must not reopen a finished step (APPROVED → CLAIMED is for 秒批 review).
        raise _already_decided(subcase)
    label = f"合作机构 {partner}"
    if reference:
        subcase.external_ref = reference[:120]
    extra = ["external_ref"]
    if to != S.CLAIMED:
        subcase.opinion = note or ("已办理" if to == S.APPROVED else "办理失败")
        subcase.decided_by_label = label
        subcase.decided_at = clock.now()
        extra += ["opinion", "decided_by_label", "decided_at"]
    change_status(
        subcase, to, actor=None, label=label, action=f"partner_{outcome}", reason=note, extra_fields=extra
    )
    if to != S.CLAIMED:
        follow_decision(case, subcase, actor=None, calendar=working_calendar(), today=clock.today())
    return subcase, True
