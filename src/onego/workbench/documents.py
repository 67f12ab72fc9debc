"""The result documents of a concluded case (the signed conclusion PDF, the integrated licence 一业一证),
served to staff who may see the case — once the results step has produced them (cases/services/results.py)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from onego.cases.models import Case, Conclusion

DOCUMENTS = {"conclusion": "办结结论", "licence": "一业一证综合许可证"}


def document_response(case: Case, which: str) -> FileResponse:
    """The caller has checked access to the case; here only what exists is served."""
    conclusion = Conclusion.objects.filter(case=case, issued_at__isnull=False).first()
    file = None
    if conclusion is not None and which in DOCUMENTS:
        file = conclusion.document if which == "conclusion" else conclusion.licence_document
    if not file:
        raise Http404(_("结论文书尚未生成"))
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=f"{case.reference}-{DOCUMENTS[which]}.pdf"
    )
