"""The e-licence view (亮证) for staff: a licence a case they may see produced, the holder shown as
ADR 0008 says (in full for the region's window clerk, masked for officers). Decided in
`onego.cases.licence_view`; this module only renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from onego.cases.documents.licence_card import LicenceShown
from onego.cases.licence_view import licence_for_staff, licence_pdf, page_context
from onego.core.errors import NotFound
from onego.workbench.staff import staff_required


def _licence(request: HttpRequest, case_id: Any, identifier: str) -> LicenceShown:
    try:
        return licence_for_staff(request.user, case_id, identifier)
    except NotFound as exc:
        raise Http404(_("没有找到该电子证照")) from exc


@staff_required()
@require_GET
def case_licence(request: HttpRequest, case_id: Any, identifier: str) -> HttpResponse:
    lic = _licence(request, case_id, identifier)
    return render(request, "workbench/licence.html", {"case_id": case_id, **page_context(lic)})


@staff_required()
@require_GET
def case_licence_pdf(request: HttpRequest, case_id: Any, identifier: str) -> HttpResponse:
    pdf, filename = licence_pdf(_licence(request, case_id, identifier))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    return response
