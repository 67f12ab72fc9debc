"""The state machines of a case and its sub-cases, in one place (docs/cases.md draws them).

- `CaseStatus` / `SubCaseStatus`: the states, with the Chinese labels applicants and staff see.
- `CASE_TRANSITIONS` / `SUBCASE_TRANSITIONS`: every allowed move. Nothing else moves a status.
- `change_status()`: the one function that changes a status; it writes the history row
  (who, when, from → to, action, why) in the caller's transaction.
- `record_event()`: a timeline row for something that is not a status change (reassignment,
  escalation, a due date that moved).
- `join_outcome()`: the pure join rule — given the sub-case statuses, has the case been decided,
  and how?

Pure except for `change_status`/`record_event`, which only touch the target and its history
manager (no model import, so models.py can import the statuses from here).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from django.db import models

from onego.core import clock, fastsql, uow
from onego.core.errors import Conflict


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交，待预审"
    NEEDS_CORRECTION = "needs_correction", "待补齐（已一次性告知）"
    PRE_REVIEWED = "pre_reviewed", "预审通过，待受理"
    ACCEPTED = "accepted", "已受理"
    IN_PROGRESS = "in_progress", "办理中"
    SUPPLEMENT = "supplement", "补正中"
    READY_TO_CONCLUDE = "ready_to_conclude", "待出具结论"
    CONCLUDED = "concluded", "已办结"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"


class SubCaseStatus(models.TextChoices):
    WAITING = "waiting", "等待前置事项"
    REGISTERED = "registered", "已登记，待部门受理"  # 三类: the department does its own acceptance
    PENDING = "pending", "待认领"
    CLAIMED = "claimed", "办理中"
    SUPPLEMENT = "supplement", "补正中"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序中"
    APPROVED = "approved", "准予"
    REJECTED = "rejected", "不予"
    CANCELLED = "cancelled", "已取消"


class Outcome(models.TextChoices):
    APPROVED = "approved", "准予"
    PARTLY_APPROVED = "partly_approved", "部分准予"
    REJECTED = "rejected", "不予"


C, S = CaseStatus, SubCaseStatus

CASE_TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    C.DRAFT: frozenset({C.SUBMITTED, C.WITHDRAWN}),
    C.SUBMITTED: frozenset({C.PRE_REVIEWED, C.NEEDS_CORRECTION, C.WITHDRAWN}),
    C.NEEDS_CORRECTION: frozenset({C.SUBMITTED, C.WITHDRAWN}),
    C.PRE_REVIEWED: frozenset({C.ACCEPTED, C.NOT_ACCEPTED, C.SUBMITTED, C.WITHDRAWN}),
    C.ACCEPTED: frozenset({C.IN_PROGRESS}),
    C.IN_PROGRESS: frozenset({C.SUPPLEMENT, C.READY_TO_CONCLUDE, C.WITHDRAWN}),
    C.SUPPLEMENT: frozenset({C.IN_PROGRESS, C.WITHDRAWN}),
    # Back to IN_PROGRESS only when an instant decision is overturned before the conclusion is issued.
    C.READY_TO_CONCLUDE: frozenset({C.CONCLUDED, C.IN_PROGRESS}),
    C.CONCLUDED: frozenset(),
    C.NOT_ACCEPTED: frozenset(),
    C.WITHDRAWN: frozenset(),
}

SUBCASE_TRANSITIONS: Mapping[SubCaseStatus, frozenset[SubCaseStatus]] = {
    S.WAITING: frozenset({S.PENDING, S.REGISTERED, S.CANCELLED}),
    S.REGISTERED: frozenset({S.PENDING, S.REJECTED, S.CANCELLED, S.WAITING}),
    # PENDING → APPROVED/REJECTED: sole approver, instant approval, 一类 decided at the window, partners.
    S.PENDING: frozenset({S.CLAIMED, S.APPROVED, S.REJECTED, S.CANCELLED, S.WAITING}),
    S.CLAIMED: frozenset({S.APPROVED, S.REJECTED, S.SUPPLEMENT, S.SPECIAL_PROCEDURE, S.CANCELLED}),
    S.SUPPLEMENT: frozenset({S.CLAIMED, S.CANCELLED}),
    S.SPECIAL_PROCEDURE: frozenset({S.CLAIMED, S.CANCELLED}),
    # Reopened only when an officer overturns an instant (秒批) approval before the conclusion.
    S.APPROVED: frozenset({S.CLAIMED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

CASE_OPEN = frozenset(
    {C.ACCEPTED, C.IN_PROGRESS, C.SUPPLEMENT, C.READY_TO_CONCLUDE}
)  # accepted and not yet concluded: the clock runs (or is paused)
CASE_FINAL = frozenset(s for s, nxt in CASE_TRANSITIONS.items() if not nxt)
SUBCASE_DECIDED = frozenset({S.APPROVED, S.REJECTED, S.CANCELLED})
SUBCASE_ACTIVE = frozenset({S.REGISTERED, S.PENDING, S.CLAIMED, S.SUPPLEMENT, S.SPECIAL_PROCEDURE})
SUBCASE_PAUSED = frozenset({S.SUPPLEMENT, S.SPECIAL_PROCEDURE})


class InvalidTransition(Conflict):
    """A move the state machine does not allow; the message says what the state is and what was asked."""

    code = "invalid_transition"


def check_transition(table: Mapping[Any, frozenset[Any]], noun: str, current: str, to: str) -> None:
    """Refuse a move the table does not list, saying what the state is and what was asked."""
    status_type = type(next(iter(table)))
    now, nxt = status_type(current), status_type(to)
    if nxt in table[now]:
        return
    final = not table[now] or (table is SUBCASE_TRANSITIONS and now in SUBCASE_DECIDED)
    if final:
        message = f"{noun}已是“{now.label}”状态，不能再改为“{nxt.label}”"
    else:
        message = f"{noun}当前为“{now.label}”，不能直接改为“{nxt.label}”"
    raise InvalidTransition(message, field="status")


def check_case_transition(current: str, to: str) -> None:
    check_transition(CASE_TRANSITIONS, "办件", current, to)


def check_subcase_transition(current: str, to: str) -> None:
    check_transition(SUBCASE_TRANSITIONS, "子件", current, to)


# --- the one function that changes a status ------------------------------------------------------


class _History(Protocol):
    """The related manager of the history rows (`_history_of` finds its model and key)."""


class Tracked(Protocol):
    """A Case or a SubCase: a status, a version, and a history manager named `transitions`."""

    pk: Any
    status: str
    version: int
    transition_table: Mapping[Any, frozenset[Any]]
    noun: str

    @property
    def transitions(self) -> _History: ...

    def history_fields(self) -> dict[str, Any]: ...

    def save(self, *, update_fields: Iterable[str] | None = ...) -> None: ...


def actor_label(user: Any | None, fallback: str = "系统") -> str:
    if user is None:
        return fallback
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full or str(user.get_username() if hasattr(user, "get_username") else user)


def change_status(
    target: Tracked,
    to: str,
    *,
    actor: Any | None,
    action: str,
    reason: str = "",
    label: str = "",
    extra_fields: Iterable[str] = (),
) -> Any:
    """Move `target` to `to` if the table allows it, save it and write its history row.

    The caller holds the row lock (services lock the case, then the sub-case) and the transaction;
    `extra_fields` names other fields the caller changed alongside, saved in the same UPDATE.
    Returns the history row.
    """
    check_transition(target.transition_table, target.noun, target.status, to)
    before = target.status
    target.status = to
    target.version += 1
    fastsql.save_fields(target, ["status", "version", "updated_at", *extra_fields])  # type: ignore[arg-type]
    return _add_history(target, actor=actor, label=label, action=action, before=before, reason=reason)


@functools.cache
def _history_of(model: type) -> tuple[type[models.Model], str]:
    """The history model behind `model.transitions` and its key to `model`, looked up once per
    process (not through a related manager built on every row)."""
    relation: Any = model._meta.get_field("transitions")  # type: ignore[attr-defined]
    return relation.related_model, relation.field.name


def _add_history(
    target: Tracked, *, actor: Any | None, label: str, action: str, before: str, reason: str, at: Any = None
) -> Any:
    """A new history row of `target`, now at `target.status` (from `before`), written with the unit
    of work's other new rows (uow.insert): history is append-only and nothing reads it back within
    the action that writes it."""
    model, key = _history_of(type(target))
    history = model(
        **target.history_fields(),
        **{key: target},
        actor=actor,
        actor_label=label or actor_label(actor),
        action=action,
        from_status=before,
        to_status=target.status,
        reason=reason,
        at=at or clock.now(),
    )
    uow.insert(history)
    return history


def record_event(
    target: Tracked, *, actor: Any | None, action: str, reason: str, label: str = "", bump: bool = True
) -> Any:
    """A timeline row for something that is not a status change (from = to)."""
    if bump:
        target.version += 1
        fastsql.save_fields(target, ["version", "updated_at"])  # type: ignore[arg-type]
    return _add_history(target, actor=actor, label=label, action=action, before=target.status, reason=reason)


def record_events(
    targets: Sequence[Tracked], *, actor: Any | None, action: str, reasons: Sequence[str], label: str = ""
) -> None:
    """Timeline rows (from = to) for several sub-cases or cases at once (one INSERT inside a unit of
    work); versions are not bumped (like `record_event(..., bump=False)`)."""
    at = clock.now()
    for target, reason in zip(targets, reasons, strict=True):
        _add_history(
            target, actor=actor, label=label, action=action, before=target.status, reason=reason, at=at
        )


# --- the join rule --------------------------------------------------------------------------------


def join_outcome(statuses: Iterable[str]) -> Outcome | None:
    """The case's outcome once every item sub-case is decided, else None.

    Approved only if all were approved; rejected if none was (a sub-case cancelled because its
    prerequisite was rejected counts as not approved); otherwise partly approved. No sub-cases at
    all is not a decision.
    """
    seen = [SubCaseStatus(s) for s in statuses]
    if not seen or any(s not in SUBCASE_DECIDED for s in seen):
        return None
    approved = sum(1 for s in seen if s == S.APPROVED)
    if approved == len(seen):
        return Outcome.APPROVED
    if approved == 0:
        return Outcome.REJECTED
    return Outcome.PARTLY_APPROVED
