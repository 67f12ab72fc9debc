"""Another adult's own consent (他人本人授权): the applicant asks, the person themself answers.

A subject whose catalog consent is `own` (the other parent, the seller, the buyer…) cannot be covered by
the applicant's consent. The applicant names the person (ID number and the phone to reach them); the
platform sends them a one-time link; they sign in as themself (the sign-in code goes to the mobile number
the population register holds, not to the one the applicant typed) and grant or decline, for exactly this
case's declared data about them (`scope`). Their grant is a `Consent` of their own (subject = them, actor =
them), so it is in their "我的授权" and can be withdrawn there; the reads it allows are in their own
"who read my data" log, citing it.

The state machine (pure, `next_status`): requested → granted | declined | expired; granted → expired (its
consent runs out or is withdrawn). Declined and expired are final; the applicant may ask again, which
supersedes an unanswered request. Nothing the applicant sends can grant: `person_consent_decide` takes
the signed-in person's own subject, and a request is found only by its secret link *and* that person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction

from onego.core import clock, pii
from onego.core.errors import Conflict, NotFound, ValidationFailed
from onego.core.validators import check_id_number, check_phone
from onego.exchange.models import (
    Consent,
    ConsentChannel,
    ConsentDecision,
    ConsentStatus,
    PersonConsentRequest,
    PersonConsentStatus,
)
from onego.exchange.preview import ConsentPreview
from onego.ledger.services import ledger_record
from onego.registries.gateway import Subject

LINK_TTL: Final = dt.timedelta(days=3)
CONSENT_TTL: Final = dt.timedelta(days=30)
OWN = "own"

# status → the statuses it may move to (final states have none)
TRANSITIONS: Final[Mapping[str, frozenset[str]]] = {
    PersonConsentStatus.REQUESTED: frozenset(
        {PersonConsentStatus.GRANTED, PersonConsentStatus.DECLINED, PersonConsentStatus.EXPIRED}
    ),
    PersonConsentStatus.GRANTED: frozenset({PersonConsentStatus.EXPIRED}),
    PersonConsentStatus.DECLINED: frozenset(),
    PersonConsentStatus.EXPIRED: frozenset(),
}


def next_status(current: str, target: str) -> str:
    """`target` if the request may move there from `current`, else Conflict (a pure rule)."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            f"授权请求已是“{PersonConsentStatus(current).label}”，不能再变为“{PersonConsentStatus(target).label}”",
            field="status",
        )
    return target


def effective_status(
    status: str,
    *,
    now: dt.datetime,
    link_expires_at: dt.datetime,
    consent_status: str | None = None,
) -> str:
    """The status as of `now`: an unanswered link runs out; a grant ends with its consent (pure)."""
    if status == PersonConsentStatus.REQUESTED and now >= link_expires_at:
        return PersonConsentStatus.EXPIRED
    if status == PersonConsentStatus.GRANTED and consent_status not in (None, ConsentStatus.ACTIVE):
        return PersonConsentStatus.EXPIRED
    return status


def status_of(row: PersonConsentRequest, now: dt.datetime | None = None) -> str:
    when = now or clock.now()
    consent_status = row.consent.status_at(when) if row.consent_id and row.consent else None
    return effective_status(
        row.status, now=when, link_expires_at=row.link_expires_at, consent_status=consent_status
    )


def fallback_reason(subject_name: str, status: str | None, what: str = "数据") -> str:
    """Why a datum or material of `subject_name` is left to the applicant, by the state of the request."""
    act = "填写" if what == "数据" else "上传"
    if status == PersonConsentStatus.DECLINED:
        return f"{subject_name}本人不同意共享其{what}，请自行{act}"
    if status == PersonConsentStatus.EXPIRED:
        return f"{subject_name}本人的授权已过期或已撤回，请重新请其授权，或自行{act}"
    if status == PersonConsentStatus.REQUESTED:
        return f"已请{subject_name}本人授权，尚未答复；答复前请自行{act}，或待其同意后重新一键填表"
    return f"属于{subject_name}的{what}须由其本人授权，未经本人授权不查询，请自行{act}"


def _digest(token: str) -> str:
    return hashlib.sha256(f"onego.person-consent:{token}".encode()).hexdigest()


