"""Reads of 好差评: the applicant's own evaluation, the department's and the supervisor's work orders,
and the satisfaction figures (only aggregates; nothing here returns who rated)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from onego.accounts.models import Role
from onego.accounts.selectors import Staff
from onego.cases.access import region_contains, region_prefix
from onego.core import clock
from onego.core.errors import NotFound
from onego.feedback import rules
from onego.feedback.models import DepartmentRating, Evaluation, Rectification
from onego.feedback.rules import RectStatus
from onego.feedback.services import _uuid, may_see_rectification


def evaluation_of_case(case_id: Any) -> Evaluation | None:
    return Evaluation.objects.filter(case_id=case_id).prefetch_related("departments__department").first()


def _scope(staff: Staff) -> Q:
    """The work orders a staff member may read: their departments', and as a supervisor every
    department of their region and below."""
    q = Q(department_id__in=staff.departments())
    for code in staff.regions([Role.SUPERVISOR]):
        q |= Q(department__region__code__startswith=region_prefix(code))
    return q


def rectifications_for(
    staff: Staff, *, statuses: Iterable[str] | None = None, department_only: bool = False
) -> QuerySet[Rectification]:
    scope = Q(department_id__in=staff.departments()) if department_only else _scope(staff)
    qs = Rectification.objects.filter(scope).select_related("department", "case")
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return qs.order_by("due_on", "opened_at")


def access_rectification(staff: Staff, rectification_id: Any) -> Rectification:
    pk = _uuid(rectification_id)
    rect = (
        Rectification.objects.select_related("department__region", "case", "evaluation", "answered_by")
        .prefetch_related("transitions")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if rect is None or not may_see_rectification(staff, rect):
        raise NotFound("没有找到该整改工单", field="rectification")
    return rect


def is_supervisor_of(staff: Staff, rect: Rectification) -> bool:
    return any(region_contains(r, rect.department.region.code) for r in staff.regions([Role.SUPERVISOR]))


# --- satisfaction ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SatisfactionRow:
    key: str
    label: str
    ratings: int
    average: float
    satisfied_share: float  # 满意率: 基本满意 or better, of all ratings
    bad: int  # 差评


GROUPS = {
    "department": ("department__code", "department__name"),
    "package": ("evaluation__package_code", "evaluation__package_name"),
    "region": ("evaluation__region__code", "evaluation__region__name"),
    "channel": ("evaluation__channel", "evaluation__channel"),
    "period": ("month", "month"),
}
GROUP_LABELS = {
    "department": "部门",
    "package": "一件事",
    "region": "地区",
    "channel": "评价渠道",
    "period": "月份",
}


def satisfaction(
    *, by: str, region_prefixes: Iterable[str] | None = None, since: dt.date | None = None
) -> list[SatisfactionRow]:
    """Ratings (void ones left out) grouped by department, package, region, channel or month.

    Per department the department ratings count; for the other groupings the overall rating (one per
    case). `region_prefixes`: only cases of these regions (a supervisor's); None = everywhere."""
    if by not in GROUPS:
        raise ValueError(by)
    if by == "department":
        qs: QuerySet[Any] = DepartmentRating.objects.filter(voided_at=None, evaluation__voided_at=None)
        prefix = "evaluation__"
    else:
        qs = Evaluation.objects.filter(voided_at=None)
        prefix = ""
    if region_prefixes is not None:
        q = Q(pk__in=[])
        for p in region_prefixes:
            q |= Q(**{f"{prefix}region__code__startswith": p})
        qs = qs.filter(q)
    if since is not None:
        qs = qs.filter(**{f"{prefix}rated_at__date__gte": since})
    key, label = GROUPS[by]
    if by != "department":
        key, label = key.removeprefix("evaluation__"), label.removeprefix("evaluation__")
    if by == "period":
        qs = qs.annotate(month=TruncMonth("rated_at"))
    rows = (
        qs.values(key, label)
        .annotate(
            n=Count("pk"),
            avg=Avg("level"),
            ok=Count("pk", filter=Q(level__gte=rules.Level.BASIC)),
            bad=Count("pk", filter=Q(level__lte=rules.Level.DISSATISFIED)),
        )
        .order_by(key)
    )
    result = []
    for row in rows:
        k = row[key]
        shown = row[label]
        if by == "period":
            k = shown = f"{k:%Y-%m}" if k else ""
        elif by == "channel":
            shown = rules.Channel(k).label if k in rules.Channel.values else k
        result.append(
            SatisfactionRow(
                key=str(k),
                label=str(shown),
                ratings=row["n"],
                average=round(float(row["avg"] or 0), 2),
                satisfied_share=round(row["ok"] / row["n"], 4) if row["n"] else 0.0,
                bad=row["bad"],
            )
        )
    return result


@dataclass(frozen=True)
class RectificationFigures:
    total: int
    open: int
    overdue: int
    answered_on_time: int
    due_so_far: int  # answered, or open past the deadline: the denominator of the on-time share
    voided: int

    @property
    def on_time_share(self) -> float:
        return round(self.answered_on_time / self.due_so_far, 4) if self.due_so_far else 0.0


def rectification_figures(
    qs: QuerySet[Rectification], *, today: dt.date | None = None
) -> RectificationFigures:
    today = today or clock.today()
    live = [RectStatus.OPEN, RectStatus.APPEALED]
    figures = qs.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=live)),
        overdue=Count("pk", filter=Q(status=RectStatus.OPEN, due_on__lt=today)),
        on_time=Count("pk", filter=Q(answered_on_time=True)),
        answered=Count("pk", filter=Q(answered_on_time__isnull=False)),
        late_open=Count(
            "pk", filter=Q(answered_on_time__isnull=True, status=RectStatus.OPEN, due_on__lt=today)
        ),
        voided=Count("pk", filter=Q(status=RectStatus.VOIDED)),
    )
    return RectificationFigures(
        total=figures["total"],
        open=figures["open"],
        overdue=figures["overdue"],
        answered_on_time=figures["on_time"],
        due_so_far=figures["answered"] + figures["late_open"],
        voided=figures["voided"],
    )
