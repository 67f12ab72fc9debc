"""Staff sign-in and the dashboard: one section per role the user holds in some department."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from onego.accounts.models import DECIDING_ROLES
from onego.cases import selectors as case_selectors
from onego.cases.workflow import CaseStatus
from onego.core import clock
from onego.core.services import working_calendar
from onego.workbench import selectors
from onego.workbench.presenters import COLOUR_CHOICES
from onego.workbench.staff import sections_for, staff_of_request, staff_required


class LoginView(auth_views.LoginView):
    """Django's sign-in, in the workbench's page chrome; back to where the user was going."""

    template_name = "workbench/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("workbench:index")  # type: ignore[assignment]


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("workbench:login")  # type: ignore[assignment]


@staff_required()
def index(request: HttpRequest) -> HttpResponse:
    staff = staff_of_request(request)
    sections = sections_for(request.user, staff)
    context: dict[str, object] = {"sections": sections, "seats": staff.seats}
    if sections.inbox:
        rows = selectors.inbox_rows(
            case_selectors.inbox(request.user)[:500], calendar=working_calendar(), today=clock.today()
        )
        counts = {colour: 0 for colour, _ in COLOUR_CHOICES}
        for row in rows:
            if row.light.colour in counts:
                counts[row.light.colour] += 1
        context["inbox_total"] = len(rows)
        context["inbox_counts"] = [(c, label, counts[c]) for c, label in COLOUR_CHOICES]
        context["inbox_mine"] = sum(1 for r in rows if r.subcase.assignee_id == request.user.pk)
        context["deciding_departments"] = [s for s in staff.seats if s.role in DECIDING_ROLES]
    if sections.lead:
        context["ready_count"] = selectors.led_cases(staff, [CaseStatus.READY_TO_CONCLUDE]).count()
    if sections.counter:
        context["counter_recent"] = list(selectors.counter_cases(request.user, limit=5))
    return render(request, "workbench/dashboard.html", context)
