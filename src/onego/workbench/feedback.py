"""好差评 in the workbench: the department's rectification work orders (list, detail, answer, appeal),
the supervisor's view across departments (open and overdue orders, satisfaction, appeals to
review), and the window's rating code. Thin: every write is one feedback service.

The rater is never shown: a work order carries the case reference (to verify), the rating, the
indicators and the complaint text; contact with the applicant goes through the outbox (回访).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onego.accounts.models import DECIDING_ROLES, Role
from onego.cases.access import access_case_by_reference, region_prefix
from onego.core import clock
from onego.core.errors import OneGoError
from onego.feedback import report_selectors, rules, selectors
from onego.feedback.rules import Finding, RectStatus
from onego.feedback.services import (
    invitation_issue,
    rectification_answer,
    rectification_appeal,
    rectification_close,
    rectification_review,
)
from onego.workbench.feedback_common import any_staff, found_or_404, run_action, supervisor_staff
from onego.workbench.staff import staff_of_request

PERIOD_DAYS = {"30": 30, "90": 90, "365": 365}


@any_staff
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of_request(request)
    mine = selectors.rectifications_for(staff, department_only=True)
    today = clock.today()
    return render(
        request,
        "workbench/feedback/list.html",
        {
            "open_rows": [r for r in mine if r.status in rules.LIVE_STATUSES],
            "done_rows": [r for r in mine if r.status not in rules.LIVE_STATUSES][:50],
            "today": today,
            "is_supervisor": bool(staff.regions([Role.SUPERVISOR])),
            "may_invite": staff.is_staff,
        },
    )


def _detail(
    request: HttpRequest, rect_id: Any, *, status: int = 200, error: tuple[str, str] | None = None
) -> HttpResponse:
    staff = staff_of_request(request)
    rect = found_or_404(selectors.access_rectification, staff, rect_id)
    supervisor = selectors.is_supervisor_of(staff, rect)
    return render(
        request,
        "workbench/feedback/detail.html",
        {
            "rect": rect,
            "level_label": rules.Level(rect.level).label,
            "tag_labels": [rules.TAG_LABELS.get(t, t) for t in rect.tags],
            "overdue": rect.status == RectStatus.OPEN and rect.due_on < clock.today(),
            "may_answer": rect.status == RectStatus.OPEN and staff.has(rect.department_id, DECIDING_ROLES),
            "may_appeal": rect.status == RectStatus.OPEN
            and staff.has(rect.department_id, [Role.LEAD_OFFICER]),
            "may_review": rect.status == RectStatus.APPEALED and supervisor,
            "may_close": rect.status == RectStatus.ANSWERED and supervisor,
            "findings": Finding.choices,
            "error": error,
            "typed": request.POST if error else None,
            "history": list(rect.transitions.all()),
        },
        status=status,
    )


@any_staff
@require_GET
def rectification_detail(request: HttpRequest, rect_id: Any) -> HttpResponse:
    return _detail(request, rect_id)


@any_staff
@require_POST
def rectification_act(request: HttpRequest, rect_id: Any, action: str) -> HttpResponse:
    data = request.POST

    def act() -> str:
        if action == "answer":
            rectification_answer(
                actor=request.user,
                rectification_id=rect_id,
                finding=data.get("finding", ""),
                verification=data.get("verification", ""),
                changes=data.get("changes", ""),
                reply=data.get("reply", ""),
            )
            return _("已答复，系统已回访申请人，申请人可以重新评价。")
        if action == "appeal":
            rectification_appeal(actor=request.user, rectification_id=rect_id, reason=data.get("reason", ""))
            return _("申诉已提交监督员复核。")
        if action == "review":
            rectification_review(
                actor=request.user,
                rectification_id=rect_id,
                uphold=data.get("uphold") == "yes",
                reason=data.get("reason", ""),
            )
            return _("复核意见已记录。")
        if action == "close":
            rectification_close(actor=request.user, rectification_id=rect_id, reason=data.get("reason", ""))
            return _("工单已关闭，理由已记录。")
        raise Http404

    return run_action(
        request,
        act,
        object_field="rectification",
        rerender=lambda status, error: _detail(request, rect_id, status=status, error=error),
        success_url=lambda: reverse("workbench:feedback_detail", args=[rect_id]),
    )


@any_staff
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    """The supervisor's page: read-only across the departments of their region."""
    staff, refused = supervisor_staff(request, _("好差评监督只对监督员开放。"))
    if refused is not None:
        return refused
    regions = sorted(staff.regions([Role.SUPERVISOR]))
    period = request.GET.get("period", "")
    since = clock.today() - dt.timedelta(days=PERIOD_DAYS[period]) if period in PERIOD_DAYS else None
    prefixes = [region_prefix(r) for r in regions]
    scope = selectors.rectifications_for(staff)
    today = clock.today()
    live = scope.filter(status__in=list(rules.LIVE_STATUSES))
    return render(
        request,
        "workbench/feedback/supervision.html",
        {
            "regions": regions,
            "period": period,
            "figures": selectors.rectification_figures(scope, today=today),
            "overdue_rows": [r for r in live if r.status == RectStatus.OPEN and r.due_on < today],
            "live_rows": live,
            "appeals": [r for r in live if r.status == RectStatus.APPEALED],
            "recent": scope.exclude(status__in=list(rules.LIVE_STATUSES)).order_by(
                "-closed_at", "-updated_at"
            )[:20],
            "today": today,
            "orders": report_selectors.order_figures(staff),
            "open_orders": report_selectors.orders_for(staff, department_only=False, statuses=["open"])[:100],
            "tables": [
                (
                    selectors.GROUP_LABELS[by],
                    selectors.satisfaction(by=by, region_prefixes=prefixes, since=since),
                )
                for by in ("department", "package", "region", "channel", "period")
            ],
        },
    )


def _qr_svg(url: str) -> str:
    return str(segno.make(url, error="m").svg_inline(scale=4, title=_("扫码评价")))


@any_staff
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    """The window's rating code: the clerk types the case reference, the applicant scans or types
    the short link on the evaluation device or their phone."""
    context: dict[str, Any] = {"reference": "", "invitation": None, "error": ""}
    if request.method == "POST":
        reference = request.POST.get("reference", "").strip()[:40]
        context["reference"] = reference
        try:
            case = access_case_by_reference(request.user, reference)
            invitation = invitation_issue(actor=request.user, case_id=case.pk)
        except OneGoError as exc:
            context["error"] = exc.message
        else:
            url = request.build_absolute_uri(reverse("portal:rate_at_window", args=[invitation.code]))
            context.update({"invitation": invitation, "url": url, "qr": _qr_svg(url), "case": case})
    return render(request, "workbench/feedback/invite.html", context, status=400 if context["error"] else 200)
