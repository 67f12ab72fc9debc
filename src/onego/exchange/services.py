"""Writes of the exchange: publishing contracts, consent, and the one-click prefill.

Every write records itself in the ledger in the same transaction. `prefill` is the one exception to
"one service, one transaction", on purpose: registries are called *outside* any transaction (network I/O
must not hold the ledger lock), then everything that was read is written and recorded in one
transaction; a refusal is recorded in its own transaction and committed before the error is raised, so
the denial stays in the ledger. (Called inside a caller's transaction, a refusal's record rolls back with
the caller's — call `prefill` outside one, as the API does.)
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from onego.catalog import models as cm
from onego.catalog.definitions.reader import Issue, Issues
from onego.catalog.rules.package import APPLICANT
from onego.catalog.selectors import compile_for
from onego.core import clock, pii
from onego.core.errors import NotFound, PermissionDenied, ValidationFailed
from onego.core.validators import check_id_number
from onego.exchange.contracts import (
    CODE_RE,
    CatalogVocabulary,
    ContractSpec,
    check_specs,
    check_terms,
    issues_text,
    read_contracts,
)
from onego.exchange.models import (
    Consent,
    ConsentChannel,
    ConsentDecision,
    ConsentStatus,
    PrefillRun,
    SharingContract,
    VerifiedMaterial,
)
from onego.exchange.person_consent import PersonGrant, fallback_reason, grants_for_case
from onego.exchange.preview import (
    ELICENCE_REGISTRY,
    ConsentPreview,
    build_preview,
    consumers_for,
    note_own_consent,
    package_purpose,
)
from onego.exchange.provenance import value_digest
from onego.exchange.rules import What, explain_denial, find_grant
from onego.exchange.selectors import active_terms, consent_for_applicant, masked
from onego.exchange.subjects import about_others
from onego.ledger.models import Kind
from onego.ledger.services import ledger_record
from onego.registries.gateway import (
    RegistryError,
    RegistryUnavailable,
    Subject,
    SubjectNotFound,
    VerifiedReference,
    elements_held,
    fetch_elements,
    registry_name,
    verify_material,
)

# Reasons the applicant reads next to a field or material they have to supply themselves.
REASON_UNAVAILABLE = "数据源暂不可用，请自行填写/上传"
REASON_NO_REGISTRY = "无共享数据源，请自行填写"
REASON_NOT_HELD = "数据源中没有该项数据，请自行填写"
REASON_SUBJECT_UNKNOWN = "数据源中没有找到申请人的记录，请自行填写/上传"
REASON_NOT_VERIFIED = "未能通过数据源核验，请自行上传"
REASON_REGISTRY_ERROR = "数据源返回错误，请自行填写/上传"
REASON_NOT_GRANTED = "共享协议未授权读取，请自行填写/上传"
REASON_UPLOAD = "需自行上传"
REASON_WHO_UNKNOWN = (
    "未能通过数据源确认材料所属人的身份（仅采信数据源读取的身份，不采信填写的号码），请自行上传"
)
REASON_NOT_COVERED = "本次授权不能代表材料所属人，未查询其数据，请自行上传"
FAILURE_REASONS = {
    "unavailable": REASON_UNAVAILABLE,
    "not_found": REASON_SUBJECT_UNKNOWN,
    "error": REASON_REGISTRY_ERROR,
    "who_unknown": REASON_WHO_UNKNOWN,
    "not_covered": REASON_NOT_COVERED,
}

CONSENT_KINDS = {
    "granted": "consent.granted",
    "declined": "consent.declined",
    "withdrawn": "consent.withdrawn",
}
MAX_TTL_DAYS = 365


def applicant_actor(applicant: Subject) -> str:
    """How the ledger names an applicant acting for themselves: by blind index, never by ID number."""
    return f"applicant:{applicant.index}"


# === sharing contracts ========================================================================================
def _contract_payload(contract: SharingContract, *, action: str, previous: int | None) -> dict[str, Any]:
    return {
        "action": action,
        "code": contract.code,
        "version": contract.version,
        "previous_version": previous,
        "consumer_kind": contract.consumer_kind,
        "consumer_code": contract.consumer_code,
        "purpose": contract.purpose,
        "elements": list(contract.elements),
        "materials": list(contract.materials),
        "licence_types": list(contract.licence_types),
        "valid_from": contract.valid_from.isoformat(),
        "valid_until": contract.valid_until.isoformat() if contract.valid_until else None,
        "digest": contract.digest,
        "note": contract.note,
    }


def _publish_spec(spec: ContractSpec, *, published_by: str) -> tuple[SharingContract, bool]:
    """Write version n+1 unless the current version already says exactly this. Caller holds a transaction."""
    digest = spec.digest()
    current = SharingContract.objects.select_for_update().filter(code=spec.code, active=True).first()
    if current is not None and current.digest == digest:
        return current, False
    last = SharingContract.objects.filter(code=spec.code).aggregate(v=Max("version"))["v"]
    if current is not None:
        current.active = False
        current.save(update_fields=["active", "updated_at"])
    contract = SharingContract.objects.create(
        code=spec.code,
        version=(last or 0) + 1,
        consumer_kind=spec.consumer_kind,
        consumer_code=spec.consumer_code,
        purpose=spec.purpose,
        elements=sorted(spec.elements),
        materials=sorted(spec.materials),
        licence_types=sorted(spec.licence_types),
        valid_from=spec.valid_from,
        valid_until=spec.valid_until,
        active=True,
        published_by=published_by,
        published_at=clock.now(),
        note=spec.note,
        digest=digest,
    )
    ledger_record(
        kind=Kind.CONTRACT_CHANGED,
        actor=published_by,
        payload=_contract_payload(contract, action="changed" if last else "published", previous=last),
    )
    return contract, True


def _revoke(code: str, *, revoked_by: str, note: str) -> SharingContract | None:
    current = SharingContract.objects.select_for_update().filter(code=code, active=True).first()
    if current is None:
        return None
    current.active = False
    current.save(update_fields=["active", "updated_at"])
    payload = _contract_payload(current, action="revoked", previous=current.version)
    payload["note"] = note or current.note
    ledger_record(kind=Kind.CONTRACT_CHANGED, actor=revoked_by, payload=payload)
    return current


@transaction.atomic
def contract_publish(
    *,
    code: str,
    consumer_kind: str,
    consumer_code: str,
    purpose: str,
    elements: Sequence[str] = (),
    materials: Sequence[str] = (),
    licence_types: Sequence[str] = (),
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    published_by: str,
    note: str = "",
) -> SharingContract:
    """Publish a contract or a change to it: a new version row, the old one deactivated, one ledger entry.

    Publishing terms identical to the current version changes nothing and records nothing.
    """
    if not CODE_RE.match(code):
        raise ValidationFailed(f"协议编号“{code}”只能用小写字母、数字和 . _ -", field="code")
    if not purpose.strip() or len(purpose) > 200:
        raise ValidationFailed("请写明用途（不超过 200 个字符）", field="purpose")
    if not (elements or materials or licence_types):
        raise ValidationFailed("协议没有授权任何数据元、材料或电子证照", field="elements")
    start = valid_from or clock.today()
    if valid_until is not None and valid_until < start:
        raise ValidationFailed("失效日期早于生效日期", field="valid_until")
    problems = check_terms(
        CatalogVocabulary.load(),
        consumer_kind=consumer_kind,
        consumer_code=consumer_code,
        elements=elements,
        materials=materials,
        licence_types=licence_types,
    )
    if problems:
        raise ValidationFailed("；".join(msg for _, msg in problems), field=problems[0][0])
    spec = ContractSpec(
        code=code,
        consumer_kind=consumer_kind,
        consumer_code=consumer_code,
        purpose=purpose.strip(),
        elements=tuple(dict.fromkeys(elements)),
        materials=tuple(dict.fromkeys(materials)),
        licence_types=tuple(dict.fromkeys(licence_types)),
        valid_from=start,
        valid_until=valid_until,
        note=note,
    )
    contract, _changed = _publish_spec(spec, published_by=published_by)
    return contract


@transaction.atomic
def contract_revoke(*, code: str, revoked_by: str, note: str = "") -> SharingContract:
    """Withdraw the current version: from now on nothing it granted may be read. Recorded in the ledger."""
    revoked = _revoke(code, revoked_by=revoked_by, note=note)
    if revoked is None:
        raise NotFound(f"没有现行的共享协议“{code}”", field="code")
    return revoked


class ContractImportFailed(ValidationFailed):
    code = "contract_import_failed"

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(
            f"共享协议导入被拒绝，共 {len(issues)} 处错误，未写入任何内容：\n{issues_text(issues)}"
        )


@dataclass(frozen=True)
class ContractImportResult:
    published: list[str]  # code@vN of every new version
    unchanged: list[str]
    revoked: list[str]
    dry_run: bool


def contracts_import(*, path: Path, actor: str, dry_run: bool = False) -> ContractImportResult:
    """Import contracts from YAML: all or nothing; each change is a new version and a ledger entry."""
    issues = Issues()
    specs = read_contracts(path, issues)
    if issues:
        raise ContractImportFailed(issues.items)
    with transaction.atomic():
        check_specs(specs, issues, CatalogVocabulary.load())
        if issues:
            raise ContractImportFailed(issues.items)
        published: list[str] = []
        unchanged: list[str] = []
        revoked: list[str] = []
        for spec in specs:
            if not spec.active:
                gone = _revoke(spec.code, revoked_by=actor, note=spec.note)
                (revoked if gone else unchanged).append(gone.label if gone else spec.code)
                continue
            contract, changed = _publish_spec(spec, published_by=actor)
            (published if changed else unchanged).append(contract.label)
        if dry_run:
            transaction.set_rollback(True)
    return ContractImportResult(published, unchanged, revoked, dry_run)


# === consent ==================================================================================================
def consent_preview(
    *,
    package_code: str,
    region_code: str,
    answers: Mapping[str, Any],
    applicant: Subject,
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> ConsentPreview:
    """What one consent would let the platform fetch for this package, grouped by registry (read only)."""
    compiled = compile_for(
        package_code=package_code, region_code=region_code, answers=answers, add=add, drop=drop
    )
    registries = {f.prefill_registry for g in compiled.form for f in g.fields if f.prefill_registry}
    return build_preview(
        compiled,
        contracts=active_terms(),
        department_types=_department_types(e.code for e in compiled.items),
        registry_names=dict(cm.Registry.objects.values_list("code", "name")),
        purpose=package_purpose(compiled.name),
        subject_kind=applicant.kind,
        day=clock.today(),
        held={code: elements_held(code) for code in registries},
        add=add,
        drop=drop,
    )


def _department_types(item_codes: Iterable[str]) -> dict[str, str]:
    return dict(
        cm.ServiceItem.objects.filter(code__in=list(item_codes)).values_list("code", "department_type__code")
    )


def _scope_summary(preview: ConsentPreview) -> dict[str, Any]:
    return {
        r.registry: {
            "elements": [e.element for e in r.elements],
            "materials": [m.material for m in r.materials],
        }
        for r in preview.registries
    }


def _check_channel(channel: str) -> None:
    if channel not in ConsentChannel.values:
        raise ValidationFailed(f"授权渠道应为：{'、'.join(ConsentChannel.values)}", field="channel")


def _check_preview(preview: ConsentPreview, applicant: Subject, purpose: str | None) -> str:
    if preview.subject_kind != applicant.kind:
        raise ValidationFailed("预览是为另一类申请人生成的，请重新预览", field="applicant")
    chosen = preview.purpose if purpose is None else purpose.strip()
    if chosen != preview.purpose:
        raise ValidationFailed(
            f"授权用途“{chosen}”与预览的用途“{preview.purpose}”不一致，请重新预览", field="purpose"
        )
    return chosen


@transaction.atomic
def consent_grant(
    *,
    case_ref: uuid.UUID,
    applicant: Subject,
    preview: ConsentPreview,
    purpose: str | None = None,
    ttl_days: int = 30,
    actor: str = "",
    channel: str = ConsentChannel.WEB,
) -> Consent:
    """The applicant agrees to the preview: one consent for the case and purpose, valid `ttl_days`.

    `case_ref`, `actor` and `channel` are the caller's to establish (the application service binds the
    case and decides who gave the consent where, `onego.applications.consent`)."""
    chosen = _check_preview(preview, applicant, purpose)
    _check_channel(channel)
    if not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise ValidationFailed(f"授权有效期应为 1—{MAX_TTL_DAYS} 天", field="ttl_days")
    now = clock.now()
    consent = Consent.objects.create(
        case_ref=case_ref,
        subject_index=applicant.index,
        subject_kind=applicant.kind,
        purpose=chosen,
        package_code=preview.package_code,
        region_code=preview.region_code,
        scope=preview.to_dict(),
        decision=ConsentDecision.GRANTED,
        actor=actor or applicant_actor(applicant),
        channel=channel,
        granted_at=now,
        expires_at=now + dt.timedelta(days=ttl_days),
    )
    _record_consent(consent, "granted", registries=_scope_summary(preview))
    return consent


@transaction.atomic
def consent_decline(
    *,
    case_ref: uuid.UUID,
    applicant: Subject,
    preview: ConsentPreview,
    purpose: str | None = None,
    actor: str = "",
    channel: str = ConsentChannel.WEB,
) -> Consent:
    """The applicant declines: nothing is fetched, they type and upload everything themselves."""
    chosen = _check_preview(preview, applicant, purpose)
    _check_channel(channel)
    consent = Consent.objects.create(
        case_ref=case_ref,
        subject_index=applicant.index,
        subject_kind=applicant.kind,
        purpose=chosen,
        package_code=preview.package_code,
        region_code=preview.region_code,
        scope=preview.to_dict(),
        decision=ConsentDecision.DECLINED,
        actor=actor or applicant_actor(applicant),
        channel=channel,
        declined_at=clock.now(),
    )
    _record_consent(consent, "declined", registries=_scope_summary(preview))
    return consent


@transaction.atomic
def consent_withdraw(*, consent_id: uuid.UUID | str, applicant: Subject, actor: str = "") -> Consent:
    """Withdraw for the future: later reads are refused; reads already made stay in the ledger."""
    consent = consent_for_applicant(consent_id, applicant)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.decision == ConsentDecision.DECLINED or consent.withdrawn_at is not None:
        return consent  # nothing left to withdraw; asking twice is not an error
    consent.withdrawn_at = clock.now()
    consent.save(update_fields=["withdrawn_at", "updated_at"])
    _record_consent(consent, "withdrawn", actor=actor or applicant_actor(applicant))
    return consent


def _record_consent(
    consent: Consent, event: str, *, registries: Mapping[str, Any] | None = None, actor: str = ""
) -> None:
    payload: dict[str, Any] = {
        "consent": str(consent.id),
        "purpose": consent.purpose,
        "package": consent.package_code,
        "channel": consent.channel,
        "expires_at": consent.expires_at.isoformat() if consent.expires_at else None,
    }
    if registries is not None:
        payload["registries"] = dict(registries)
    ledger_record(
        kind=CONSENT_KINDS[event],
        actor=actor or consent.actor,
        subject_ref=consent.subject_index,
        case_ref=str(consent.case_ref),
        payload=payload,
    )


# === identity look-up at the counter ==========================================================================
IDENTITY_SOURCES = {"person": ("population", "person.name"), "enterprise": ("enterprise", "enterprise.name")}
IDENTITY_PURPOSE = "窗口受理：核对申请人身份（读取登记的姓名/名称）"


@dataclass(frozen=True)
class IdentityCheck:
    """The applicant as the register knows them: the name, or why it could not be read (`problem`:
    not_found | unavailable)."""

    kind: str
    found: bool
    name: str
    registry: str
    problem: str = ""


@transaction.atomic
def identity_check(*, applicant: Subject, actor: str, department: str = "") -> IdentityCheck:
    """A clerk checks who is at the window: the name from the population or enterprise register.

    No consent is asked (the person presents their document to the clerk), but it is still a read of
    their data, so it is a `registry.read` entry about them — it shows in "who read my data" like any
    other read. The read and its entry share one transaction; the ledger lock is taken only by the
    append, after the register has answered. Nothing was read when the register does not know the
    number or is down, so nothing is recorded then.
    """
    registry, element = IDENTITY_SOURCES[applicant.kind]
    try:
        name = str(fetch_elements(registry, applicant, [element]).get(element) or "")
        problem = "" if name else "not_found"
    except SubjectNotFound:
        problem = "not_found"
    except RegistryUnavailable:
        problem = "unavailable"
    if problem:
        return IdentityCheck(applicant.kind, False, "", registry, problem)
    ledger_record(
        kind=Kind.REGISTRY_READ,
        actor=actor,
        subject_ref=applicant.index,
        payload={
            "registry": registry,
            "registry_name": cm.Registry.objects.filter(code=registry).values_list("name", flat=True).first()
            or registry_name(registry),
            "elements": [element],
            "missing": [],
            "materials": [],
            "contracts": [],
            "purpose": IDENTITY_PURPOSE,
            "department": department,
            "lookup": "counter",
        },
    )
    return IdentityCheck(applicant.kind, True, name, registry)


# === one-click prefill ========================================================================================
@dataclass
class PrefillOutcome:
    """Everything one click produced. `values` hold the full values: mask them for anyone but the owner."""

    run_id: uuid.UUID
    case_ref: uuid.UUID
    consent_id: uuid.UUID
    values: dict[str, dict[str, Any]]  # element -> {value, source_registry, source_name, contract, ...}
    manual: dict[str, str]  # element -> why the applicant types it
    materials_verified: list[dict[str, Any]]
    materials_manual: dict[str, str]  # material -> why the applicant uploads it
    materials_produced: list[str]
    registries_read: list[str]
    registries_unavailable: list[str]
    # The ids of the ledger entries that record the run's reads (each with its signed promise; the
    # sequencer seals them within the maximum merge delay: GET /ledger/entries/by-id/{id}).
    ledger_entries: list[str]
    clicks: int = 1


@dataclass
class _Planned:
    """What one registry will be asked, and under which contract each thing is asked."""

    registry: str
    name: str
    elements: dict[str, str] = field(default_factory=dict)  # element -> contract label
    materials: dict[str, str] = field(default_factory=dict)  # material -> contract label
    licence_types: dict[str, str] = field(default_factory=dict)  # material -> licence type
    subjects: dict[str, str] = field(default_factory=dict)  # material -> whose (absent: the applicant)
    # element -> whose (`consent: own`): asked only once this run's reads name the applicant as that person
    own: dict[str, str] = field(default_factory=dict)
    own_materials: set[str] = field(default_factory=set)  # materials of such a person (see `_subjects_of`)
    types: dict[str, str] = field(default_factory=dict)  # per-person slot -> its catalog material type


@dataclass
class _Result:
    planned: _Planned
    values: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    element_failure: str = ""  # "", unavailable, not_found, error
    references: dict[str, VerifiedReference] = field(default_factory=dict)
    not_verified: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # materials already attached to the case
    material_failures: dict[str, str] = field(default_factory=dict)
    fetched_at: dt.datetime | None = None
    # material -> (the person it was verified for, the subject's name): reads in that person's own log
    about: dict[str, tuple[Subject, str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)  # the elements actually asked of the registry
    held_back: dict[str, str] = field(default_factory=dict)  # element or material -> why it was not read
    # element or material read under another adult's own consent -> (that person, role, their consent)
    own_reads: dict[str, tuple[Subject, str, uuid.UUID]] = field(default_factory=dict)

    @property
    def elements_read(self) -> bool:
        return bool(self.asked) and not self.element_failure


def _consent_refusal(consent: Consent, now: dt.datetime) -> tuple[str, str] | None:
    status = consent.status_at(now)
    if status == ConsentStatus.ACTIVE:
        return None
    local = {
        ConsentStatus.EXPIRED: ("consent_expired", f"授权已于 {_local(consent.expires_at)} 过期，请重新授权"),
        ConsentStatus.WITHDRAWN: (
            "consent_withdrawn",
            f"授权已于 {_local(consent.withdrawn_at)} 撤回，不能再读取数据",
        ),
        ConsentStatus.DECLINED: ("consent_declined", "申请人未授权共享获取数据，请自行填写、上传"),
    }
    return local[status]


def _local(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def _plan(consent: Consent, day: dt.date) -> tuple[list[_Planned], list[dict[str, Any]]]:
    """Re-check every consented read against the contracts as they stand now (they may have changed)."""
    scope = consent.scope
    terms = active_terms()
    department_types = _department_types(scope.get("items", []))
    planned: list[_Planned] = []
    refused: list[dict[str, Any]] = []
    for reg in consent.scope_registries():
        plan = _Planned(reg["registry"], reg["name"])
        reasons: list[str] = []
        own = {
            e["element"]: e.get("subject", APPLICANT) for e in reg["elements"] if e.get("only_if_applicant")
        }
        own_materials = {m["material"] for m in reg["materials"] if m.get("only_if_applicant")}
        # (what, code, name, used by, key, whose): each material keeps its own subject.
        asks: list[tuple[What, str, str, list[str], str, str]] = [
            ("element", e["element"], e["name"], e["used_by"], e["element"], APPLICANT)
            for e in reg["elements"]
        ]
        for m in reg["materials"]:
            what: What = "licence_type" if m["licence_type"] else "material"
            asks.append(
                (
                    what,
                    m["licence_type"] or m.get("material_type") or m["material"],
                    m["name"],
                    m["used_by"],
                    m["material"],
                    m.get("subject", APPLICANT),
                )
            )
        for what, code, name, used_by, key, whose in asks:
            consumers = consumers_for(consent.package_code, used_by, department_types)
            grant = find_grant(
                terms, consumers=consumers, purpose=consent.purpose, what=what, code=code, day=day
            )
            if grant is None:
                reasons.append(
                    explain_denial(
                        terms,
                        consumers=consumers,
                        purpose=consent.purpose,
                        what=what,
                        code=code,
                        name=name,
                        day=day,
                    )
                )
            elif what == "element":
                plan.elements[key] = grant.label
                if key in own:
                    plan.own[key] = own[key]
            else:
                plan.materials[key] = grant.label
                if what == "licence_type":
                    plan.licence_types[key] = code
                elif code != key:
                    plan.types[key] = code  # a per-person slot of this material type
                if whose != APPLICANT:
                    plan.subjects[key] = whose
                if key in own_materials:
                    plan.own_materials.add(key)
        if reasons:
            refused.append(
                {
                    "registry": plan.registry,
                    "registry_name": plan.name,
                    "elements": [e["element"] for e in reg["elements"]],
                    "materials": [m["material"] for m in reg["materials"]],
                    "reason_code": "no_contract",
                    "reason": "；".join(reasons),
                }
            )
        planned.append(plan)
    return planned, refused


def _denial_payload(consent: Consent, denial: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **denial,
        "consent": str(consent.id),
        "purpose": consent.purpose,
        "package": consent.package_code,
        "department": consent.scope.get("lead_department", ""),
    }


def _record_denials(consent: Consent, actor: str, denials: Sequence[Mapping[str, Any]]) -> list[str]:
    with transaction.atomic():
        return [_append_denial(consent, actor, d) for d in denials]


def _whole_scope_denials(consent: Consent, reason_code: str, reason: str) -> list[dict[str, Any]]:
    registries = consent.scope_registries() or [{"registry": "", "name": "", "elements": [], "materials": []}]
    return [
        {
            "registry": r["registry"],
            "registry_name": r["name"],
            "elements": [e["element"] for e in r["elements"]],
            "materials": [m["material"] for m in r["materials"]],
            "reason_code": reason_code,
            "reason": reason,
        }
        for r in registries
    ]


def _failure(exc: RegistryError) -> str:
    if isinstance(exc, RegistryUnavailable):
        return "unavailable"
    if isinstance(exc, SubjectNotFound):
        return "not_found"
    return "error"


def _fetch(plan: _Planned, applicant: Subject) -> _Result:
    """ONE `fetch_elements` call for every element planned from this registry (another adult's data
    waits for `_fetch_own`)."""
    result = _Result(plan)
    asked = [code for code in plan.elements if code not in plan.own]
    if asked:
        result.asked = asked
        try:
            got = fetch_elements(plan.registry, applicant, asked)
        except RegistryError as exc:
            result.element_failure = _failure(exc)
        else:
            _keep(result, asked, got)
    result.fetched_at = clock.now()
    return result


def _keep(result: _Result, asked: Sequence[str], got: Mapping[str, Any]) -> None:
    for code in asked:
        value = got.get(code)
        if value is None or value == "":
            result.missing.append(code)
        else:
            result.values[code] = value


def _fetch_own(result: _Result, applicant: Subject, whose: Mapping[str, _Whose]) -> None:
    """Another adult's data (`consent: own`) is read only when this run's reads name the applicant as
    that person (the mother applying for her newborn): then her own consent covers it, in one more call;
    or when that person granted it themself for this case (`onego.exchange.person_consent`). Anyone
    else's stays unread, for the applicant to type, saying why."""
    plan = result.planned
    if not plan.own or result.element_failure:
        return
    mine: list[str] = []
    for code, subject in plan.own.items():
        who = whose.get(subject)
        if who is not None and who.person is not None and who.person.index == applicant.index:
            mine.append(code)
        elif who is not None and who.person is not None and who.own_consent and code in who.scope:
            mine.append(code)  # that person granted it themself, for this case (person_consent)
            result.own_reads[code] = (who.person, who.name, who.own_consent)
        else:
            result.held_back[code] = (who.reason if who else "") or note_own_consent(
                who.name if who else subject, "数据"
            )
    if not mine:
        return
    try:
        got = fetch_elements(plan.registry, applicant, mine)
    except RegistryError as exc:
        result.held_back.update(dict.fromkeys(mine, FAILURE_REASONS[_failure(exc)]))
        return
    result.asked += mine
    _keep(result, mine, got)


