"""Exchange endpoints: consent preview and decision, one-click prefill, "who read my data", contracts.

Thin: parse, call one service or selector, shape the answer. Values leave masked.

Every endpoint here needs a staff session (an active membership, as the cases API); the contracts list is
public. Consent and prefill go through the application service (`onego.applications.consent`), the same the
counter uses: bound to a case the user may act on, for that case's applicant (read from the case, never
from the request), by a window clerk of the case's region — recorded as the clerk, channel `window`.
Officers and superusers without a window are refused (403); a missing case is 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from onego.api.cases import ERRORS, StaffSessionAuth
from onego.applications.consent import application_consent, application_consent_withdraw, application_prefill
from onego.applications.others import ask_other_person
from onego.cases.access import access_case_by_id
from onego.core.errors import ValidationFailed
from onego.core.validators import check_id_number, check_uscc
from onego.exchange.models import Consent, PersonConsentRequest, SharingContract
from onego.exchange.person_consent import requests_for_case, status_of
from onego.exchange.preview import ConsentPreview
from onego.exchange.selectors import active_contracts, masked, reads_for_subject, verified_materials
from onego.exchange.services import (
    PrefillOutcome,
    consent_preview,
)
from onego.registries.gateway import Subject

router = Router(tags=["exchange"], auth=StaffSessionAuth())


# --- input ----------------------------------------------------------------------------------------------------
class SubjectIn(Schema):
    kind: Literal["person", "enterprise"] = "person"
    key: str = Field(..., description="居民身份证号码 or 统一社会信用代码 (never echoed back)")


class PreviewIn(Schema):
    package: str = Field(..., examples=["newborn-birth"])
    region: str = Field(..., examples=["520102"])
    answers: dict[str, Any] = Field(default_factory=dict)
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)
    applicant: SubjectIn


class ConsentIn(Schema):
    case_ref: uuid.UUID = Field(
        ...,
        description="the case (a draft or a case before acceptance) the consent is for; its package, "
        "answers and applicant are read from the case",
    )
    decision: Literal["grant", "decline"] = "grant"
    purpose: str | None = None
    ttl_days: int = Field(30, description="1–365 days (400 otherwise)")


class PersonConsentIn(Schema):
    case_ref: uuid.UUID = Field(..., description="the case (before acceptance) whose applicant asks")
    subject: str = Field(..., description="the catalog subject whose consent is `own` (father, seller…)")
    id_number: str = Field(..., description="the person's 居民身份证号码 (never echoed back)")
    phone: str = Field(..., description="where the one-time link is sent by SMS (echoed masked)")


class PersonConsentOut(Schema):
    id: uuid.UUID
    case_ref: uuid.UUID
    subject: str
    subject_name: str
    phone: str = Field(..., description="masked")
    status: Literal["requested", "granted", "declined", "expired"]
    elements: list[str]
    materials: list[str]
    requested_at: dt.datetime
    link_expires_at: dt.datetime
    decided_at: dt.datetime | None


class ReadsIn(Schema):
    applicant: SubjectIn


class PrefillIn(Schema):
    case_ref: uuid.UUID
    consent_id: uuid.UUID


# --- output ---------------------------------------------------------------------------------------------------
class PreviewElementOut(Schema):
    element: str
    name: str
    sensitive: bool
    contract: str
    used_by: list[str]
    only_if_applicant: bool = Field(
        False,
        description="another adult's (consent own): read only if the registry names the applicant as them",
    )


class PreviewMaterialOut(Schema):
    material: str
    name: str
    licence_type: str
    contract: str
    used_by: list[str]
    only_if_applicant: bool = Field(
        False,
        description="another adult's (consent own): read only if the registry names the applicant as them",
    )


class PreviewRegistryOut(Schema):
    registry: str
    name: str
    elements: list[PreviewElementOut]
    materials: list[PreviewMaterialOut]


class PreviewDenialOut(Schema):
    kind: str
    code: str
    name: str
    registry: str
    registry_name: str
    reason: str


class PreviewLineOut(Schema):
    code: str
    name: str
    note: str


class PreviewSubjectOut(Schema):
    """Another person the consent reads about, and on whose authority (issue 13: subjects)."""

    code: str
    name: str
    consent: Literal["guardian", "representative", "own"]
    consent_text: str
    elements: list[str]
    materials: list[str]
    if_applicant: list[str] = Field(
        default_factory=list, description="read or verified only if the registry names the applicant as them"
    )


class PreviewOut(Schema):
    package_code: str
    package_name: str
    region_code: str
    lead_department: str
    purpose: str
    registries: list[PreviewRegistryOut]
    denied: list[PreviewDenialOut]
    to_type: list[PreviewLineOut]
    to_upload: list[PreviewLineOut]
    produced: list[PreviewLineOut]
    separate_fetches: int
    subjects: list[PreviewSubjectOut] = Field(
        default_factory=list, description="whose data besides the applicant's, and who consents for them"
    )


class ConsentOut(Schema):
    id: uuid.UUID
    case_ref: uuid.UUID
    purpose: str
    package_code: str
    decision: str
    status: str
    status_name: str
    channel: Literal["web", "window"] = Field(..., description="where it was given, decided by the server")
    granted_at: dt.datetime | None
    declined_at: dt.datetime | None
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    registries: dict[str, dict[str, list[str]]]


class PrefilledValueOut(Schema):
    value: Any = Field(..., description="masked")
    name: str
    source_registry: str
    source_name: str
    contract: str
    fetched_at: str


class VerifiedMaterialOut(Schema):
    material: str
    name: str
    registry: str
    licence_type: str
    reference: str
    description: str
    verified_at: str
    contract: str


class PrefillOut(Schema):
    run_id: uuid.UUID
    case_ref: uuid.UUID
    consent_id: uuid.UUID
    clicks: int
    values: dict[str, PrefilledValueOut]
    manual: dict[str, str]
    materials_verified: list[VerifiedMaterialOut]
    materials_manual: dict[str, str]
    materials_produced: list[str]
    registries_read: list[str]
    registries_unavailable: list[str]
    ledger_entries: list[str] = Field(
        ...,
        description="ids of the ledger entries recording the reads: GET /ledger/entries/by-id/{id} gives each one's "
        "signed promise now, its index and inclusion proof once the sequencer has sealed it",
    )


class NamedCode(Schema):
    code: str
    name: str


class DataReadOut(Schema):
    entry_id: str = Field(..., description="ledger entry id: GET /ledger/entries/by-id/{id}")
    index: int | None = Field(
        ..., description="ledger index once sealed (null while pending): GET /ledger/entries/{index}/proof"
    )
    recorded_at: dt.datetime
    outcome: str
    actor: str
    department: str
    registry: str
    registry_name: str
    elements: list[NamedCode]
    materials: list[NamedCode]
    purpose: str
    case_ref: str
    contracts: list[str]
    reason: str


class ContractOut(Schema):
    code: str
    version: int
    label: str
    consumer_kind: str
    consumer_code: str
    purpose: str
    elements: list[str]
    materials: list[str]
    licence_types: list[str]
    valid_from: dt.date
    valid_until: dt.date | None
    published_by: str
    published_at: dt.datetime


# --- helpers --------------------------------------------------------------------------------------------------
def _subject(data: SubjectIn) -> Subject:
    key = data.key.strip().upper()
    problem = check_id_number(key) if data.kind == "person" else check_uscc(key)
    if problem:
        raise ValidationFailed(problem, field="applicant.key")
    return Subject(kind=data.kind, key=key)


def _preview(data: PreviewIn, applicant: Subject) -> ConsentPreview:
    return consent_preview(
        package_code=data.package,
        region_code=data.region,
        answers=data.answers,
        applicant=applicant,
        add=data.add,
        drop=data.drop,
    )


def _consent_out(consent: Consent) -> ConsentOut:
    status = consent.status
    return ConsentOut(
        id=consent.id,
        case_ref=consent.case_ref,
        purpose=consent.purpose,
        package_code=consent.package_code,
        decision=consent.decision,
        status=status.value,
        status_name=status.label,
        channel=consent.channel,  # type: ignore[arg-type]
        granted_at=consent.granted_at,
        declined_at=consent.declined_at,
        expires_at=consent.expires_at,
        withdrawn_at=consent.withdrawn_at,
        registries={
            r["registry"]: {
                "elements": [e["element"] for e in r["elements"]],
                "materials": [m["material"] for m in r["materials"]],
            }
            for r in consent.scope_registries()
        },
    )


def _prefill_out(outcome: PrefillOutcome) -> PrefillOut:
    values = {
        code: PrefilledValueOut(
            value=masked(False, v["type"], v["value"], element=code, sensitive=v["sensitive"]),
            name=v["name"],
            source_registry=v["source_registry"],
            source_name=v["source_name"],
            contract=v["contract"],
            fetched_at=v["fetched_at"],
        )
        for code, v in outcome.values.items()
    }
    return PrefillOut(
        run_id=outcome.run_id,
        case_ref=outcome.case_ref,
        consent_id=outcome.consent_id,
        clicks=outcome.clicks,
        values=values,
        manual=outcome.manual,
        materials_verified=[VerifiedMaterialOut(**m) for m in outcome.materials_verified],
        materials_manual=outcome.materials_manual,
        materials_produced=outcome.materials_produced,
        registries_read=outcome.registries_read,
        registries_unavailable=outcome.registries_unavailable,
        ledger_entries=outcome.ledger_entries,
    )


# --- endpoints ------------------------------------------------------------------------------------------------
@router.post(
    "/exchange/consents/preview",
    response={200: PreviewOut, **ERRORS},
    summary="What one consent would fetch, and from where",
)
def preview_consent(request: HttpRequest, data: PreviewIn) -> ConsentPreview:
    return _preview(data, _subject(data.applicant))


@router.post(
    "/exchange/consents",
    response={201: ConsentOut, **ERRORS},
    summary="Grant (or decline) consent on a case, for the applicant in front of the clerk",
    description="The scope is recomputed from the case, never taken from the client. 404: no such case "
    "or not yours; 403: not a window clerk of the case's region; 400: the case is already accepted.",
)
def decide_consent(request: HttpRequest, data: ConsentIn) -> Status[ConsentOut]:
    consent = application_consent(
        user=request.user,
        case_id=data.case_ref,
        agree=data.decision == "grant",
        purpose=data.purpose,
        ttl_days=data.ttl_days,
    )
    return Status(201, _consent_out(consent))


@router.post(
    "/exchange/consents/{consent_id}/withdraw",
    response={200: ConsentOut, **ERRORS},
    summary="Withdraw a consent for the future",
    description="Whose consent it is comes from its case, never from the request (no ID number is sent): "
    "the same givers as consent — a window clerk of the case's region for the applicant in front of them. "
    "404: no such consent or not yours; 403: not a clerk of the case's region.",
)
def withdraw_consent(request: HttpRequest, consent_id: str) -> ConsentOut:
    return _consent_out(application_consent_withdraw(user=request.user, consent_id=consent_id))


@router.post(
    "/exchange/prefill",
    response={200: PrefillOut, **ERRORS},
    summary="One-click prefill of a case under its consent: every allowed element, once",
    description="The same permissions as consent. The values go into the case's provenance: a value "
    "later submitted unchanged is verified by the server; values leave here masked.",
)
def prefill_case(request: HttpRequest, data: PrefillIn) -> PrefillOut:
    outcome = application_prefill(user=request.user, case_id=data.case_ref, consent_id=data.consent_id)
    return _prefill_out(outcome)


def _person_consent_out(row: PersonConsentRequest) -> PersonConsentOut:
    return PersonConsentOut(
        id=row.id,
        case_ref=row.case_ref,
        subject=row.subject_code,
        subject_name=row.subject_name,
        phone=row.phone_masked,
        status=status_of(row),  # type: ignore[arg-type]
        elements=[e["code"] for e in row.scope.get("elements", [])],
        materials=[m["code"] for m in row.scope.get("materials", [])],
        requested_at=row.requested_at,
        link_expires_at=row.link_expires_at,
        decided_at=row.decided_at,
    )


@router.post(
    "/exchange/person-consents",
    response={201: PersonConsentOut, **ERRORS},
    summary="Ask another adult (consent own) for their own consent on a case; a one-time link goes by SMS",
    description="The same givers as consent (a window clerk of the case's region, for the applicant in "
    "front of them). The scope is the case's own-consent data of that subject, computed by the server. "
    "Only the person themself, signed in on the portal, can grant or decline (`/consent/ask/<token>/`); "
    "there is no API to answer for them. 404: no such case or not yours; 403: not a clerk of the region; "
    "400: the subject needs no such consent, a bad ID number or phone, or the case is accepted; "
    "409: that person has already granted it.",
)
def ask_person_consent(request: HttpRequest, data: PersonConsentIn) -> Status[PersonConsentOut]:
    row = ask_other_person(
        user=request.user,
        case_id=data.case_ref,
        subject_code=data.subject,
        id_number=data.id_number,
        phone=data.phone,
    )
    return Status(201, _person_consent_out(row))


@router.get(
    "/exchange/cases/{case_ref}/person-consents",
    response={200: list[PersonConsentOut], **ERRORS},
    summary="Other adults' own-consent requests on a case and their state (404 unless you may see the case)",
)
def case_person_consents(request: HttpRequest, case_ref: uuid.UUID) -> list[PersonConsentOut]:
    access_case_by_id(request.user, case_ref)
    return [_person_consent_out(row) for row in requests_for_case(case_ref)]


@router.get(
    "/exchange/cases/{case_ref}/materials",
    response={200: list[VerifiedMaterialOut], **ERRORS},
    summary="Verified references of a case (404 unless you may see the case)",
)
def case_materials(request: HttpRequest, case_ref: uuid.UUID) -> list[VerifiedMaterialOut]:
    access_case_by_id(request.user, case_ref)
    return [
        VerifiedMaterialOut(
            material=row.material,
            name=row.material_name,
            registry=row.registry,
            licence_type=row.licence_type,
            reference=row.reference,
            description=row.description,
            verified_at=row.verified_at.isoformat(),
            contract=row.contract,
        )
        for row in verified_materials(case_ref)
    ]


@router.post(
    "/exchange/reads",
    response={200: list[DataReadOut], **ERRORS},
    summary="Who read my data, when and why",
    description="The person's ID number goes in the body, never in the URL (URLs are logged).",
)
def my_data_reads(request: HttpRequest, data: ReadsIn) -> list[Any]:
    return list(reads_for_subject(_subject(data.applicant)))


@router.get(
    "/exchange/contracts", response=list[ContractOut], summary="Sharing contracts in force", auth=None
)
def contracts(request: HttpRequest) -> list[SharingContract]:
    return list(active_contracts())
