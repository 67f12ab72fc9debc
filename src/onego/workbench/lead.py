"""The lead department (牵头部门): the cases it leads, those ready for its conclusion, and the conclusion
page with every department's opinion, where its lead officer issues the one conclusion and chooses how
it is delivered."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onego.accounts.models import Role
from onego.cases.access import access_case_by_id
from onego.cases.models import Case, SubCaseKind
from onego.cases.selectors import case_view
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.workflow import CaseStatus
from onego.core import clock
from onego.core.errors import NotFound, OneGoError
from onego.core.services import working_calendar
from onego.workbench import selectors
from onego.workbench.delivery import deliver, delivery_state
from onego.workbench.documents import document_response
from onego.workbench.forms import ConclusionForm, DeliveryForm, attach_error
from onego.workbench.paging import page_of, sliced
from onego.workbench.presenters import deadline_light
from onego.workbench.staff import staff_of_request, staff_required

lead_required = staff_required(Role.LEAD_OFFICER)
RUNNING = (CaseStatus.IN_PROGRESS, CaseStatus.SUPPLEMENT)


@lead_required
@require_GET
def lead(request: HttpRequest) -> HttpResponse:
    staff = staff_of_request(request)
    calendar, today = working_calendar(), clock.today()
    # Each list pages on its own (`ready` / `running` in the query), keeping the other's page in its links.
    ready = page_of(
        request, sliced(selectors.led_cases(staff, [CaseStatus.READY_TO_CONCLUDE])), param="ready"
    )
    running = page_of(request, sliced(selectors.led_cases(staff, RUNNING)), param="running")
    return render(
        request,
        "workbench/lead/list.html",
        {
            "ready": selectors.led_case_rows(ready.rows, calendar=calendar, today=today),
            "ready_page": ready,
            "running": selectors.led_case_rows(running.rows, calendar=calendar, today=today),
            "running_page": running,
            "concluded": selectors.led_cases(staff, [CaseStatus.CONCLUDED]).order_by("-concluded_at")[:20],
            "departments": [s for s in staff.seats if s.role == Role.LEAD_OFFICER],
        },
    )


def _led_case(request: HttpRequest, case_id: Any) -> Case:
    """A case the user may see and whose lead department they are a lead officer of; 404 otherwise."""
    try:
        case = access_case_by_id(request.user, case_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if case.lead_department_id is None or not staff_of_request(request).has(
        case.lead_department_id, [Role.LEAD_OFFICER]
    ):
        raise Http404(_("没有找到该办件"))
    return case


def _render(
    request: HttpRequest,
    case: Case,
    form: ConclusionForm | None = None,
    status: int = 200,
    conflict: str = "",
    delivery_form: DeliveryForm | None = None,
) -> HttpResponse:
    view = case_view(case, calendar=working_calendar(), today=clock.today())
    conclusion = view.conclusion
    if form is None:
        form = ConclusionForm(
            initial={
                "delivery_method": (conclusion.delivery_method if conclusion else "") or case.delivery_method,
                "version": case.version,
            }
        )
    return render(
        request,
        "workbench/lead/conclusion.html",
        {
            "case": case,
            "view": view,
            "light": deadline_light(view.deadline),
            "conclusion": conclusion,
            "progress": selectors.progress(view),
            "items": [(s, d) for s, d in view.subcases if s.kind == SubCaseKind.ITEM],
            "form": form,
            "can_issue": case.status == CaseStatus.READY_TO_CONCLUDE,
            "conflict": conflict,
            "delivery": delivery_state(conclusion),
            "delivery_form": delivery_form
            or DeliveryForm(
                prefix="deliver", initial={"method": conclusion.delivery_method if conclusion else ""}
            ),
            "deliver_url": reverse("workbench:lead_deliver", args=[case.pk]),
            "document_url_name": "workbench:lead_document",
        },
        status=status,
    )


@lead_required
@require_GET
def lead_document(request: HttpRequest, case_id: Any, which: str) -> HttpResponseBase:
    """The signed conclusion PDF or the integrated licence, once the results step produced them."""
    return document_response(_led_case(request, case_id), which)


@lead_required
@require_POST
def lead_deliver(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Record how the results reached the applicant: electronic, pickup, or post with a tracking number."""
    case = _led_case(request, case_id)
    form = DeliveryForm(request.POST, prefix="deliver")
    outcome = deliver(request, case, form)
    if outcome is None:
        return HttpResponseRedirect(reverse("workbench:conclusion", args=[case.pk]) + "#delivery")
    status, conflict = outcome
    return _render(request, _led_case(request, case_id), status=status, conflict=conflict, delivery_form=form)


@lead_required
def conclusion(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = _led_case(request, case_id)
    if request.method != "POST":
        return _render(request, case)
    form = ConclusionForm(request.POST)
    if form.is_valid():
        try:
            case_issue_conclusion(
                actor=request.user,
                case_id=case.pk,
                summary=form.cleaned_data["summary"],
                delivery_method=form.cleaned_data["delivery_method"],
                expected_version=form.cleaned_data.get("version"),
            )
        except OneGoError as exc:
            fresh = _led_case(request, case_id)
            if exc.code in ("conflict", "invalid_transition"):
                # Issued meanwhile, or not ready any more: say so over the page as it now stands.
                return _render(request, fresh, status=409, conflict=exc.message)
            attach_error(form, exc)
            return _render(request, fresh, form, status=403 if exc.code == "forbidden" else 400)
        messages.success(request, _("已出具结论，申请人将收到办结通知和各部门意见。"))
        return HttpResponseRedirect(reverse("workbench:conclusion", args=[case.pk]))
    return _render(request, case, form, status=400)
