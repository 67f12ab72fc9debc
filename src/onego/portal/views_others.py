"""Another adult's own consent, on the portal: the applicant asks (`/apply/<draft>/others/`), the person
answers on their own page (`/consent/ask/<token>/`, signed in as themself).

Both call `onego.applications.others` (the same services as the counter's API operation). The person's
page shows only a request whose link they hold *and* that was sent to them: anyone else — the applicant
with the link included — gets the same 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onego.applications import drafts
from onego.applications.others import ask_other_person, other_person_decide, others_to_ask
from onego.core.errors import NotFound, OneGoError
from onego.exchange.person_consent import request_for_person, status_of
from onego.portal.applicant import applicant_required
from onego.signin.session import SignedIn


def _not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "portal/not_found.html", {"what": what}, status=404)


@applicant_required
@require_http_methods(["GET", "POST"])
def apply_others(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    """GET: whom this application may ask, and the requests made. POST: ask one person."""
    try:
        draft = drafts.access_draft(user=request.user, signed_in=signed_in, draft_id=draft_id)
        if draft.status != "open":
            raise NotFound("没有找到该申请草稿", field="draft")
    except NotFound:
        return _not_found(request, _("申请草稿"))
    if drafts.unanswered(draft) or not draft.contact_done:
        return HttpResponseRedirect(reverse("portal:apply_resume", args=[draft.pk]))  # earlier steps first
    try:
        case = drafts.draft_ensure_case(draft=draft, signed_in=signed_in)
    except OneGoError as exc:
        return render(request, "portal/apply/others.html", {"draft": draft, "error": exc}, status=400)
    error: OneGoError | None = None
    posted: dict[str, str] = {}
    if request.method == "POST":
        posted = {k: request.POST.get(k, "").strip() for k in ("subject", "id_number", "phone")}
        try:
            ask_other_person(
                user=request.user,
                case_id=case.pk,
                subject_code=posted["subject"],
                id_number=posted["id_number"],
                phone=posted["phone"],
                applicant_label=drafts.ledger_actor(signed_in),
            )
        except OneGoError as exc:
            error = exc
        else:
            messages.success(request, _("已向对方发送授权短信。对方同意后，请回到“授权共享”重新一键填表。"))
            return HttpResponseRedirect(reverse("portal:apply_others", args=[draft.pk]))
    try:
        subjects, requests = others_to_ask(user=request.user, case_id=case.pk)
    except OneGoError as exc:
        return render(request, "portal/apply/others.html", {"draft": draft, "error": exc}, status=400)
    rows = [{"row": r, "status": status_of(r)} for r in requests]
    return render(
        request,
        "portal/apply/others.html",
        {
            "draft": draft,
            "signed_in": signed_in,
            "subjects": subjects,
            "rows": rows,
            "error": error,
            "posted": {k: v for k, v in posted.items() if k != "id_number"},
            "back": reverse("portal:apply_consent", args=[draft.pk]),
        },
        status=400 if error else 200,
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def person_consent(request: HttpRequest, signed_in: SignedIn, token: str) -> HttpResponse:
    """The person asked: what is asked, by which application, and grant or decline (as themself only)."""
    if signed_in.for_enterprise:
        return _not_found(request, _("授权请求"))
    person = signed_in.acting.subject
    try:
        row = request_for_person(token, person)
    except NotFound:
        return _not_found(request, _("授权请求"))
    error: OneGoError | None = None
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in ("grant", "decline"):
            error = OneGoError(_("请选择“同意”或“不同意”"), field="decision")
        else:
            try:
                row = other_person_decide(token=token, person=person, agree=decision == "grant")
            except OneGoError as exc:
                error = exc
            else:
                messages.success(
                    request,
                    _("已同意授权，可随时在“我的授权”中撤回。")
                    if decision == "grant"
                    else _("已记录您不同意授权，申请人将自行填写。"),
                )
                return HttpResponseRedirect(request.path)
    return render(
        request,
        "portal/consent_ask.html",
        {"signed_in": signed_in, "row": row, "status": status_of(row), "error": error},
        status=400 if error else 200,
    )