def _scope_for(preview: ConsentPreview, subject_code: str) -> dict[str, Any]:
    """Exactly what this case would read about the person: their `own` data and materials in the preview."""
    elements = {e.element: e.name for r in preview.registries for e in r.elements}
    materials = {m.material: m.name for r in preview.registries for m in r.materials}
    subject = next((s for s in preview.subjects if s.code == subject_code), None)
    if subject is None or subject.consent != OWN or not subject.if_applicant:
        return {}
    return {
        "elements": [{"code": c, "name": elements[c]} for c in subject.if_applicant if c in elements],
        "materials": [{"code": c, "name": materials[c]} for c in subject.if_applicant if c in materials],
    }


def askable_subjects(preview: ConsentPreview) -> list[dict[str, Any]]:
    """The other adults of this preview whose own consent would let the platform read more."""
    out = []
    for s in preview.subjects:
        scope = _scope_for(preview, s.code)
        if scope:
            out.append({"code": s.code, "name": s.name, **scope})
    return out


@dataclass(frozen=True)
class AskedPerson:
    """A new request and its one-time token (only for the link sent to the person; never stored)."""

    request: PersonConsentRequest
    token: str


@transaction.atomic
def person_consent_request(
    *,
    case_ref: uuid.UUID,
    applicant: Subject,
    preview: ConsentPreview,
    subject_code: str,
    id_number: str,
    phone: str,
    actor: str,
) -> AskedPerson:
    """Ask the person the applicant names for their own consent on this case. The caller sends the link.

    The scope is the preview's own-consent data of that subject, computed by the server; the applicant
    chooses only whom to ask. Asking again supersedes an unanswered request for the same subject."""
    scope = _scope_for(preview, subject_code)
    if not scope:
        raise ValidationFailed("该角色的数据无须其本人另行授权，或本申请不读取其数据", field="subject")
    number = (id_number or "").strip().upper()
    if msg := check_id_number(number, today=clock.today()):
        raise ValidationFailed(msg, field="id_number")
    person = Subject("person", number)
    if person.index == applicant.index:
        raise ValidationFailed("这是申请人本人的证件号码：本人的数据由您自己的授权读取", field="id_number")
    mobile = (phone or "").strip()
    if msg := check_phone(mobile):
        raise ValidationFailed(msg, field="phone")
    now = clock.now()
    name = next(s.name for s in preview.subjects if s.code == subject_code)
    earlier = PersonConsentRequest.objects.select_for_update().filter(
        case_ref=case_ref, subject_code=subject_code
    )
    for row in earlier:
        current = status_of(row, now)
        if current == PersonConsentStatus.GRANTED:
            raise Conflict(f"{name}本人已同意授权，无须再次请求", field="subject")
        if row.status == PersonConsentStatus.REQUESTED:
            row.status = next_status(row.status, PersonConsentStatus.EXPIRED)
            row.save(update_fields=["status", "updated_at"])
    token = secrets.token_urlsafe(24)
    row = PersonConsentRequest.objects.create(
        case_ref=case_ref,
        subject_code=subject_code,
        subject_name=name,
        person_index=person.index,
        person_sealed=pii.encrypt(number),
        phone_sealed=pii.encrypt(mobile),
        phone_masked=pii.mask_phone(mobile),
        requester_index=applicant.index,
        requested_by=actor,
        package_code=preview.package_code,
        package_name=preview.package_name,
        region_code=preview.region_code,
        purpose=preview.purpose,
        scope=scope,
        token_digest=_digest(token),
        requested_at=now,
        link_expires_at=now + LINK_TTL,
    )
    _record(row, "consent.requested", actor=actor, subject_ref=person.index)
    return AskedPerson(row, token)


def request_for_person(token: str, person: Subject) -> PersonConsentRequest:
    """The request behind a link, if it was sent to `person`. A wrong link and someone else's are the
    same NotFound (the applicant holding the link cannot open it as themself)."""
    row = (
        PersonConsentRequest.objects.select_related("consent")
        .filter(token_digest=_digest(token or ""), person_index=person.index)
        .first()
        if person.kind == "person"
        else None
    )
    if row is None:
        raise NotFound("没有找到该授权请求，或它不是发给您的", field="token")
    return row