@dataclass(frozen=True)
class _Whose:
    """Whom a subject's materials are verified for in this run, or why none (a failure code)."""

    person: Subject | None
    name: str
    failure: str = ""
    # the person's own consent (person_consent) that covers `scope` of their data and materials
    own_consent: uuid.UUID | None = None
    scope: frozenset[str] = frozenset()
    reason: str = ""  # why their own-consent data stays unread (the state of the request)
    reason_material: str = ""  # the same, for their materials


def _own_person(s: Mapping[str, Any], registry_named: Subject | None, grant: PersonGrant | None) -> _Whose:
    """An `own` subject who is not the applicant: covered only by their own grant on this case, and only
    if the registry, when it names someone, names the very person who granted it."""
    name = s["name"]
    if grant is None or grant.person is None:
        status = grant.status if grant is not None else None
        return _Whose(
            None,
            name,
            "not_covered",
            reason=fallback_reason(name, status),
            reason_material=fallback_reason(name, status, "材料"),
        )
    if registry_named is not None and registry_named.index != grant.person.index:
        why = f"同意授权的人不是数据源登记的{name}，未查询，请自行填写/上传"
        return _Whose(None, name, "not_covered", reason=why, reason_material=why)
    return _Whose(grant.person, name, own_consent=grant.consent_id, scope=grant.elements | grant.materials)


