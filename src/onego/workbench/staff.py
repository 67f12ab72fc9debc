"""Who may open which part of the workbench, decided by department memberships (accounts.Membership).

The sections follow the roles: the counter for clerks, the inbox for the deciding roles (officers and lead
officers), the conclusions for lead officers, the designer for service-centre administrators (Django
`is_staff`). The engine's access functions still decide every single case and sub-case; these checks only
keep people out of sections that can never show them anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required as django_staff_member_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.otp import is_verified, second_factor_required
from onego.accounts.selectors import Staff, staff_of


@dataclass(frozen=True)
class Sections:
    """The workbench sections a user may open (the dashboard and the navigation show exactly these)."""

    counter: bool
    inbox: bool
    lead: bool
    designer: bool

    @property
    def any(self) -> bool:
        return self.counter or self.inbox or self.lead or self.designer


def sections_for(user: Any, staff: Staff | None = None) -> Sections:
    staff = staff if staff is not None else staff_of(user)
    roles = {s.role for s in staff.seats}
    return Sections(
        counter=Role.CLERK in roles,
        inbox=bool(roles & set(DECIDING_ROLES)),
        lead=Role.LEAD_OFFICER in roles,
        designer=bool(getattr(user, "is_staff", False)),
    )


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"message": message}, status=403)


def _login(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), reverse("workbench:login"))


def staff_required(
    *roles: Role,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Signed in, and holding one of `roles` in some department (any role when none are named)."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return _login(request)
            if second_factor_required(request.user) and not is_verified(request.user):
                return _second_factor(request)
            staff = staff_of(request.user)
            if not _holds(staff, roles) and not (not roles and getattr(request.user, "is_staff", False)):
                return forbidden(request, _missing_role_message(roles))
            request.staff = staff  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _holds(staff: Staff, roles: Iterable[Role]) -> bool:
    wanted = set(roles)
    return any(not wanted or s.role in wanted for s in staff.seats)


def _missing_role_message(roles: Iterable[Role]) -> str:
    wanted = set(roles)
    if wanted == {Role.CLERK}:
        return _("窗口受理只对综合窗口受理员开放。")
    if wanted & set(DECIDING_ROLES) and Role.CLERK not in wanted and wanted != {Role.LEAD_OFFICER}:
        return _("审批待办只对部门审批人员开放。")
    if wanted == {Role.LEAD_OFFICER}:
        return _("出具结论只对牵头部门负责人开放。")
    return _("您的账号没有任何部门的工作台权限，请联系服务中心管理员。")


def staff_of_request(request: HttpRequest) -> Staff:
    """The signed-in user's memberships, looked up once per request (the view, its decorator and the
    navigation's template tags share them); looked up again only if the request's user changed."""
    staff = getattr(request, "staff", None)
    if not isinstance(staff, Staff) or staff.user_id != getattr(request.user, "pk", None):
        staff = staff_of(request.user)
        request.staff = staff  # type: ignore[attr-defined]
    return staff


def staff_member_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Django's `staff_member_required` (service-centre administrators), plus the second factor."""
    checked = django_staff_member_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (
            request.user.is_authenticated
            and second_factor_required(request.user)
            and not is_verified(request.user)
        ):
            return _second_factor(request)
        return checked(request, *args, **kwargs)

    return wrapper


def _second_factor(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(
        f"{reverse('workbench:second_factor')}?{urlencode({'next': request.get_full_path()})}"
    )
