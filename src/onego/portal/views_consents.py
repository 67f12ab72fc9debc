"""我的授权 (`/me/consents/`): the applicant's consents, and withdrawing one (a confirmation page, then POST).

Withdrawal is `exchange.services.consent_withdraw`: it stamps the consent and appends the
`consent.withdrawn` ledger entry in one transaction. Later reads under the consent are refused (and those
refusals are recorded too); what was read before, the applications made and the decisions taken stand.
Every consent is reached through `exchange.selectors.consent_for_applicant`: someone else's, a missing one
and a malformed id are the same 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onego.applications.drafts import ledger_actor
from onego.core.errors import NotFound
from onego.exchange.models import ConsentStatus
from onego.exchange.selectors import consent_for_applicant
from onego.exchange.services import consent_withdraw
from onego.portal.applicant import applicant_required
from onego.portal.consents import consent_row, consent_rows
from onego.signin.session import SignedIn


@applicant_required
@require_GET
def my_consents(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    rows = consent_rows(signed_in.acting.index)
    return render(request, "portal/me/consents.html", {"signed_in": signed_in, "rows": rows})


@applicant_required
@require_http_methods(["GET", "POST"])
def my_consent_withdraw(request: HttpRequest, signed_in: SignedIn, consent_id: Any) -> HttpResponse:
    """GET: what withdrawing means, and the button. POST: withdraw (asking twice is not an error)."""
    try:
        consent = consent_for_applicant(consent_id, signed_in.acting.subject)
    except NotFound:
        return render(request, "portal/not_found.html", {"what": _("授权记录")}, status=404)
    back = reverse("portal:my_consents")
    if consent.status != ConsentStatus.ACTIVE:
        messages.info(request, _("该授权已不在有效状态（已撤回、已过期或未授权），无需撤回"))
        return HttpResponseRedirect(back)
    if request.method == "POST":
        consent_withdraw(
            consent_id=consent.pk, applicant=signed_in.acting.subject, actor=ledger_actor(signed_in)
        )
        messages.success(
            request,
            _("已撤回授权：此后不能再依据该授权读取您的数据。撤回已记入防篡改账本。"),
        )
        return HttpResponseRedirect(f"{back}#consent-{consent.pk}")
    return render(
        request,
        "portal/me/consent_withdraw.html",
        {"signed_in": signed_in, "row": consent_row(consent)},
    )