def _subjects_of(
    consent: Consent,
    results: Sequence[_Result],
    applicant: Subject,
    grants: Mapping[str, PersonGrant] | None = None,
) -> dict[str, _Whose]:
    """Resolve every other subject of the consent to a person, server-side.

    The person is the one the registry names in *this run's* reads (the enterprise's registered legal
    representative, the child in the applicant's household): a number the applicant typed or sent is
    never used, so nobody can have another person's data read by naming them. And the consent must be
    able to cover them: a guardian consents for a child (the applicant is a person), the legal
    representative acting for the enterprise for themself; another adult only in person (`own`, held
    back at the preview already)."""
    read: dict[str, Any] = {}
    for r in results:
        read.update(r.values)
    out: dict[str, _Whose] = {}
    for s in consent.scope.get("subjects", []):
        code, name, identity = s["code"], s["name"], s.get("identity", "")
        number = read.get(identity) if identity else None
        if s["consent"] == "representative" and applicant.kind == "person":
            # A person applying for an enterprise (one not yet registered, or one they represent, which
            # is what the enterprise registry reads for a person) acts as its representative themself.
            out[code] = _Whose(applicant, name)
            continue
        if not identity:
            # Reached only through the applicant's own record (a newborn before registration).
            person: Subject | None = applicant if s["consent"] == "guardian" else None
            out[code] = _Whose(person, name, "" if person else "not_covered")
            continue
        if not isinstance(number, str) or check_id_number(number) is not None:
            own_grant = (grants or {}).get(code) if s["consent"] == "own" else None
            if own_grant is not None and own_grant.person is not None:
                # No registry names them: the person who signed in and granted it is who they are.
                out[code] = _own_person(s, None, own_grant)
            else:
                out[code] = _Whose(None, name, "who_unknown")
            continue
        # (an `own` subject is covered only when it is the applicant themself: below, `is_applicant`)
        person = Subject("person", number.strip().upper())
        is_applicant = person.index == applicant.index
        if s["consent"] == "own" and not is_applicant:
            out[code] = _own_person(s, person, (grants or {}).get(code))
            continue
        allowed = (
            is_applicant
            or (s["consent"] == "guardian" and applicant.kind == "person")
            or (s["consent"] == "representative" and applicant.kind == "enterprise")
        )
        out[code] = _Whose(person if allowed else None, name, "" if allowed else "not_covered")
    return out


