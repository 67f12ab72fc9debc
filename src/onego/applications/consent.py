"""Consent and one-click prefill for one application, the same for every channel.

Bound to a real case the user may act on (`access_case_by_id`: a missing case and someone else's are the
same NotFound), still before acceptance, for the case's own applicant (the subject is read from the case,
never from the request). Who gave it and where is decided here from the session, never sent:

- the case's applicant signed in online → actor `applicant:<blind index>` (and `/legal_rep:…` when acting
  for an enterprise), channel `web`;
- a window clerk whose region contains the case's (the applicant in front of them) → actor
  `dept:<window>/user:<clerk>`, channel `window` — recorded as the clerk, never as the citizen;
- anyone else — officers, supervisors, clerks of another region, superusers without a window — is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from onego.accounts.models import Role
from onego.accounts.selectors import StaffSeat, staff_of
from onego.cases.access import access_case_by_id, region_contains
from onego.cases.identity import unseal
from onego.cases.models import Case, Channel
from onego.cases.workflow import CaseStatus
from onego.core.errors import NotFound, PermissionDenied, ValidationFailed
from onego.exchange.models import Consent, ConsentChannel
from onego.exchange.preview import ConsentPreview
from onego.exchange.services import (
    PrefillOutcome,
    applicant_actor,
    consent_decline,
    consent_grant,
    consent_preview,
    consent_withdraw,
    prefill,
)
from onego.registries.gateway import Subject

BEFORE_ACCEPTANCE = (
    CaseStatus.DRAFT,
    CaseStatus.SUBMITTED,
    CaseStatus.NEEDS_CORRECTION,
    CaseStatus.PRE_REVIEWED,
)
NOT_ALLOWED = "只有申请人本人，或本地区综合窗口受理员为当面办理的申请人，可以授权和一键填表"


@dataclass(frozen=True)
class Giver:
    """Who gives (or declines) consent and runs prefill on a case, as the ledger names them, and where."""

    actor: str
    channel: str


def clerk_seat(user: Any, region_code: str) -> StaffSeat | None:
    """The user's clerk seat (window) nearest to `region_code`, or None."""
    seats = [
        s
        for s in staff_of(user).seats
        if s.role == Role.CLERK and region_contains(s.region_code, region_code)
    ]
    return max(seats, key=lambda s: len(s.region_code.rstrip("0"))) if seats else None


def clerk_actor(user: Any, seat: StaffSeat) -> str:
    return f"dept:{seat.department_code}/user:{user.get_username()}"


def filing_channel(*, user: Any, region_code: str) -> str:
    """The channel of a case `user` files for an applicant through the API: a window clerk of the
    region files at the counter; nobody else files in a citizen's name (officers, superusers, clerks
    of another region). Decided from the session, never taken from the request."""
    if clerk_seat(user, region_code) is None:
        raise PermissionDenied("只有办理地区的综合窗口受理员可以代申请人提交申请", field="region")
    return Channel.COUNTER


def case_subject(case: Case) -> Subject:
    identity = unseal(case.applicant_sealed)
    return Subject(kind=case.applicant_kind, key=str(identity["identifier"]))  # type: ignore[arg-type]


def consent_giver(*, user: Any, case: Case, applicant_label: str = "") -> Giver:
    """`applicant_label`: how the signed-in applicant is named (the portal adds the legal representative)."""
    if case.applicant_user_id is not None and case.applicant_user_id == getattr(user, "pk", None):
        return Giver(applicant_label or applicant_actor(case_subject(case)), ConsentChannel.WEB)
    seat = clerk_seat(user, case.region.code)
    if seat is None:
        raise PermissionDenied(NOT_ALLOWED, field="case_ref")
    return Giver(clerk_actor(user, seat), ConsentChannel.WINDOW)


def open_application(*, user: Any, case_id: Any) -> Case:
    """The case, if `user` may see it and it is not yet accepted (consent and prefill come before)."""
    case = access_case_by_id(user, case_id)
    if case.status not in BEFORE_ACCEPTANCE:
        raise ValidationFailed("办件已受理，不能再授权或一键填表", field="case_ref")
    return case


def application_preview(*, case: Case) -> ConsentPreview:
    """What one consent on this case would fetch, from the case's own package, answers and applicant."""
    return consent_preview(
        package_code=case.package_code,
        region_code=case.region.code,
        answers=case.answers,
        applicant=case_subject(case),
        add=case.add,
        drop=case.drop,
    )


def application_consent(
    *,
    user: Any,
    case_id: Any,
    agree: bool,
    purpose: str | None = None,
    ttl_days: int = 30,
    applicant_label: str = "",
) -> Consent:
    """Grant (or decline) consent on the case for its applicant; recorded with the real giver and channel."""
    case = open_application(user=user, case_id=case_id)
    giver = consent_giver(user=user, case=case, applicant_label=applicant_label)
    subject = case_subject(case)
    preview = application_preview(case=case)
    if agree:
        return consent_grant(
            case_ref=case.pk,
            applicant=subject,
            preview=preview,
            purpose=purpose,
            ttl_days=ttl_days,
            actor=giver.actor,
            channel=giver.channel,
        )
    return consent_decline(
        case_ref=case.pk,
        applicant=subject,
        preview=preview,
        purpose=purpose,
        actor=giver.actor,
        channel=giver.channel,
    )


def application_prefill(
    *, user: Any, case_id: Any, consent_id: Any, applicant_label: str = ""
) -> PrefillOutcome:
    """One-click prefill of the case under its consent, read for the case's applicant, by the same giver.

    Not in a transaction: the exchange records a refusal in its own and reads registries outside any."""
    case = open_application(user=user, case_id=case_id)
    giver = consent_giver(user=user, case=case, applicant_label=applicant_label)
    return prefill(case_ref=case.pk, consent_id=consent_id, actor=giver.actor, applicant=case_subject(case))


def application_consent_withdraw(*, user: Any, consent_id: Any, applicant_label: str = "") -> Consent:
    """Withdraw a consent for the future, for the applicant of its case, by the same givers as consent (the
    applicant, or a window clerk of the case's region for the applicant in front of them) — at any stage of
    the case. Whose consent it is comes from the case, never from the request (no ID number travels);
    recorded with the real giver. "No such consent" and "not yours" are the same 404."""
    key = parse_consent_id(consent_id)
    consent = Consent.objects.filter(pk=key).first() if key else None
    if consent is None:
        raise NotFound("没有找到该授权记录", field="consent_id")
    try:
        case = access_case_by_id(user, consent.case_ref)
    except NotFound:
        raise NotFound("没有找到该授权记录", field="consent_id") from None
    giver = consent_giver(user=user, case=case, applicant_label=applicant_label)
    return consent_withdraw(consent_id=consent.pk, applicant=case_subject(case), actor=giver.actor)


def parse_consent_id(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


__all__ = [
    "BEFORE_ACCEPTANCE",
    "Giver",
    "application_consent",
    "application_consent_withdraw",
    "application_prefill",
    "application_preview",
    "case_subject",
    "clerk_actor",
    "clerk_seat",
    "consent_giver",
    "filing_channel",
    "open_application",
]
