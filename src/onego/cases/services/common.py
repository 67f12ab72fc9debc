"""What every case service shares: row locks in one order, version checks, the ledger record.

Lock order, everywhere: the Case row first, then its SubCase rows (ledger entries are written
pending and take no lock; docs/ledger.md). One order means two transactions never wait on each other in a circle; locking the
case for every sub-case decision is also what makes the join fire exactly once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from onego.cases.models import Case, SubCase
from onego.cases.workflow import CaseStatus, InvalidTransition, actor_label
from onego.core import fastsql
from onego.core.errors import Conflict, NotFound
from onego.ledger.services import ledger_record


def lock_case(case_id: Any, *, related: tuple[str, ...] = ()) -> Case:
    """The Case row, locked. `related`: rows to read along (not locked: only the case is)."""
    if related:  # (select_related() with no names would follow every foreign key)
        case = (
            Case.objects.select_for_update(of=("self",)).select_related(*related).filter(pk=case_id).first()
        )
    else:
        case = fastsql.locked(Case, case_id)
    if case is None:
        raise NotFound("没有找到该办件", field="case")
    return case


def lock_subcase(subcase_id: Any, *, case_id: Any = None) -> tuple[Case, SubCase]:
    """The case (locked first) and the sub-case (locked second, with its siblings), freshly read.

    `case_id`, when the caller has just read it (an access check), saves looking it up; a
    sub-case never moves to another case, so it cannot be stale.
    """
    if case_id is None:
        case_id = SubCase.objects.filter(pk=subcase_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound("没有找到该子件", field="subcase")
    case = lock_case(case_id)
    wanted = str(subcase_id)
    subcase = next((s for s in locked_subcases(case) if str(s.pk) == wanted), None)
    if subcase is None:
        raise NotFound("没有找到该子件", field="subcase")
    return case, subcase


_LOCKED_SUBCASES = "_onego_locked_subcases"


def locked_subcases(case: Case) -> list[SubCase]:
    """The case's sub-cases, locked after the case, read once per action (by stage and code).

    Every step of one action — the decision, releasing or cancelling what waits on it, instant
    approvals that follow, the join — works on these same instances, so each sees the others'
    changes without reading again. They hang on the locked Case instance, which lives for one
    transaction (`lock_case` reads a new one each time).
    """
    cached: list[SubCase] | None = getattr(case, _LOCKED_SUBCASES, None)
    if cached is None:
        cached = fastsql.locked_rows(
            SubCase, case.pk, by="case", order_by=("stage", "code"), related="department"
        )
        remember_subcases(case, cached)
    return cached


def remember_subcases(case: Case, subcases: list[SubCase]) -> None:
    """Make `subcases` (all of the case's, e.g. just inserted) its locked set for this action."""
    for subcase in subcases:
        subcase.case = case  # the locked instance, so changes to it are seen by all
    subcases.sort(key=lambda s: (s.stage, s.code))
    setattr(case, _LOCKED_SUBCASES, subcases)


def check_version(obj: Case | SubCase, expected: int | None) -> None:
    if expected is not None and expected != obj.version:
        raise Conflict(
            f"{obj.noun}已被他人更新（当前版本 {obj.version}，您看到的是 {expected}），请刷新后重试",
            field="version",
        )


def ensure_case_running(case: Case) -> None:
    """Sub-cases are decided only while the case is being handled; say why not otherwise."""
    if case.status in (CaseStatus.IN_PROGRESS, CaseStatus.SUPPLEMENT):
        return
    reasons = {
        CaseStatus.CONCLUDED: "办件已办结，不能再办理其中的事项",
        CaseStatus.READY_TO_CONCLUDE: "各事项均已作出决定，办件正待牵头部门出具结论，不能再办理",
        CaseStatus.WITHDRAWN: "申请人已撤回该办件",
        CaseStatus.NOT_ACCEPTED: "该办件不予受理，没有可办理的事项",
    }
    label = CaseStatus(case.status).label
    raise InvalidTransition(reasons.get(CaseStatus(case.status), f"办件尚未受理（{label}）"), field="status")


def staff_label(user: Any, department_name: str = "") -> str:
    name = actor_label(user)
    return f"{name}（{department_name}）" if department_name else name


def ledger_actor(user: Any | None, department_code: str = "", fallback: str = "system:onego") -> str:
    if user is None:
        return fallback
    who = f"user:{user.get_username()}"
    return f"dept:{department_code}/{who}" if department_code else who


def text_digest(text: str) -> str:
    """SM3 of a free text (an opinion): the ledger proves the text without holding it."""
    return hashlib.new("sm3", text.encode("utf-8")).hexdigest()


def record_decision(
    *, case: Case, actor: str, subject: str, decision: str, payload: Mapping[str, Any] | None = None
) -> None:
    """One ledger entry of kind case.decision, in the caller's transaction (at its end, inside a
    unit of work)."""
    ledger_record(
        kind="case.decision",
        actor=actor,
        subject_ref=subject,
        case_ref=str(case.pk),
        payload={"reference": case.reference, "decision": decision, **(payload or {})},
    )