def _verify(
    result: _Result, applicant: Subject, attached: set[str], whose: Mapping[str, _Whose] | None = None
) -> None:
    """One verification per material not yet attached to the case, for the person the material is of.

    A registry that failed stops being asked (down for the elements means down for the next material
    too); what it already answered is kept and recorded.
    """
    failed = result.element_failure
    for material in result.planned.materials:
        if material in attached:
            result.reused.append(material)  # verified once per case: no second read
            continue
        if failed:
            result.material_failures[material] = failed
            continue
        person = applicant
        subject = result.planned.subjects.get(material)
        if subject is not None:
            who = (whose or {}).get(subject) or _Whose(None, subject, "who_unknown")
            if who.person is None or (
                material in result.planned.own_materials
                and who.person.index != applicant.index
                and material not in who.scope
            ):
                result.material_failures[material] = who.failure or "not_covered"
                if material in result.planned.own_materials:
                    result.held_back[material] = who.reason_material or note_own_consent(who.name, "材料")
                continue
            person = who.person
            if person.index != applicant.index:
                result.about[material] = (person, who.name)
                if who.own_consent is not None:
                    result.own_reads[material] = (person, who.name, who.own_consent)
        try:
            reference = verify_material(result.planned.types.get(material, material), person)
        except RegistryError as exc:
            failed = result.material_failures[material] = _failure(exc)
            continue
        if reference is None:
            result.not_verified.append(material)
        else:
            result.references[material] = reference


