"""Reads of the exchange: contracts in force, consents, verified references, and "who read my data"."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from onego.catalog import models as cm
from onego.core import clock, pii
from onego.core.errors import NotFound
from onego.exchange.models import Consent, PrefillRun, SharingContract, VerifiedMaterial
from onego.exchange.rules import ContractTerms
from onego.ledger.models import Kind
from onego.ledger.selectors import entries_for_subject
from onego.registries.gateway import Subject

READ_KINDS = (Kind.REGISTRY_READ.value, Kind.REGISTRY_DENIED.value)


# --- contracts --------------------------------------------------------------------------------------------
def active_contracts() -> QuerySet[SharingContract]:
    """The current version of every contract that has not been revoked (it may not be in force yet)."""
    return SharingContract.objects.filter(active=True).order_by("code")


def contracts_in_force(day: dt.date | None = None) -> list[SharingContract]:
    today = day or clock.today()
    return [c for c in active_contracts() if c.in_force_on(today)]


def contract_history(code: str) -> QuerySet[SharingContract]:
    return SharingContract.objects.filter(code=code).order_by("-version")


def contract_terms(contract: SharingContract) -> ContractTerms:
    return ContractTerms(
        code=contract.code,
        version=contract.version,
        consumer_kind=contract.consumer_kind,
        consumer_code=contract.consumer_code,
        purpose=contract.purpose,
        elements=frozenset(contract.elements),
        materials=frozenset(contract.materials),
        licence_types=frozenset(contract.licence_types),
        valid_from=contract.valid_from,
        valid_until=contract.valid_until,
        active=contract.active,
    )


def active_terms() -> list[ContractTerms]:
    return [contract_terms(c) for c in active_contracts()]


def visible_elements(consumer_kind: str, consumer_code: str, elements: Iterable[str]) -> set[str]:
    """The elements a consumer (e.g. a department type deciding a sub-case) may see: default deny.

    Granted means: named by a contract of that consumer that is in force today, whatever its purpose.
    """
    today = clock.today()
    granted: set[str] = set()
    for contract in active_contracts().filter(consumer_kind=consumer_kind, consumer_code=consumer_code):
        if contract.in_force_on(today):
            granted.update(contract.elements)
    return set(elements) & granted


# Groups whose `.name` is a natural person's name (enterprise.name is public and stays readable).
PERSON_GROUPS = frozenset(
    {"person", "applicant", "spouse", "mother", "father", "newborn", "child", "guardian", "agent"}
    | {"legal_rep", "buyer", "seller"}
)
SELF_MASKING_TYPES = frozenset({"id_number", "uscc", "phone", "email"})


def masked(
    viewer_can_see_full: bool, data_type: str, value: Any, *, element: str = "", sensitive: bool = False
) -> Any:
    """The value as a viewer may see it: in full only when their role and contract allow it.

    By data type first (ID, USCC, phone, email); then by element: a person's name and any address keep
    only their first characters; any other sensitive element shows only its first character.
    """
    if viewer_can_see_full or value is None or value == "":
        return value
    text = value if isinstance(value, str) else str(value)
    if data_type in SELF_MASKING_TYPES:
        return pii.mask_value(data_type, text)
    group, _, leaf = element.partition(".")
    if leaf == "name" and group in PERSON_GROUPS:
        return pii.mask_name(text)
    if "address" in leaf:
        return pii.mask_address(text)
    if sensitive:
        return text[:1] + "*" * max(len(text) - 1, 1)
    return value


# --- consents and what they produced -------------------------------------------------------------------------
def consent_for_applicant(consent_id: uuid.UUID | str, applicant: Subject) -> Consent:
    """The consent, if it is this applicant's. Same error for "no such consent" and "not yours"."""
    key = _uuid(consent_id)
    consent = Consent.objects.filter(pk=key, subject_index=applicant.index).first() if key else None
    if consent is None:
        raise NotFound("没有找到该授权记录", field="consent_id")
    return consent


def _uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    # A malformed id is as unknown as someone else's: no different error to probe with.
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def consents_for_case(case_ref: uuid.UUID | str) -> QuerySet[Consent]:
    return Consent.objects.filter(case_ref=case_ref).order_by("-created_at")


def verified_materials(case_ref: uuid.UUID | str) -> QuerySet[VerifiedMaterial]:
    """The references attached to a case; every sub-case of the case sees the same ones."""
    return VerifiedMaterial.objects.filter(case_ref=case_ref).order_by("material")


def prefill_runs(case_ref: uuid.UUID | str) -> QuerySet[PrefillRun]:
    return PrefillRun.objects.filter(case_ref=case_ref).order_by("-started_at")


def prefilled_values(run: PrefillRun) -> dict[str, Any]:
    """Decrypt a run's values (for the case's own form; callers mask them for anyone else)."""
    return {code: pii_value(v["value"]) for code, v in run.values.items()}


def pii_value(stored: str) -> Any:
    return json.loads(pii.decrypt(stored))


# --- who read my data -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataReadView:
    """One line of "who read my data, when and why" (谁在何时因何查询了我的数据)."""

    entry_id: str
    index: (
        int | None
    )  # None while the entry is pending (the sequencer seals it within the maximum merge delay)
    recorded_at: dt.datetime
    outcome: str  # read | denied
    actor: str
    department: str
    registry: str
    registry_name: str
    elements: list[dict[str, str]]  # [{code, name}]
    materials: list[dict[str, str]]
    purpose: str
    case_ref: str
    contracts: list[str]
    consent: str
    reason: str = ""
    package: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def reads_for_subject(subject: Subject) -> list[DataReadView]:
    """Every registry read about this person or enterprise, and every refused attempt, oldest first."""
    entries = list(entries_for_subject(subject.index, kinds=READ_KINDS))
    element_names = dict(cm.DataElement.objects.values_list("code", "name"))
    material_names = dict(cm.MaterialType.objects.values_list("code", "name"))
    views = []
    for e in entries:
        p = e.payload
        views.append(
            DataReadView(
                entry_id=str(e.id),
                index=e.index,
                recorded_at=e.recorded_at,
                outcome="read" if e.kind == Kind.REGISTRY_READ else "denied",
                actor=e.actor,
                department=p.get("department", ""),
                registry=p.get("registry", ""),
                registry_name=p.get("registry_name", ""),
                elements=[{"code": c, "name": element_names.get(c, c)} for c in p.get("elements", [])],
                materials=[{"code": c, "name": material_names.get(c, c)} for c in p.get("materials", [])],
                purpose=p.get("purpose", ""),
                case_ref=e.case_ref,
                contracts=list(p.get("contracts", [])),
                consent=p.get("consent", ""),
                reason=p.get("reason", ""),
                package=p.get("package", ""),
            )
        )
    return views
