"""What happens next, in the applicant's words: who decides and by when.

Pure functions over a case's compiled snapshot and the working-day calendar (no database), used by the
confirmation page after submitting, the submission SMS and the case page. The dates are expectations
drawn from the promised limits the package declares, not new promises: the case's own deadlines start
when it is accepted (`services.acceptance`), and from then on the stored due dates are shown instead.

- Acceptance: the comprehensive window accepts a pre-reviewed case within `ACCEPTANCE_DAYS` working
  days of its submission (the service centre's promise; 行政许可法 Art. 32 allows five days).
- Each item can start once its prerequisites are decided: its expected decision day is acceptance +
  the longest chain of promised days before it + its own promised days. A department decides by the
  latest of its items.
- The whole case: acceptance + the case's promised limit (`case_limits`, the same rule acceptance uses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onego.core.workdays import WorkingCalendar

ACCEPTANCE_DAYS = 1


@dataclass(frozen=True)
class DepartmentStep:
    department: str
    items: tuple[str, ...]
    decide_by: dt.date | None
    instant: bool  # every item it decides is decided by rule (秒批) on acceptance
    waits_for: tuple[str, ...]  # names of items of other departments that must be decided first


@dataclass(frozen=True)
class Outlook:
    accepted: bool
    accept_by: dt.date | None
    conclude_by: dt.date | None
    departments: tuple[DepartmentStep, ...]
    provisional: bool  # a date falls in a year whose holiday notice is not yet published


def _earliest_starts(items: list[Mapping[str, Any]]) -> dict[str, int]:
    """Working days after acceptance at which each item can start (its prerequisites' longest chain)."""
    by_code = {e["code"]: e for e in items}
    starts: dict[str, int] = {}

    def start(code: str, seen: frozenset[str]) -> int:
        if code in starts:
            return starts[code]
        after = [p for p in by_code[code]["after"] if p in by_code and p not in seen]
        value = max((start(p, seen | {code}) + int(by_code[p]["days"]) for p in after), default=0)
        starts[code] = value
        return value

    for code in by_code:
        start(code, frozenset())
    return starts


def outlook(
    snapshot: Mapping[str, Any],
    *,
    calendar: WorkingCalendar,
    submitted_on: dt.date,
    accepted_on: dt.date | None = None,
    case_promised_days: int,
) -> Outlook:
    """Expected acceptance, each deciding department's day and the conclusion day."""
    provisional = False
    if accepted_on is None:
        accept = calendar.add_working_days(submitted_on, ACCEPTANCE_DAYS)
        base, provisional = accept.due, accept.provisional
    else:
        base = accepted_on
    items = [e for e in snapshot.get("entries", []) if e.get("kind") == "item"]
    starts = _earliest_starts(items)
    names = {e["code"]: e["name"] for e in items}
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for e in items:
        grouped.setdefault(e.get("department") or e.get("department_code") or "", []).append(e)
    steps = []
    for department, entries in grouped.items():
        due: dt.date | None = None
        if base is not None:
            for e in entries:
                d = calendar.add_working_days(base, starts[e["code"]] + int(e["days"]))
                provisional = provisional or d.provisional
                if d.due is not None and (due is None or d.due > due):
                    due = d.due
        own = {e["code"] for e in entries}
        waits = tuple(
            dict.fromkeys(names[p] for e in entries for p in e["after"] if p in names and p not in own)
        )
        steps.append(
            DepartmentStep(
                department=department,
                items=tuple(e["name"] for e in entries),
                decide_by=due,
                instant=all(e.get("instant_approval") for e in entries),
                waits_for=waits,
            )
        )
    steps.sort(key=lambda s: (s.decide_by or dt.date.max, s.department))
    conclude_by = None
    if base is not None:
        end = calendar.add_working_days(base, case_promised_days)
        conclude_by, provisional = end.due, provisional or end.provisional
    return Outlook(
        accepted=accepted_on is not None,
        accept_by=base,
        conclude_by=conclude_by,
        departments=tuple(steps),
        provisional=provisional,
    )


def sms_text(package_name: str, view: Outlook) -> str:
    """The submission SMS: what happens next in one short message."""
    who = "、".join(s.department for s in view.departments if s.department)
    accept = f"窗口预计 {view.accept_by:%m月%d日} 前受理" if view.accept_by else "窗口将尽快受理"
    end = f"，预计 {view.conclude_by:%m月%d日} 前办结" if view.conclude_by else ""
    decide = f"，由{who}并联审批" if who else ""
    return (
        f"您申请的“{package_name}”已提交并通过预审。{accept}{decide}{end}"
        f"{'（节假日安排未公布，日期暂定）' if view.provisional else ''}。"
        "进度可在“我的办件”查看，需要补正时会短信通知您。"
    )