def _encrypt(value: Any) -> str:
    # JSON first, so a number or a date read back is the value that was fetched.
    return pii.encrypt(json.dumps(value, ensure_ascii=False, default=str))


def _as_json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def prefill(
    *, case_ref: uuid.UUID | str, consent_id: uuid.UUID | str, actor: str, applicant: Subject
) -> PrefillOutcome:
    """一键填表: fetch every consented element from every registry and verify every exempt material, once.

    Refused (PermissionDenied, recorded as registry.denied) when the consent has expired, was withdrawn or
    declined, or when a contract no longer allows a consented read. A registry that is down leaves its
    fields and materials to the applicant (with the reason) and the rest proceeds. A subject no registry
    knows is refused with NotFound, recorded as registry.denied.
    """
    consent = consent_for_applicant(consent_id, applicant)
    if str(consent.case_ref) != str(case_ref):
        raise NotFound("没有找到该授权记录", field="consent_id")
    now = clock.now()
    refusal = _consent_refusal(consent, now)
    if refusal is not None:
        _record_denials(consent, actor, _whole_scope_denials(consent, *refusal))
        raise PermissionDenied(refusal[1], field="consent_id")
    plans, refused = _plan(consent, clock.today())
    if refused:
        _record_denials(consent, actor, refused)
        raise PermissionDenied(
            f"{refused[0]['registry_name']}：{refused[0]['reason']}。请重新预览并授权", field="consent_id"
        )

    # Registries are asked outside any transaction: their latency must not hold the ledger lock.
    attached = set(
        VerifiedMaterial.objects.filter(case_ref=consent.case_ref).values_list("material", flat=True)
    )
    results = [_fetch(plan, applicant) for plan in plans]
    # Unknown to every registry asked for data: refuse before any material is asked about. (Material
    # checks cannot tell "unknown" from "holds no such licence", so they do not decide this.)
    asked = [r for r in results if r.asked]
    if asked and all(r.element_failure == "not_found" for r in asked):
        _record_denials(
            consent,
            actor,
            [
                {
                    "registry": r.planned.registry,
                    "registry_name": r.planned.name,
                    "elements": list(r.planned.elements),
                    "materials": [],
                    "reason_code": "subject_not_found",
                    "reason": "数据源中没有找到该申请人",
                }
                for r in asked
            ],
        )
        raise NotFound(
            "数据源中没有找到该申请人，请核对证件号码；也可以自行填写、上传全部信息", field="applicant"
        )
    whose = _subjects_of(consent, results, applicant, grants_for_case(consent.case_ref, now))
    for result in results:
        _fetch_own(result, applicant, whose)
        _verify(result, applicant, attached, whose)
    return _store_outcome(consent, actor, results, started_at=now)


