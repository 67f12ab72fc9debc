"""新一件事建议: the public list, a proposal's page, proposing and supporting (signed-in people only).

Who proposes or supports is the signed-in person (their blind index, from the session), never a form field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onego.catalog.models import ServiceItem
from onego.core.errors import NotFound, OneGoError
from onego.portal.applicant import applicant_required, signed_in_applicant
from onego.signin.session import SignedIn
from onego.standards.proposals import DESCRIPTION, MAX_ITEMS, TITLE, proposal_submit, proposal_support
from onego.standards.selectors import proposal_by_id, public_proposals


@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/proposals/list.html", {"proposals": public_proposals()})


@require_GET
def proposal_detail(request: HttpRequest, proposal_id: Any) -> HttpResponse:
    try:
        proposal = proposal_by_id(proposal_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    signed_in = signed_in_applicant(request)
    supported = bool(signed_in and proposal.supports.filter(supporter_index=signed_in.person.index).exists())
    mine = bool(signed_in and proposal.proposer_index == signed_in.person.index)
    return render(
        request,
        "portal/proposals/detail.html",
        {"proposal": proposal, "signed_in": signed_in, "supported": supported, "mine": mine},
    )


def _form(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context: dict[str, Any] = {
        "items": ServiceItem.objects.order_by("name").only("code", "name"),
        "title_max": TITLE[1],
        "description_max": DESCRIPTION[1],
        "max_items": MAX_ITEMS,
        "values": {"title": "", "description": "", "departments": "", "items": []},
        "error": None,
    }
    context.update(extra)
    return render(request, "portal/proposals/new.html", context, status=status)


@applicant_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    if request.method == "GET":
        return _form(request)
    title = request.POST.get("title", "")[:500]
    description = request.POST.get("description", "")[:5000]
    departments = request.POST.get("departments", "")[:1000]
    items = request.POST.getlist("items")[:50]
    values = {"title": title, "description": description, "departments": departments, "items": items}
    try:
        proposal = proposal_submit(
            proposer_index=signed_in.person.index,
            proposer_display=signed_in.person.display,
            title=title,
            description=description,
            item_codes=items,
            departments=departments,
        )
    except OneGoError as exc:
        return _form(request, status=400, error=exc, values=values)
    messages.success(request, _("建议已发布，其他人可以支持它。"))
    return HttpResponseRedirect(reverse("portal:proposal_detail", args=[proposal.pk]))


@applicant_required
@require_POST
def proposal_support_view(request: HttpRequest, signed_in: SignedIn, proposal_id: Any) -> HttpResponse:
    try:
        proposal_support(proposal_id=proposal_id, supporter_index=signed_in.person.index)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except OneGoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("感谢支持。"))
    return HttpResponseRedirect(reverse("portal:proposal_detail", args=[proposal_id]))
