"""The join and the one conclusion (一张结论).

`fire_join` runs after every sub-case decision, with the Case row already locked by the caller
(services/common.py: case first, then sub-cases). Under that lock it reads the item sub-cases'
statuses and applies the pure rule `workflow.join_outcome`; the first caller that sees them all
decided creates the Conclusion and moves the case to READY_TO_CONCLUDE. Everyone after it finds
the case no longer IN_PROGRESS and does nothing. The one-to-one Conclusion.case is the backstop.

`case_issue_conclusion` is the lead department's act: it issues the prepared conclusion with
every department's opinion, and hands over to the results step (cases/results.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onego.accounts.models import Role
from onego.accounts.selectors import members_of, staff_of
from onego.cases.access import access_case_ref_by_id
from onego.cases.models import Case, Conclusion, DeliveryMethod, SubCase, SubCaseKind
from onego.cases.results import produce_results
from onego.cases.services.common import check_version, ledger_actor, lock_case, record_decision, text_digest
from onego.cases.services.notify import notify_applicant, notify_staff
from onego.cases.workflow import (
    CaseStatus,
    InvalidTransition,
    Outcome,
    SubCaseStatus,
    change_status,
    join_outcome,
)
from onego.core import clock
from onego.core.errors import PermissionDenied, ValidationFailed
from onego.core.uow import unit_of_work


def _opinions(items: Sequence[SubCase]) -> list[dict[str, Any]]:
    return [
        {
            "code": s.code,
            "name": s.name,
            "department": s.department.name if s.department else "",
            "status": s.status,
            "status_label": SubCaseStatus(s.status).label,
            "opinion": s.opinion,
            "decided_by": s.decided_by_label,
            "decided_at": s.decided_at.isoformat() if s.decided_at else None,
        }
        for s in sorted(items, key=lambda s: (s.stage, s.code))
    ]


def _items(case: Case) -> list[SubCase]:
    return list(SubCase.objects.filter(case=case, kind=SubCaseKind.ITEM).select_related("department"))


def fire_join(case: Case, *, items: Sequence[SubCase] | None = None) -> Conclusion | None:
    """Prepare the conclusion if every item sub-case is decided. The caller holds the case lock.

    `items`: the case's item sub-cases as the caller holds them, locked and current (see
    `common.locked_subcases`); otherwise they are read here.
    """
    if case.status != CaseStatus.IN_PROGRESS:
        return None
    items = list(items) if items is not None else _items(case)
    outcome = join_outcome(s.status for s in items)
    if outcome is None:
        return None
    opinions = _opinions(items)
    approved = sum(1 for o in opinions if o["status"] == SubCaseStatus.APPROVED)
    # No conclusion can exist yet: the case is IN_PROGRESS under our lock, and overturning an instant
    # decision (the one way back here) deletes the unissued one. The one-to-one key is the backstop:
    # it would fail this whole action rather than prepare a second conclusion.
    conclusion = Conclusion.objects.create(
        case=case,
        outcome=outcome,
        opinions=opinions,
        issuing_department_id=case.lead_department_id,
        delivery_method=case.delivery_method,
    )
    summary = f"各事项均已作出决定：准予 {approved} 项，未准予 {len(opinions) - approved} 项（{Outcome(outcome).label}）"
    change_status(case, CaseStatus.READY_TO_CONCLUDE, actor=None, label="系统", action="join", reason=summary)
    if case.lead_department_id is not None:
        notify_staff(
            users=members_of(case.lead_department_id, [Role.LEAD_OFFICER]),
            case=case,
            kind="ready_to_conclude",
            subject="办件待出具结论",
            body=f"办件 {case.reference}（{case.package_name}）{summary}，请牵头部门出具结论。",
        )
    return conclusion


@unit_of_work
def case_issue_conclusion(
    *,
    actor: Any,
    case_id: Any,
    summary: str = "",
    delivery_method: str | None = None,
    expected_version: int | None = None,
) -> Conclusion:
    """The lead department issues the one conclusion with every department's opinion."""
    staff = staff_of(actor)
    seen = access_case_ref_by_id(actor, case_id, staff=staff)
    if seen.lead_department_id is None or not staff.has(seen.lead_department_id, [Role.LEAD_OFFICER]):
        lead = seen.lead_department.name if seen.lead_department else "牵头部门"
        raise PermissionDenied(f"结论由牵头部门（{lead}）负责人出具", field="case")
    if delivery_method is not None and delivery_method not in DeliveryMethod.values:
        raise ValidationFailed(f"送达方式应为：{'、'.join(DeliveryMethod.labels)}", field="delivery_method")
    case = lock_case(seen.pk, related=("lead_department",))
    check_version(case, expected_version)
    if case.status != CaseStatus.READY_TO_CONCLUDE:
        if case.status == CaseStatus.CONCLUDED:
            raise InvalidTransition("该办件已出具结论，不能重复出具", field="status")
        raise InvalidTransition(
            f"还有事项未作出决定，办件当前为“{CaseStatus(case.status).label}”，暂不能出具结论", field="status"
        )
    conclusion = Conclusion.objects.select_for_update().get(case=case)
    now = clock.now()
    conclusion.issued_by = actor
    conclusion.issued_at = now
    conclusion.summary = summary.strip() or Outcome(conclusion.outcome).label
    conclusion.opinions = _opinions(_items(case))
    if delivery_method:
        conclusion.delivery_method = delivery_method
    conclusion.save()
    case.concluded_at = now
    outcome = Outcome(conclusion.outcome)
    change_status(
        case,
        CaseStatus.CONCLUDED,
        actor=actor,
        action="conclude",
        reason=f"出具结论：{outcome.label}。{conclusion.summary}",
        extra_fields=["concluded_at"],
    )
    record_decision(
        case=case,
        actor=ledger_actor(actor, case.lead_department.code if case.lead_department else ""),
        subject=f"conclusion:{conclusion.pk}",
        decision=f"conclusion.{outcome.value}",
        payload={
            "items": {o["code"]: o["status"] for o in conclusion.opinions},
            "summary_sm3": text_digest(conclusion.summary),
        },
    )
    produce_results(conclusion=conclusion)
    lines = [
        f"{o['name']}（{o['department']}）：{o['status_label']}。{o['opinion']}" for o in conclusion.opinions
    ]
    notify_applicant(
        case=case,
        kind="concluded",
        subject=f"办件已办结（{outcome.label}）",
        body=f"您申请的“{case.package_name}”已办结，结论：{outcome.label}。\n" + "\n".join(lines),
    )
    return conclusion