@dataclass
class _ReadRecord:
    """What one registry answered in this run: one `registry.read` entry."""

    registry: str
    name: str
    elements: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    materials_verified: list[str] = field(default_factory=list)
    contracts: set[str] = field(default_factory=set)


@transaction.atomic
def _store_outcome(
    consent: Consent, actor: str, results: Sequence[_Result], *, started_at: dt.datetime
) -> PrefillOutcome:
    planned_elements = [c for r in results for c in r.planned.elements]
    element_info = {el.code: el for el in cm.DataElement.objects.filter(code__in=planned_elements)}
    material_names = dict(cm.MaterialType.objects.values_list("code", "name"))
    # a per-person slot (`resident_id_card__father`) is named as the applicant saw it: "居民身份证（父亲）"
    material_names |= {
        m["material"]: m["name"] for reg in consent.scope_registries() for m in reg["materials"]
    }
    registry_names = dict(cm.Registry.objects.values_list("code", "name"))
    run = PrefillRun.objects.create(
        case_ref=consent.case_ref, consent=consent, actor=actor, started_at=started_at
    )
    values: dict[str, dict[str, Any]] = {}
    stored: dict[str, dict[str, Any]] = {}
    manual = {
        line["code"]: line.get("note") or REASON_NO_REGISTRY for line in consent.scope.get("to_type", [])
    }
    materials_manual = {
        line["code"]: line.get("note") or REASON_UPLOAD for line in consent.scope.get("to_upload", [])
    }
    verified: list[dict[str, Any]] = []
    reads: dict[str, _ReadRecord] = {}
    unavailable: list[str] = []
    entries: list[str] = []

    def read_of(registry: str) -> _ReadRecord:
        return reads.setdefault(registry, _ReadRecord(registry, registry_names.get(registry, registry)))

    # person (blind index) -> their own consent, for reads made under it (person_consent)
    own_consents = {person.index: own for r in results for person, _role, own in r.own_reads.values()}

    for r in results:
        plan = r.planned
        failures = [r.element_failure, *r.material_failures.values()]
        if r.element_failure:
            manual.update(dict.fromkeys(plan.elements, FAILURE_REASONS[r.element_failure]))
        for material, failure in r.material_failures.items():
            materials_manual[material] = r.held_back.get(material) or FAILURE_REASONS[failure]
        manual.update({code: why for code, why in r.held_back.items() if code in plan.elements})
        if "unavailable" in failures:
            unavailable.append(plan.registry)
        if "not_found" in failures:
            denial = {
                "registry": plan.registry,
                "registry_name": plan.name,
                "elements": list(plan.elements) if r.element_failure == "not_found" else [],
                "materials": [m for m, f in r.material_failures.items() if f == "not_found"],
                "reason_code": "subject_not_found",
                "reason": "数据源中没有找到该申请人",
                "prefill_run": str(run.id),
            }
            entries.append(_append_denial(consent, actor, denial))
        if r.elements_read:
            record = read_of(plan.registry)
            record.elements += list(r.asked)
            record.missing += r.missing
            record.contracts |= {plan.elements[code] for code in r.asked}
        for code, value in r.values.items():
            el = element_info.get(code)
            data_type = el.type if el else "string"
            sensitive = bool(el and el.sensitive)
            plain = _as_json_value(value)
            source = {
                "source_registry": plan.registry,
                "source_name": plan.name,
                "contract": plan.elements[code],
                "fetched_at": r.fetched_at.isoformat() if r.fetched_at else "",
            }
            values[code] = {
                "value": plain,
                "name": el.name if el else code,
                "type": data_type,
                "sensitive": sensitive,
                **source,
            }
            stored[code] = {
                "value": _encrypt(plain),
                # What the case's provenance compares a later value with (onego.exchange.provenance).
                "digest": value_digest(code, data_type, plain),
                "masked": masked(False, data_type, plain, element=code, sensitive=sensitive),
                **source,
            }
        manual.update(dict.fromkeys(r.missing, REASON_NOT_HELD))
        for material in r.not_verified:
            materials_manual[material] = REASON_NOT_VERIFIED
            record = read_of(plan.registry)
            record.materials.append(material)
            record.contracts.add(plan.materials[material])
        for material, ref in r.references.items():
            row, _created = _attach(consent, plan, material, material_names.get(material, material), ref)
            verified.append(_material_view(row))
            # The gateway may answer from the material's own registry when no e-licence exists: the
            # read is recorded against the registry that actually answered.
            record = read_of(row.registry)
            record.materials.append(material)
            record.materials_verified.append(material)
            record.contracts.add(plan.materials[material])
        for material in r.reused:
            verified.append(
                _material_view(VerifiedMaterial.objects.get(case_ref=consent.case_ref, material=material))
            )

    for record in reads.values():
        payload = {
            "registry": record.registry,
            "registry_name": record.name,
            "elements": record.elements,
            "missing": record.missing,
            "materials": record.materials,
            "materials_verified": record.materials_verified,
            "contracts": sorted(record.contracts),
            "consent": str(consent.id),
            "purpose": consent.purpose,
            "package": consent.package_code,
            "department": consent.scope.get("lead_department", ""),
            "prefill_run": str(run.id),
        }
        entry = ledger_record(
            kind=Kind.REGISTRY_READ,
            actor=actor,
            subject_ref=consent.subject_index,
            case_ref=str(consent.case_ref),
            payload=payload,
        )
        entries.append(str(entry.id))
        # Whose data it is: a read about another person (the newborn's father…) is in their log too.
        plain = {code: v["value"] for code, v in values.items()}
        logged: set[str] = set()
        for person, role, theirs in about_others(plain, record.elements, consent.subject_index):
            about = {**payload, "elements": theirs, "missing": [], "materials": [], "materials_verified": []}
            if person.index in own_consents:
                about["own_consent"] = str(own_consents[person.index])
            entry = ledger_record(
                kind=Kind.REGISTRY_READ,
                actor=actor,
                subject_ref=person.index,
                case_ref=str(consent.case_ref),
                payload={**about, "about": role},
            )
            entries.append(str(entry.id))
            logged.add(person.index)
        # Data read under another adult's own consent whom no identity read names: still in their log.
        unlogged: dict[str, tuple[Subject, str, uuid.UUID, list[str]]] = {}
        for r in results:
            for code, (person, role, own) in r.own_reads.items():
                if code in record.elements and person.index not in logged:
                    unlogged.setdefault(person.index, (person, role, own, []))[3].append(code)
        for person, role, own, theirs in unlogged.values():
            entry = ledger_record(
                kind=Kind.REGISTRY_READ,
                actor=actor,
                subject_ref=person.index,
                case_ref=str(consent.case_ref),
                payload={
                    **payload,
                    "elements": theirs,
                    "missing": [],
                    "materials": [],
                    "materials_verified": [],
                    "about": role,
                    "own_consent": str(own),
                },
            )
            entries.append(str(entry.id))

    # A material verified for another person (the legal representative's ID card) is a read of *their*
    # data: it is in their own log, saying on whose authority it was made.
    consent_texts = {s["code"]: s.get("consent_text", "") for s in consent.scope.get("subjects", [])}
    for r in results:
        for material, (person, role) in r.about.items():
            subject = r.planned.subjects.get(material, "")
            entry = ledger_record(
                kind=Kind.REGISTRY_READ,
                actor=actor,
                subject_ref=person.index,
                case_ref=str(consent.case_ref),
                payload={
                    "registry": r.planned.registry,
                    "registry_name": r.planned.name,
                    "elements": [],
                    "missing": [],
                    "materials": [material],
                    "materials_verified": [material] if material in r.references else [],
                    "contracts": [r.planned.materials[material]],
                    "consent": str(consent.id),
                    "purpose": consent.purpose,
                    "package": consent.package_code,
                    "department": consent.scope.get("lead_department", ""),
                    "prefill_run": str(run.id),
                    "about": role,
                    "on_authority_of": consent_texts.get(subject, ""),
                    **({"own_consent": str(r.own_reads[material][2])} if material in r.own_reads else {}),
                },
            )
            entries.append(str(entry.id))

    for element in values:
        manual.pop(element, None)
    for item in verified:
        materials_manual.pop(item["material"], None)
    run.values = stored
    run.manual = manual
    run.materials_verified = [v["material"] for v in verified]
    run.materials_manual = materials_manual
    run.finished_at = clock.now()
    run.save()
    return PrefillOutcome(
        run_id=run.id,
        case_ref=consent.case_ref,
        consent_id=consent.id,
        values=values,
        manual=manual,
        materials_verified=verified,
        materials_manual=materials_manual,
        materials_produced=[line["code"] for line in consent.scope.get("produced", [])],
        registries_read=list(reads),
        registries_unavailable=unavailable,
        ledger_entries=entries,
    )


