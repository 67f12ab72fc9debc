"""An e-licence as people see it (亮证): the rendered licence page, its PDF, and its public check.

Reads only. Who may open a licence, and how much of its holder they see, is decided here, once, for
the portal, the workbench and the PDF alike:

- the holder (the signed-in subject the library issued it to) sees their own licence in full;
- the applicant of the case that produced it sees it in full too (it is their case's result);
- staff reach it only through a case they may see (`access.access_case_by_id`) whose conclusion lists
  it; they see the holder as ADR 0008 says: in full for the window clerk of the region
  (`access.sees_applicant_in_full`), masked for officers, leads and supervisors;
- anyone scanning the QR code gets the public check (`check_licence_token`): status and the masked
  holder, as the document verification page shows (an enterprise's name is public, its code masked).

The QR code carries `verify/licence/<identifier>:<signature>`: the identifier signed with the site's
signing key (`django.core.signing`, its own salt), so the public check answers only for identifiers
the platform printed, and serial numbers cannot be walked to list who holds what.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext

from onego.cases.access import access_case_by_id, sees_applicant_in_full
from onego.cases.documents.licence_card import LicenceShown, render_licence_card_pdf, validity
from onego.cases.documents.qr import qr_svg
from onego.cases.identity import mask_identifier, mask_name
from onego.cases.models import Case
from onego.cases.services.results import public_url
from onego.core import clock
from onego.core.errors import NotFound
from onego.registries.gateway import HeldLicence, find_licence, licences_held

_SIGNING_SALT = "onego.elicence.verify"
HOLDER_CODE_WORDS = {"111": "公民身份号码", "001": "统一社会信用代码"}


def licence_token(identifier: str) -> str:
    return signing.Signer(salt=_SIGNING_SALT).sign(identifier)


def _identifier_of(token: str) -> str | None:
    try:
        return signing.Signer(salt=_SIGNING_SALT).unsign(token)
    except signing.BadSignature:
        return None


def _status(held: HeldLicence) -> str:
    rec = held.record
    if rec.status != "valid":
        return rec.status
    if rec.valid_until is not None and rec.valid_until < clock.today():
        return "expired"
    return "valid"


def shown(held: HeldLicence, *, full: bool) -> LicenceShown:
    """The licence for one viewer: the holder's name and code in full, or masked (an enterprise's name is
    public, as on a business licence; only its code is masked)."""
    rec = held.record
    kind = "enterprise" if rec.holder_code_type == "001" else "person"
    data: dict[str, Any] = rec.data or {}
    return LicenceShown(
        identifier=rec.identifier,
        name=rec.name,
        number=rec.number,
        holder_name=rec.holder_name if full or kind == "enterprise" else mask_name(rec.holder_name, kind),
        holder_code=held.holder_code if full else mask_identifier(held.holder_code, kind),
        holder_code_word=HOLDER_CODE_WORDS.get(rec.holder_code_type, "证件号码"),
        holder_kind=kind,
        issuer=rec.issuer_name,
        issued_on=rec.issued_on,
        valid_from=rec.valid_from,
        valid_until=rec.valid_until,
        status=_status(held),
        case_reference=str(data.get("case_reference", "")),
        item_name=str(data.get("item_name", "")),
        full=full,
        token=licence_token(rec.identifier),
    )


def _find(identifier: str) -> HeldLicence:
    held = find_licence(identifier) if identifier else None
    if held is None:
        raise NotFound("没有找到该电子证照", field="identifier")
    return held


def _case_lists(case: Case, identifier: str) -> bool:
    conclusion = getattr(case, "conclusion", None)
    return conclusion is not None and any(r.get("identifier") == identifier for r in conclusion.results)


def licence_for_holder(subject_index: str, identifier: str) -> LicenceShown:
    """A licence the signed-in subject holds, or one their own case produced; NotFound for anything else."""
    held = _find(identifier)
    if subject_index and held.holder_index == subject_index:
        return shown(held, full=True)
    reference = str((held.record.data or {}).get("case_reference", ""))
    case = (
        Case.objects.filter(reference=reference, applicant_index=subject_index).first()
        if reference and subject_index
        else None
    )
    if case is None or not _case_lists(case, held.record.identifier):
        raise NotFound("没有找到该电子证照", field="identifier")
    return shown(held, full=True)


def licence_for_staff(actor: Any, case_id: Any, identifier: str) -> LicenceShown:
    """A licence issued by a case the staff member may see (NotFound alike for missing and not theirs)."""
    case = access_case_by_id(actor, case_id)
    held = find_licence(identifier) if identifier else None
    if held is None or not _case_lists(case, held.record.identifier):
        raise NotFound("没有找到该电子证照", field="identifier")
    return shown(held, full=sees_applicant_in_full(actor, case))


def results_of(case: Case) -> list[dict[str, Any]]:
    """The e-licences a case's conclusion issued (name, issuer, identifier), for links to their pages."""
    conclusion = getattr(case, "conclusion", None)
    return list(conclusion.results) if conclusion is not None else []


def licences_of_holder(subject_index: str) -> list[LicenceShown]:
    """我的证照: every licence the library issued to the signed-in subject, in full (they are its holder)."""
    return [shown(held, full=True) for held in licences_held(subject_index)]


def verify_url(lic: LicenceShown) -> str:
    """The absolute URL the QR code opens (the public check of this licence)."""
    return f"{public_url()}/verify/licence/{lic.token}"


def page_context(lic: LicenceShown) -> dict[str, Any]:
    """What the licence card partial (`cases/_licence_card.html`) needs, for the portal and the workbench."""
    url = verify_url(lic)
    return {
        "lic": lic,
        "validity": validity(lic),
        "verify_url": url,
        "qr": qr_svg(url, title=gettext("扫码核验本证状态")),
    }


def licence_pdf(lic: LicenceShown) -> tuple[bytes, str]:
    """The licence's PDF (亮证展示件) for this viewer, and its file name."""
    pdf = render_licence_card_pdf(lic, verify_url=verify_url(lic), printed_at=timezone.localtime(clock.now()))
    return pdf, f"{lic.name}-{lic.number or lic.identifier[-12:]}.pdf"


def check_licence_token(token: str) -> LicenceShown | None:
    """The public check behind the QR code: the licence, its holder masked; None for a forged token or a
    licence the library no longer holds."""
    identifier = _identifier_of(token)
    held = find_licence(identifier) if identifier else None
    return shown(held, full=False) if held is not None else None
