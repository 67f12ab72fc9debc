"""The staff second factor after the password: enrol a TOTP authenticator (QR code), then enter its code.

Reached from the login page when `ONEGO_STAFF_OTP_REQUIRED` is on (onego.accounts.otp); every staff
page and the staff API refuse a session that has not passed it.
"""

from __future__ import annotations

import base64

import django_otp
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onego.accounts import otp
from onego.core.errors import ValidationFailed


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workbench:index")


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(reverse("workbench:login"))
    next_url = _next(request)
    if not otp.second_factor_required(user) or otp.is_verified(user):
        return HttpResponseRedirect(next_url)
    device = otp.confirmed_device(user)
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "")
        if device is not None:
            matched = otp.verify(user=user, token=token)
            if matched is not None:
                django_otp.login(request, matched)
                return HttpResponseRedirect(next_url)
            error = _("动态口令不正确或已过期，请输入验证器当前显示的6位数字。")
        else:
            try:
                enrolled = otp.confirm_enrolment(user=user, token=token)
            except ValidationFailed as exc:
                error = exc.message
            else:
                django_otp.login(request, enrolled)
                return HttpResponseRedirect(next_url)
    context: dict[str, object] = {"next": next_url, "error": error, "enrolling": device is None}
    if device is None:
        pending = otp.pending_device(user=user)
        context["qr"] = otp.qr_svg(pending)
        context["secret"] = base64.b32encode(pending.bin_key).decode()
    return render(request, "workbench/second_factor.html", context, status=200 if not error else 400)
