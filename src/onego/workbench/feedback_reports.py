"""办不成事 reports in the workbench: the coordinating department's list and detail (dispatch into
departmental work orders, link a case, reply and close), the departments' orders (done or returned),
the report form for window clerks and grid workers, and the supervisor's read-only log of every
personal-data read. Thin: every write is one service of `onego.feedback.report_services`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onego.accounts.models import DECIDING_ROLES
from onego.accounts.otp import is_verified, second_factor_required
from onego.catalog.models import Department
from onego.core import clock
from onego.core.errors import NotFound, OneGoError, PermissionDenied
from onego.core.uploads import attachment_response
from onego.feedback import report_selectors as selectors
from onego.feedback.models import GridWorker
from onego.feedback.photos import access_report_photo, thumbnail_response
from onego.feedback.report_forms import package_choices, region_choices, report_from_form
from onego.feedback.report_rules import ReportKind, ReportStatus
from onego.feedback.report_services import (
    COORDINATING_ROLES,
    OrderIn,
    report_dispatch,
    report_link_case,
    report_reply,
    reporter_for_staff,
    work_order_complete,
    work_order_return,
)
from onego.workbench.feedback_common import any_staff, found_or_404, run_action, supervisor_staff
from onego.workbench.staff import forbidden, staff_of_request

DISPATCH_ROWS = 3


@any_staff
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of_request(request)
    reports = selectors.reports_for(staff)
    coordinating = staff.departments(COORDINATING_ROLES)
    return render(
        request,
        "workbench/feedback/reports.html",
        {
            "to_dispatch": [r for r in reports if r.coordinator_id in coordinating and r.status != "closed"],
            "orders": selectors.orders_for(staff, statuses=["open"]),
            "closed": [r for r in reports if r.status == "closed"][:30],
            "today": clock.today(),
        },
    )


def _detail(
    request: HttpRequest, report_id: Any, *, status: int = 200, error: tuple[str, str] | None = None
) -> HttpResponse:
    staff = staff_of_request(request)
    report = found_or_404(selectors.access_report, staff, report_id)
    coordinates = staff.has(report.coordinator_id, COORDINATING_ROLES)
    orders = list(report.orders.all())
    today = clock.today()
    return render(
        request,
        "workbench/feedback/report_detail.html",
        {
            "report": report,
            "orders": [
                {
                    "order": o,
                    "overdue": o.status == "open" and o.due_on < today,
                    "may_finish": o.status == "open" and staff.has(o.department_id, DECIDING_ROLES),
                }
                for o in orders
            ],
            "may_dispatch": coordinates and report.status != ReportStatus.CLOSED,
            "may_reply": coordinates and report.status != ReportStatus.CLOSED,
            "departments": list(Department.objects.order_by("code").values_list("code", "name")),
            "dispatch_rows": range(DISPATCH_ROWS),
            "history": list(report.events.all()),
            "error": error,
            "typed": request.POST if error else None,
        },
        status=status,
    )


@any_staff
@require_GET
def report_detail(request: HttpRequest, report_id: Any) -> HttpResponse:
    return _detail(request, report_id)


@any_staff
@require_POST
def report_act(request: HttpRequest, report_id: Any, action: str) -> HttpResponse:
    data = request.POST

    def act() -> str:
        if action == "dispatch":
            rows = [
                OrderIn(department=data.get(f"department-{i}", ""), task=data.get(f"task-{i}", ""))
                for i in range(DISPATCH_ROWS)
                if data.get(f"department-{i}")
            ]
            made = report_dispatch(actor=request.user, report_id=report_id, orders=rows)
            return _("已分拨 %(n)d 个部门工单。") % {"n": len(made)}
        if action == "link":
            report_link_case(actor=request.user, report_id=report_id, case_reference=data.get("case", ""))
            return _("已关联办件。")
        if action == "reply":
            report_reply(actor=request.user, report_id=report_id, reply=data.get("reply", ""))
            return _("已答复反映人，反映办结。")
        raise Http404

    return run_action(
        request,
        act,
        object_field="report",
        rerender=lambda status, error: _detail(request, report_id, status=status, error=error),
        success_url=lambda: reverse("workbench:report_detail", args=[report_id]),
    )


@any_staff
@require_POST
def order_act(request: HttpRequest, order_id: Any, action: str) -> HttpResponse:
    report_id = request.POST.get("report", "")
    finished: list[Any] = []

    def act() -> str:
        if action == "done":
            result = request.POST.get("result", "")
            finished.append(work_order_complete(actor=request.user, order_id=order_id, result=result))
            return _("已记录处置结果，已告知协调部门。")
        if action == "return":
            reason = request.POST.get("reason", "")
            finished.append(work_order_return(actor=request.user, order_id=order_id, reason=reason))
            return _("工单已退回协调部门。")
        raise Http404

    return run_action(
        request,
        act,
        object_field="order",
        rerender=(lambda status, error: _detail(request, report_id, status=status, error=error))
        if report_id
        else None,
        success_url=lambda: reverse("workbench:report_detail", args=[finished[0].report_id]),
    )


def _reporter_required(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("workbench:login"))
    if second_factor_required(request.user) and not is_verified(request.user):
        return HttpResponseRedirect(reverse("workbench:second_factor") + f"?next={request.get_full_path()}")
    return None


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """The report form for a window clerk or a grid worker (网格员); the source follows the role."""
    stop = _reporter_required(request)
    if stop is not None:
        return stop
    try:
        reporter = reporter_for_staff(request.user)
    except PermissionDenied as exc:
        return forbidden(request, exc.message)
    grids = list(
        GridWorker.objects.filter(user_id=request.user.pk or 0, active=True).values_list(
            "region__code", flat=True
        )
    )
    roots = grids or sorted({s.region_code for s in staff_of_request(request).seats})
    context: dict[str, Any] = {
        "kinds": ReportKind.choices,
        "regions": region_choices(roots),
        "packages": package_choices(),
        "typed": {},
        "error": None,
        "reporter": reporter,
        "action": reverse("workbench:report_new"),
    }
    if request.method == "POST":
        try:
            report = report_from_form(reporter=reporter, data=request.POST, files=request.FILES)
        except OneGoError as exc:
            context.update(typed=request.POST, error=(exc.field or "", exc.message))
            return render(request, "workbench/feedback/report_new.html", context, status=400)
        messages.success(
            request,
            _("反映已登记（编号 %(ref)s），已转%(dept)s协调办理。")
            % {"ref": report.reference, "dept": report.coordinator.name},
        )
        if selectors.reports_for(staff_of_request(request)).filter(pk=report.pk).exists():
            return HttpResponseRedirect(reverse("workbench:report_detail", args=[report.pk]))
        return HttpResponseRedirect(reverse("workbench:report_new"))
    context["mine"] = selectors.reports_of_user(request.user).prefetch_related("photos")[:20]
    return render(request, "workbench/feedback/report_new.html", context)


@any_staff
@require_GET
def data_reads(request: HttpRequest) -> HttpResponse:
    """The supervisor's read-only log of every personal-data read (and refusal) by the departments of
    their region, from the ledger: who, when, which registry and elements, for which case, why."""
    staff, refused = supervisor_staff(request, _("数据查询记录只对监督员开放。"))
    if refused is not None:
        return refused
    days = request.GET.get("days", "30")
    since = clock.now() - dt.timedelta(days=int(days) if days in {"7", "30", "90", "365"} else 30)
    return render(
        request,
        "workbench/feedback/data_reads.html",
        {"rows": selectors.data_reads_for_supervisor(staff, since=since), "days": days},
    )


def _photo_or_404(request: HttpRequest, report_id: Any, photo_id: Any) -> Any:
    return found_or_404(access_report_photo, request.user, report_id, photo_id)


@require_GET
def report_photo(request: HttpRequest, report_id: Any, photo_id: Any) -> HttpResponseBase:
    """A report's photo as a download (never rendered), for the staff who may see the report and the
    clerk or grid worker who reported it."""
    stop = _reporter_required(request)
    if stop is not None:
        return stop
    photo = _photo_or_404(request, report_id, photo_id)
    return attachment_response(photo.file.open("rb"), photo.filename)


@require_GET
def report_photo_thumb(request: HttpRequest, report_id: Any, photo_id: Any) -> HttpResponse:
    """The photo's thumbnail shown on the report page: re-encoded from its pixels, no metadata."""
    stop = _reporter_required(request)
    if stop is not None:
        return stop
    photo = _photo_or_404(request, report_id, photo_id)
    try:
        return thumbnail_response(photo)
    except NotFound as exc:
        raise Http404(exc.message) from exc
