"""Applicant sign-in (ID number + one-time code), choosing whom to act for, and signing out."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from onego.core import pii
from onego.core.errors import OneGoError
from onego.portal.applicant import applicant_required, client_address
from onego.signin import session as applicant_session
from onego.signin.codes import TooManyRequests, code_request, code_resend, code_verify
from onego.signin.enterprises import represented_enterprises
from onego.signin.session import SignedIn

PENDING = "onego.signin.pending"
# Stay signed in for two hours after the last change to the session (each page the applicant moves to).
SESSION_SECONDS = 2 * 60 * 60


def _safe_next(request: HttpRequest, value: str | None) -> str:
    default = reverse("portal:my_cases")
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


def _demo_context() -> dict[str, Any]:
    # Development only: where the demo's SMS backend writes the code (never shown with DEBUG off).
    if not settings.DEBUG:
        return {}
    return {"demo_sms_log": str(Path(settings.DATA_DIR) / "sms.log")}


def _status(exc: OneGoError) -> int:
    return 429 if isinstance(exc, TooManyRequests) else 400


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    context: dict[str, Any] = {"next": next_url, "id_number": "", "error": None, **_demo_context()}
    if request.method == "POST":
        id_number = request.POST.get("id_number", "").strip()[:30]
        context["id_number"] = id_number
        try:
            challenge = code_request(id_number=id_number, client_address=client_address(request))
        except OneGoError as exc:
            context["error"] = exc
            response = render(request, "portal/signin/id_number.html", context, status=_status(exc))
            if isinstance(exc, TooManyRequests):
                response["Retry-After"] = str(exc.retry_after)
            return response
        request.session[PENDING] = {
            "challenge": challenge.id,
            "pending": challenge.pending,
            "next": next_url,
            "id_masked": pii.mask_id_number(id_number),
        }
        return HttpResponseRedirect(reverse("portal:login_code"))
    return render(request, "portal/signin/id_number.html", context)


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return HttpResponseRedirect(reverse("portal:login"))
    context: dict[str, Any] = {"pending": pending, "error": None, **_demo_context()}
    if request.method == "POST":
        try:
            user, person = code_verify(
                challenge_id=pending["challenge"],
                code=request.POST.get("code", "")[:20],
                pending=pending["pending"],
            )
        except OneGoError as exc:
            context["error"] = exc
            return render(request, "portal/signin/code.html", context, status=_status(exc))
        # login() gives the session a new key (no fixation) and a new CSRF token.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session.set_expiry(SESSION_SECONDS)
        request.session.pop(PENDING, None)
        enterprises = represented_enterprises(person)
        applicant_session.store(request.session, person=person, enterprises=enterprises)
        next_url = _safe_next(request, pending.get("next"))
        if enterprises:
            return HttpResponseRedirect(f"{reverse('portal:choose_subject')}?{urlencode({'next': next_url})}")
        return HttpResponseRedirect(next_url)
    return render(request, "portal/signin/code.html", context)


@require_POST
def sign_in_resend(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return HttpResponseRedirect(reverse("portal:login"))
    try:
        challenge = code_resend(pending=pending["pending"], client_address=client_address(request))
    except OneGoError as exc:
        context = {"pending": pending, "error": exc, **_demo_context()}
        response = render(request, "portal/signin/code.html", context, status=_status(exc))
        if isinstance(exc, TooManyRequests):
            response["Retry-After"] = str(exc.retry_after)
        return response
    request.session[PENDING] = {**pending, "challenge": challenge.id, "pending": challenge.pending}
    messages.success(request, _("新的验证码已发送，之前的验证码仍在有效期内也可使用"))
    return HttpResponseRedirect(reverse("portal:login_code"))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the session: the sealed identity goes with it
    messages.success(request, _("您已安全退出"))
    return HttpResponseRedirect(reverse("portal:home"))


@applicant_required
@require_http_methods(["GET", "POST"])
def choose_subject(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        chosen = applicant_session.act_for(request.session, signed_in, request.POST.get("subject", ""))
        if chosen is None:
            messages.error(request, _("请选择办理主体"))
            return HttpResponseRedirect(reverse("portal:choose_subject"))
        messages.success(request, _("现在以“%(name)s”的身份办理") % {"name": chosen.display})
        return HttpResponseRedirect(next_url)
    return render(
        request,
        "portal/signin/choose_subject.html",
        {"signed_in": signed_in, "choices": [signed_in.person, *signed_in.enterprises], "next": next_url},
    )