@transaction.atomic
def person_consent_decide(*, token: str, person: Subject, agree: bool) -> PersonConsentRequest:
    """The person themself (signed in; `person` from their session, never from a form) grants or declines.

    Granting creates their own Consent for exactly the request's scope, this case and purpose; the ledger
    records it with them as actor and subject. Answering the same way twice is not an error."""
    row = request_for_person(token, person)
    row = (
        PersonConsentRequest.objects.select_for_update(of=("self",)).select_related("consent").get(pk=row.pk)
    )
    now = clock.now()
    current = status_of(row, now)
    wanted = PersonConsentStatus.GRANTED if agree else PersonConsentStatus.DECLINED
    if current == wanted and row.status == wanted:
        return row
    if current == PersonConsentStatus.EXPIRED:
        raise ValidationFailed("该授权请求已过期或已被新的请求取代，请申请人重新发起", field="token")
    row.status = next_status(current, wanted)
    actor = f"applicant:{person.index}"
    consent = Consent.objects.create(
        case_ref=row.case_ref,
        subject_index=person.index,
        subject_kind="person",
        purpose=row.purpose,
        package_code=row.package_code,
        region_code=row.region_code,
        scope={
            "person_request": str(row.pk),
            "subject": row.subject_code,
            "package_name": row.package_name,
            **row.scope,
            # shaped as an applicant's scope, so "我的授权" lists what they agreed to
            "registries": [
                {
                    "registry": "",
                    "name": f"作为{row.subject_name}本人授权",
                    "elements": [
                        {"element": e["code"], "name": e["name"]} for e in row.scope.get("elements", [])
                    ],
                    "materials": [
                        {"material": m["code"], "name": m["name"]} for m in row.scope.get("materials", [])
                    ],
                }
            ],
        },
        decision=ConsentDecision.GRANTED if agree else ConsentDecision.DECLINED,
        actor=actor,
        channel=ConsentChannel.WEB,
        granted_at=now if agree else None,
        declined_at=None if agree else now,
        expires_at=now + CONSENT_TTL if agree else None,
    )
    row.consent = consent
    row.decided_at = now
    row.save(update_fields=["status", "consent", "decided_at", "updated_at"])
    _record(
        row,
        "consent.granted" if agree else "consent.declined",
        actor=actor,
        subject_ref=person.index,
        extra={
            "consent": str(consent.id),
            "expires_at": consent.expires_at.isoformat() if consent.expires_at else None,
        },
    )
    return row


def _record(
    row: PersonConsentRequest,
    kind: str,
    *,
    actor: str,
    subject_ref: str,
    extra: Mapping[str, Any] | None = None,
) -> None:
    ledger_record(
        kind=kind,
        actor=actor,
        subject_ref=subject_ref,
        case_ref=str(row.case_ref),
        payload={
            "person_request": str(row.pk),
            "subject": row.subject_code,
            "about": row.subject_name,
            "purpose": row.purpose,
            "package": row.package_code,
            "elements": [e["code"] for e in row.scope.get("elements", [])],
            "materials": [m["code"] for m in row.scope.get("materials", [])],
            "channel": ConsentChannel.WEB,
            **(extra or {}),
        },
    )


def requests_for_case(case_ref: uuid.UUID | str) -> list[PersonConsentRequest]:
    """Every request on the case, newest first (a selector; the caller checks access to the case)."""
    return list(PersonConsentRequest.objects.select_related("consent").filter(case_ref=case_ref))


@dataclass(frozen=True)
class PersonGrant:
    """What prefill may use for one `own` subject of a case: the person and their consent, or why not."""

    subject_code: str
    status: str
    person: Subject | None = None
    consent_id: uuid.UUID | None = None
    elements: frozenset[str] = frozenset()
    materials: frozenset[str] = frozenset()


def grants_for_case(case_ref: uuid.UUID | str, now: dt.datetime) -> dict[str, PersonGrant]:
    """Per subject, the newest request's state; the person (decrypted) only while their grant holds."""
    out: dict[str, PersonGrant] = {}
    for row in requests_for_case(case_ref):  # newest first
        if row.subject_code in out:
            continue
        current = status_of(row, now)
        if current != PersonConsentStatus.GRANTED:
            out[row.subject_code] = PersonGrant(row.subject_code, current)
            continue
        out[row.subject_code] = PersonGrant(
            row.subject_code,
            current,
            Subject("person", pii.decrypt(row.person_sealed)),
            row.consent_id,
            frozenset(e["code"] for e in row.scope.get("elements", [])),
            frozenset(m["code"] for m in row.scope.get("materials", [])),
        )
    return out


__all__ = [
    "AskedPerson",
    "PersonGrant",
    "askable_subjects",
    "effective_status",
    "fallback_reason",
    "grants_for_case",
    "next_status",
    "person_consent_decide",
    "person_consent_request",
    "request_for_person",
    "requests_for_case",
]
