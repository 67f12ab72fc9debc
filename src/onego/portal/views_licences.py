"""我的证照 and the e-licence view (亮证): the holder's licences, one licence rendered with its QR code, its
PDF, and the public check the QR code opens. Who sees what is decided in `onego.cases.licence_view`."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onego.cases.licence_view import (
    check_licence_token,
    licence_for_holder,
    licence_pdf,
    licences_of_holder,
    page_context,
)
from onego.core.errors import NotFound
from onego.portal.applicant import applicant_required
from onego.signin.session import SignedIn


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_found.html", {"what": "电子证照"}, status=404)


@applicant_required
@require_GET
def my_licences(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    licences = licences_of_holder(signed_in.acting.index)
    return render(request, "portal/me/licences.html", {"signed_in": signed_in, "licences": licences})


@applicant_required
@require_GET
def my_licence(request: HttpRequest, signed_in: SignedIn, identifier: str) -> HttpResponse:
    try:
        lic = licence_for_holder(signed_in.acting.index, identifier)
    except NotFound:
        return _not_found(request)
    return render(request, "portal/me/licence.html", {"signed_in": signed_in, **page_context(lic)})


@applicant_required
@require_GET
def my_licence_pdf(request: HttpRequest, signed_in: SignedIn, identifier: str) -> HttpResponse:
    try:
        lic = licence_for_holder(signed_in.acting.index, identifier)
    except NotFound:
        return _not_found(request)
    pdf, filename = licence_pdf(lic)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    return response


@require_GET
def verify_licence(request: HttpRequest, token: str) -> HttpResponse:
    """GET /verify/licence/<token>: public; the licence's state in the library and its holder masked."""
    return render(request, "portal/verify_licence.html", {"lic": check_licence_token(token)})
