"""Checking a document's QR token (GET /verify/<token>, GET /api/v1/documents/verify?token=).

Reads only. The steps, each with its reason when it fails:

1. `verify_token` against the document keys of the departments that issued conclusions (plus the
   configured and retired keys): malformed / unknown key / bad signature.
2. The document the token names, looked up by its signed digest among the stored conclusions and
   integrated licences: none means the platform never issued it (“平台未存档”).
3. The stored document is rebuilt from its stored fields and its digest recomputed: a mismatch
   means the stored copy was changed (`digest_mismatch`).
4. The signing key must be the issuing (lead) department's own.
5. For an integrated licence, each permit the token lists is looked up in the e-licence library:
   still valid, revoked, expired — or not known; the library being down is said as such.

What is shown is what the paper shows, personal data only masked: the applicant's masked name, an
enterprise holder's name (public, as on a business licence) and masked code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from onego.cases.documents import public_keys, signer_for, verify_token
from onego.cases.documents.digest import KIND_LICENCE, document_digest
from onego.cases.models import Conclusion, ResultsStatus
from onego.cases.services.results import (
    applicant_subject,
    conclusion_document_from_fields,
    integrated_licence_from_fields,
)
from onego.cases.workflow import Outcome
from onego.core import clock
from onego.registries.gateway import RegistryUnavailable, find_licences


@dataclass(frozen=True)
class PermitCheck:
    name: str
    identifier: str
    issuer: str
    valid: bool
    status: str  # 有效 / 已注销 / 已过期 / 电子证照库中未找到 / 电子证照库暂时无法查询


@dataclass(frozen=True)
class DocumentCheck:
    ok: bool
    code: str  # ok | malformed | unknown_key | bad_signature | not_found | digest_mismatch | wrong_department
    why: str
    kind: str = ""  # conclusion | integrated_licence
    title: str = ""
    number: str = ""
    case_reference: str = ""
    package_name: str = ""
    outcome: str = ""
    outcome_label: str = ""
    issuing_department: str = ""
    issued_at: dt.datetime | None = None
    applicant: str = ""  # masked name (conclusion) or enterprise name (licence)
    holder_code_masked: str = ""
    digest: str = ""
    key_id: str = ""
    permits: tuple[PermitCheck, ...] = field(default=())

    @property
    def label(self) -> str:
        return "有效" if self.ok else "无效"


def _issuing_departments() -> list[str]:
    return list(
        Conclusion.objects.filter(results_status=ResultsStatus.PRODUCED, issuing_department__isnull=False)
        .values_list("issuing_department__code", flat=True)
        .distinct()
    )


def _permit_checks(
    conclusion: Conclusion, identifiers: tuple[str, ...], names: dict[str, tuple[str, str]]
) -> tuple[PermitCheck, ...]:
    try:
        held = {
            lic.identifier: lic for lic in find_licences(applicant_subject(conclusion.case), valid_only=False)
        }
    except RegistryUnavailable:
        return tuple(
            PermitCheck(
                *names.get(i, ("", ""))[:1], i, names.get(i, ("", ""))[1], False, "电子证照库暂时无法查询"
            )
            for i in identifiers
        )
    checks = []
    for identifier in identifiers:
        name, issuer = names.get(identifier, ("", ""))
        lic = held.get(identifier)
        if lic is None:
            checks.append(PermitCheck(name, identifier, issuer, False, "电子证照库中未找到"))
            continue
        expired = lic.valid_until is not None and lic.valid_until < clock.today()
        if lic.status != "valid":
            status = {"revoked": "已注销", "expired": "已过期"}.get(lic.status, lic.status)
        else:
            status = "已过期" if expired else "有效"
        checks.append(
            PermitCheck(lic.name or name, identifier, lic.issuer_name or issuer, status == "有效", status)
        )
    return tuple(checks)


def check_document_token(token: str) -> DocumentCheck:
    """Whether the token's document is genuine and on file, and what it says (see the module doc)."""
    result = verify_token(token, public_keys=public_keys(departments=_issuing_departments()))
    if not result.ok:
        return DocumentCheck(
            ok=False, code=result.code, why=result.why, kind=result.kind, key_id=result.key_id
        )
    is_licence = result.kind == KIND_LICENCE
    conclusion = (
        Conclusion.objects.select_related("case", "issuing_department")
        .filter(Q(licence_digest=result.digest) if is_licence else Q(document_digest=result.digest))
        .first()
    )
    if conclusion is None:
        return DocumentCheck(
            ok=False,
            code="not_found",
            why="签名有效，但平台未存档该文书：可能不是本平台出具的文书",
            kind=result.kind,
            key_id=result.key_id,
        )
    stored = (
        integrated_licence_from_fields(conclusion.licence_fields)
        if is_licence
        else conclusion_document_from_fields(conclusion.document_fields)
    )
    # Against the digest of the document rebuilt from what is on file, not the stored digest column.
    result = verify_token(
        token,
        public_keys=public_keys(departments=_issuing_departments()),
        expected_digest=document_digest(stored),
    )
    case = conclusion.case
    lead = conclusion.issuing_department
    base = DocumentCheck(
        ok=result.ok,
        code=result.code,
        why=result.why,
        kind=result.kind,
        title="一业一证综合许可证" if is_licence else "一件事办理结论通知书",
        number=stored.number,
        case_reference=case.reference,
        package_name=case.package_name,
        outcome=conclusion.outcome,
        outcome_label=Outcome(conclusion.outcome).label,
        issuing_department=lead.name if lead else "",
        issued_at=conclusion.issued_at,
        applicant=stored.holder_name if is_licence else case.applicant_display,  # type: ignore[union-attr]
        holder_code_masked=stored.holder_code_masked if is_licence else "",  # type: ignore[union-attr]
        digest=result.digest,
        key_id=result.key_id,
    )
    if not result.ok:
        return base
    if lead is None or signer_for(lead.code, name=lead.name).key_id != result.key_id:
        return DocumentCheck(
            **{
                **base.__dict__,
                "ok": False,
                "code": "wrong_department",
                "why": "签名密钥不属于该文书的签发部门",
            }
        )
    if is_licence:
        names = {p.identifier: (p.name, p.issuer) for p in stored.permits}  # type: ignore[union-attr]
        return DocumentCheck(
            **{**base.__dict__, "permits": _permit_checks(conclusion, result.permits, names)}
        )
    return base
