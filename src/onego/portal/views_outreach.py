"""为您推荐 (proactive offers) and 常用 (pins): the applicant's side of onego.outreach.

Views parse, call one outreach service, render or redirect. Every offer is reached through
`access_offer` (the signed-in person's own; "not found" = "not yours"); whom a pin or an opt-out is for
is always the signed-in person, never a posted value.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onego.core.errors import NotFound, OneGoError
from onego.outreach import services
from onego.outreach.selectors import offers_for, rule_choices
from onego.portal.applicant import applicant_required
from onego.signin.session import SignedIn


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


@applicant_required
@require_GET
def my_offers(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    index = signed_in.person.index
    return render(
        request,
        "portal/me/offers.html",
        {
            "signed_in": signed_in,
            "offers": list(offers_for(index)),
            "rules": rule_choices(list(services.active_rules().rules), index),
        },
    )


@applicant_required
@require_POST
def offer_start(request: HttpRequest, signed_in: SignedIn, offer_id: Any) -> HttpResponse:
    try:
        draft = services.offer_start(user=request.user, signed_in=signed_in, offer_id=offer_id)
    except NotFound:
        return render(request, "portal/not_found.html", {"what": ""}, status=404)
    except OneGoError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("portal:my_offers"))
    return HttpResponseRedirect(reverse("portal:apply_resume", args=[draft.pk]))


@applicant_required
@require_POST
def offer_dismiss(request: HttpRequest, signed_in: SignedIn, offer_id: Any) -> HttpResponse:
    try:
        services.offer_dismiss(signed_in=signed_in, offer_id=offer_id)
    except NotFound:
        return render(request, "portal/not_found.html", {"what": ""}, status=404)
    messages.success(request, _("已忽略该推荐。"))
    return _back(request, reverse("portal:my_offers"))


@applicant_required
@require_POST
def offer_preferences(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    rule = request.POST.get("rule", "").strip()[:80]
    choice = request.POST.get("choice", "")
    if choice not in ("out", "in"):
        messages.error(request, _("请选择退订或恢复接收。"))
        return HttpResponseRedirect(reverse("portal:my_offers"))
    service = services.opt_out if choice == "out" else services.opt_in
    try:
        service(person_index=signed_in.person.index, rule_code=rule, channel="web")
    except OneGoError as exc:
        messages.error(request, exc.message)
    else:
        if choice == "out":
            messages.success(request, _("已退订，今后不再向您推送此类提醒。"))
        else:
            messages.success(request, _("已恢复接收此类提醒。"))
    return HttpResponseRedirect(reverse("portal:my_offers"))


@applicant_required
@require_POST
def pin(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    code = request.POST.get("package", "").strip()[:80]
    action = request.POST.get("action", "pin")
    index = signed_in.person.index
    try:
        if action == "unpin":
            services.unpin_package(person_index=index, package_code=code)
            messages.success(request, _("已从首页取消固定。"))
        else:
            services.pin_package(
                person_index=index, package_code=code, region_code=request.session.get("region", "")
            )
            messages.success(request, _("已固定到首页“我的常用”。"))
    except NotFound:
        return render(request, "portal/not_found.html", {"what": code}, status=404)
    except OneGoError as exc:
        messages.error(request, exc.message)
    return _back(request, reverse("portal:home"))
