"""Staff sign-in and the dashboard: one section per role the user holds in some department."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.http import urlencode

from onego.accounts.login import StaffAuthenticationForm
from onego.accounts.models import DECIDING_ROLES
from onego.accounts.otp import is_verified, second_factor_required
from onego.cases import selectors as case_selectors
from onego.cases.workflow import CaseStatus
from onego.core import clock
from onego.core.services import working_calendar
from onego.workbench import selectors
from onego.workbench.presenters import COLOUR_CHOICES
from onego.workbench.staff import sections_for, staff_of_request, staff_required


class LoginView(auth_views.LoginView):
    """Django's sign-in, in the workbench's page chrome; back to where the user was going.

    The form refuses locked accounts and addresses and counts failures (onego.accounts.login); when
    staff need a second factor, a correct password leads to the one-time-code page, not the target.
    """

    template_name = "workbench/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("workbench:index")  # type: ignore[assignment]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and second_factor_required(user) and not is_verified(user):
            return second_factor_redirect(request, self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: StaffAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        auth_login(self.request, user)
        if second_factor_required(user):
            return second_factor_redirect(self.request, self.get_success_url())
        return HttpResponseRedirect(self.get_success_url())


def second_factor_redirect(request: HttpRequest, next_url: str) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse_lazy('workbench:second_factor')}?{urlencode({'next': next_url})}")


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
