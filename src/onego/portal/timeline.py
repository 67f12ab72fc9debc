"""The applicant's timeline: the steps that mean something to them, in plain words.

The case's history (`cases.selectors.case_timeline`) records every internal move: distribution to each
department, items waiting on a prerequisite, claims and assignments, the join. Staff see all of it in the
workbench; an applicant sees what was done for them, by which department, and what they must do. A pure
function over the timeline entries (no database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from onego.cases.selectors import TimelineEntry
from onego.catalog.i18n import in_language

# Sub-case decisions and the words an applicant reads for them.
_DECISIONS = {
    "approve": "approved",
    "sole_approve": "approved",
    "window_decide": "",  # approved or not: read from the status it moved to
    "instant_approve": "approved",
    "reject": "rejected",
    "sole_reject": "rejected",
    "refuse_acceptance": "rejected",
}

# Case and sub-case steps shown with their reason (what the applicant must know or do).
_WITH_REASON = {"refuse", "refuse_acceptance", "reject", "sole_reject", "request_supplement", "withdraw"}


@dataclass(frozen=True)
class ApplicantStep:
    at: dt.datetime
    title: str
    detail: str
    tone: str  # "" | "ok" | "warn" | "bad": the colour of its marker


def _step(e: TimelineEntry, departments: Mapping[str, str]) -> ApplicantStep | None:
    # Department and item names said in the visitor's language (the catalog's English on English pages).
    dept = in_language(departments.get(e.subject, ""))
    item = in_language(e.subject)
    reason = e.reason if e.action in _WITH_REASON else ""
    if e.subject == "办件":
        if e.action == "submit":
            return ApplicantStep(e.at, _("您提交了申请"), "", "")
        if e.action == "pre_review":
            if e.to_status == "needs_correction":
                return ApplicantStep(e.at, _("预审发现需补齐的内容（一次性告知）"), e.reason, "warn")
            return ApplicantStep(e.at, _("系统预审通过：材料齐全，等待窗口受理"), "", "ok")
        if e.action == "correct":
            return ApplicantStep(e.at, _("您补齐后重新提交"), "", "")
        if e.action == "accept":
            return ApplicantStep(e.at, _("综合窗口已受理，各部门开始并联审批"), "", "ok")
        if e.action == "refuse":
            return ApplicantStep(e.at, _("不予受理"), reason, "bad")
        # A supplement's request and answer are shown once, from the item's row (it names the department).
        if e.action == "conclude":
            return ApplicantStep(e.at, _("出具办理结论"), "", "ok")
        if e.action == "results":
            return ApplicantStep(e.at, _("结论文书和电子证照已生成"), "", "ok")
        if e.action == "deliver":
            return ApplicantStep(e.at, _("办理结果已送达"), e.reason, "ok")
        if e.action == "withdraw":
            return ApplicantStep(e.at, _("申请已撤回"), reason, "")
        if e.action == "deadline_changed":
            return ApplicantStep(e.at, _("办结日期调整"), e.reason, "")
        if e.action in ("special_procedure", "special_procedure_end"):
            title = (
                _("进入特别程序（暂停计时）")
                if e.action == "special_procedure"
                else _("特别程序结束，继续计时")
            )
            return ApplicantStep(e.at, title, "", "")
        if e.action == "inspection_scheduled":
            return ApplicantStep(e.at, _("已安排现场踏勘"), e.reason, "")
        if e.action == "inspection_held":
            return ApplicantStep(e.at, _("现场踏勘完成"), "", "")
        return None
    who = dept or _("审批部门")
    if e.action in _DECISIONS:
        outcome = _DECISIONS[e.action] or ("approved" if e.to_status == "approved" else "rejected")
        if outcome == "approved":
            return ApplicantStep(e.at, _("%(dept)s 准予：%(item)s") % {"dept": who, "item": item}, "", "ok")
        return ApplicantStep(e.at, _("%(dept)s 不予：%(item)s") % {"dept": who, "item": item}, reason, "bad")
    if e.action == "department_accept":
        return ApplicantStep(e.at, _("%(dept)s 受理：%(item)s") % {"dept": who, "item": item}, "", "")
    if e.action == "request_supplement":
        return ApplicantStep(
            e.at, _("%(dept)s 要求补正：%(item)s") % {"dept": who, "item": item}, e.reason, "warn"
        )
    if e.action == "supplement_answered":
        return ApplicantStep(e.at, _("您已补正：%(item)s，继续计时办理") % {"item": item}, "", "")
    if e.action in ("inspection_held", "inspection_findings"):
        return ApplicantStep(e.at, _("%(dept)s 完成现场踏勘：%(item)s") % {"dept": who, "item": item}, "", "")
    return None  # distribution, waiting, claims, assignments, joins, partner traffic: staff only


def applicant_steps(entries: Iterable[TimelineEntry], departments: Mapping[str, str]) -> list[ApplicantStep]:
    """Newest first. `departments` maps a sub-case's name to its department's name."""
    steps = [s for e in entries if (s := _step(e, departments)) is not None]
    return sorted(steps, key=lambda s: s.at, reverse=True)
