"""Document verification for programs: `GET /api/v1/documents/verify?token=<QR token>`.

Public, like the page behind the QR code (/verify/<token>), and showing the same: whether the
document is genuine and on file (`ok`, `code`, `why` in Chinese), what it says — masked — and, for
an integrated licence, each permit's state in the e-licence library. Always 200: an invalid token
is an answer (`ok: false` with the reason), not an error.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from onego.cases.verification import check_document_token

router = Router(tags=["documents"], auth=None)


class VerifyIn(Schema):
    token: str


class PermitOut(Schema):
    name: str
    identifier: str
    issuer: str
    valid: bool
    status: str


class VerifyOut(Schema):
    ok: bool
    verdict: str  # 有效 / 无效
    code: str
    why: str
    kind: str
    number: str
    case_reference: str
    package_name: str
    outcome: str
    outcome_label: str
    issuing_department: str
    issued_at: dt.datetime | None
    applicant: str
    holder_code_masked: str
    digest: str
    key_id: str
    permits: list[PermitOut]


@router.get(
    "/documents/verify", response=VerifyOut, summary="Verify a conclusion or integrated licence token"
)
def verify_document(request: HttpRequest, query: Query[VerifyIn]) -> VerifyOut:
    check = check_document_token(query.token)
    return VerifyOut(
        ok=check.ok,
        verdict=check.label,
        code=check.code,
        why=check.why,
        kind=check.kind,
        number=check.number,
        case_reference=check.case_reference,
        package_name=check.package_name,
        outcome=check.outcome,
        outcome_label=check.outcome_label,
        issuing_department=check.issuing_department,
        issued_at=check.issued_at,
        applicant=check.applicant,
        holder_code_masked=check.holder_code_masked,
        digest=check.digest,
        key_id=check.key_id,
        permits=[PermitOut(**p.__dict__) for p in check.permits],
    )