def _append_denial(consent: Consent, actor: str, denial: Mapping[str, Any]) -> str:
    entry = ledger_record(
        kind=Kind.REGISTRY_DENIED,
        actor=actor,
        subject_ref=consent.subject_index,
        case_ref=str(consent.case_ref),
        payload=_denial_payload(consent, denial),
    )
    return str(entry.id)


def _attach(
    consent: Consent, plan: _Planned, material: str, name: str, ref: VerifiedReference
) -> tuple[VerifiedMaterial, bool]:
    """Attach a verified reference once per case; a concurrent run that attached it first wins."""
    registry = ref.registry or plan.registry
    defaults = {
        "material_name": name,
        "registry": registry,
        "licence_type": plan.licence_types.get(material, "") if registry == ELICENCE_REGISTRY else "",
        "reference": str(ref.reference)[:200],
        "description": str(ref.description)[:300],
        "verified_at": ref.verified_at or clock.now(),
        "consent": consent,
        "contract": plan.materials[material],
    }
    try:
        with transaction.atomic():
            return VerifiedMaterial.objects.get_or_create(
                case_ref=consent.case_ref, material=material, defaults=defaults
            )
    except IntegrityError:
        return VerifiedMaterial.objects.get(case_ref=consent.case_ref, material=material), False


def _material_view(row: VerifiedMaterial) -> dict[str, Any]:
    return {
        "material": row.material,
        "name": row.material_name,
        "registry": row.registry,
        "licence_type": row.licence_type,
        "reference": row.reference,
        "description": row.description,
        "verified_at": row.verified_at.isoformat(),
        "contract": row.contract,
    }


__all__ = [
    "ELICENCE_REGISTRY",
    "ConsentPreview",
    "ContractImportFailed",
    "ContractImportResult",
    "IdentityCheck",
    "PrefillOutcome",
    "consent_decline",
    "consent_grant",
    "consent_preview",
    "consent_withdraw",
    "contract_publish",
    "contract_revoke",
    "contracts_import",
    "identity_check",
    "prefill",
]
