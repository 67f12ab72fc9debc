"""Result documents: the public verification page behind the QR code, and the PDF download.

Views only parse, call the cases read functions and render (the checks are in
`onego.cases.verification`; access in `onego.cases.access`).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onego.cases.access import access_case_by_id, access_case_for_applicant
from onego.cases.models import Case
from onego.cases.verification import check_document_token
from onego.core.errors import NotFound
from onego.portal.applicant import signed_in_applicant

DOCUMENTS = {"conclusion": ("document", "办结结论"), "licence": ("licence_document", "一业一证")}


@require_GET
def verify_document(request: HttpRequest, token: str) -> HttpResponse:
    """GET /verify/<token>: public, no sign-in; shows 有效/无效 with the reason and only masked data."""
    check = check_document_token(token)
    return render(request, "portal/verify.html", {"check": check}, status=200)


def _case_for(request: HttpRequest, case_id: Any) -> Case:
    """The applicant's own case when an applicant is signed in, else a case the staff user may see."""
    signed_in = signed_in_applicant(request)
    if signed_in is not None:
        return access_case_for_applicant(signed_in.acting.index, case_id)
    return access_case_by_id(request.user, case_id)


@require_GET
def document_download(request: HttpRequest, case_id: Any, kind: str) -> HttpResponseBase:
    """GET /documents/<case>/<conclusion|licence>.pdf: the case's staff and its applicant only."""
    not_found = render(request, "portal/not_found.html", {"what": "文书"}, status=404)
    if kind not in DOCUMENTS or not request.user.is_authenticated:
        return not_found
    try:
        case = _case_for(request, case_id)
    except NotFound:
        return not_found
    conclusion = getattr(case, "conclusion", None)
    field, label = DOCUMENTS[kind]
    document = getattr(conclusion, field, None) if conclusion is not None else None
    if conclusion is None or conclusion.issued_at is None or not document:
        return not_found
    return FileResponse(document.open("rb"), as_attachment=True, filename=f"{case.reference}-{label}.pdf")
