"""THE interface to the other departments' registries (共享交换网关). Nothing else reads their tables.

    fetch_elements("population", Subject("person", "5201..."), ["person.name", "mother.name"])
    find_licences(Subject("enterprise", "9152..."), "business_licence")
    verify_material("marriage_certificate", Subject("person", "5201..."))
    assign_value("enterprise", "enterprise.uscc", key="case:…", facts={...}, region_code="520102")
    void_value("enterprise", "enterprise.uscc", key="case:…", reason="…")

Every call first asks whether the registry answers (`registry_available`); a registry switched off
raises `RegistryUnavailable`, as a department's interface that times out would. What each registry
can supply, and relative to whom, is in `onego.registries.sources` (one table per registry).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from onego.catalog.models import MaterialType
from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.core.pii import encrypt
from onego.core.validators import check_uscc, licence_identifier
from onego.registries import adapters, assignment
from onego.registries import models as m
from onego.registries.base import (
    REGISTRY_CODES,
    Assigned,
    LicenceRecord,
    RegistryError,
    RegistryUnavailable,
    Subject,
    SubjectNotFound,
    VerifiedReference,
    registry_name,
)
from onego.registries.events import PUBLISHERS, Event, events_after
from onego.registries.sources import SOURCES

__all__ = [
    "REGISTRY_CODES",
    "Assigned",
    "LicenceRecord",
    "RegistryError",
    "RegistryUnavailable",
    "Subject",
    "SubjectNotFound",
    "VerifiedReference",
    "assign_value",
    "assignable",
    "elements_held",
    "fetch_elements",
    "find_licences",
    "read_events",
    "issue_licence",
    "registry_available",
    "registry_name",
    "set_registry_available",
    "verify_material",
    "void_value",
]

logger = logging.getLogger(__name__)

ELICENCE = "elicence"


# --- availability -------------------------------------------------------------------------------------
def registry_available(code: str) -> bool:
    """False when switched off (or not a registry this gateway connects to)."""
    if code not in SOURCES:
        return False
    state = m.RegistryState.objects.filter(code=code).values_list("available", flat=True).first()
    return True if state is None else bool(state)


@transaction.atomic
def set_registry_available(*, code: str, available: bool, note: str = "") -> None:
    if code not in SOURCES:
        raise ValidationFailed(f"没有代码为“{code}”的数据源", field="code")
    m.RegistryState.objects.update_or_create(code=code, defaults={"available": available, "note": note})
    m.RegistryStateChange.objects.create(code=code, available=available, note=note)
    logger.info("registry %s switched %s %s", code, "on" if available else "off", note)


def _require(code: str) -> None:
    if code not in SOURCES:
        raise RegistryUnavailable(code, f"数据源“{code}”尚未接入共享交换")
    if not registry_available(code):
        raise RegistryUnavailable(code)


# --- the event feed -----------------------------------------------------------------------------------
def read_events(registry: str, *, after: int, limit: int = 100) -> list[Event]:
    """The registry's events after sequence `after` (oldest first): over HTTP when an endpoint is
    configured for it (ONEGO_REGISTRY_ENDPOINTS), else from the simulator in process."""
    if registry not in PUBLISHERS:
        raise RegistryUnavailable(registry, f"{registry_name(registry)}不发布事件")
    _require(registry)
    endpoint = adapters.endpoint_for(registry)
    if endpoint is not None:
        return adapters.HttpJsonAdapter(endpoint).read_events(after=after, limit=limit)
    return events_after(registry, after=after, limit=limit)


# --- data elements ------------------------------------------------------------------------------------
def elements_held(registry: str) -> frozenset[str]:
    """Data element codes this registry can supply (empty for a registry the gateway does not know)."""
    source = SOURCES.get(registry)
    return frozenset(source.elements) if source else frozenset()


def fetch_elements(registry: str, subject: Subject, elements: Sequence[str]) -> dict[str, Any]:
    """Values of the requested elements that this registry holds for the subject.

    Values are str, int/float, bool or ISO date strings. Elements the registry does not hold, or holds no
    value of for this subject, are left out. Raises RegistryUnavailable, or SubjectNotFound when the
    registry does not know the subject. A registry with an HTTP endpoint configured
    (ONEGO_REGISTRY_ENDPOINTS, onego/registries/adapters.py) is asked over HTTP; the others in process.
    """
    _require(registry)
    endpoint = adapters.endpoint_for(registry)
    if endpoint is not None:
        return adapters.HttpJsonAdapter(endpoint).fetch_elements(subject, elements)
    return fetch_elements_in_process(registry, subject, elements)


def fetch_elements_in_process(registry: str, subject: Subject, elements: Sequence[str]) -> dict[str, Any]:
    """The simulator's answer (also what it serves over HTTP: onego/registries/http.py)."""
    _require(registry)
    source = SOURCES[registry]
    context = source.load(subject)
    if context is None:
        raise SubjectNotFound(registry, subject)
    values: dict[str, Any] = {}
    for code in elements:
        getter = source.elements.get(code)
        if getter is None:
            continue
        value = getter(context)
        if value is not None and value != "":
            values[code] = value
    return values


# --- e-licences ---------------------------------------------------------------------------------------
def _record(lic: m.Licence) -> LicenceRecord:
    return LicenceRecord(
        identifier=lic.identifier,
        licence_type=lic.licence_type,
        name=lic.name,
        holder_name=lic.holder_name,
        holder_code_type=lic.holder_code_type,
        issuer_name=lic.issuer_name,
        issued_on=lic.issued_on,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        status=lic.status,
        data=dict(lic.data or {}),
        type_code=lic.type_code,
        issuer_code=lic.issuer_code,
        number=lic.number,
    )


def find_licences(
    subject: Subject, licence_type: str | None = None, *, valid_only: bool = True
) -> list[LicenceRecord]:
    """The subject's licences in the e-licence library, newest first; valid today unless valid_only=False."""
    _require(ELICENCE)
    qs = m.Licence.objects.filter(holder_index=subject.index)
    if licence_type:
        qs = qs.filter(licence_type=licence_type)
    if valid_only:
        today = clock.today()
        qs = qs.filter(status=m.LicenceStatus.VALID, valid_from__lte=today).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
    return [_record(lic) for lic in qs.order_by("-issued_on", "identifier")]


@dataclass(frozen=True)
class HeldLicence:
    """One licence of the library with its holder: `holder_index` to check who holds it, `holder_code` the
    plain 持证主体代码 — hand it on only where it is shown in full to the holder or masked to others."""

    record: LicenceRecord
    holder_index: str
    holder_code: str = field(repr=False)


def find_licence(identifier: str) -> HeldLicence | None:
    """The licence with this GB/T 36904 identifier, whatever its status; None when the library has none."""
    _require(ELICENCE)
    lic = m.Licence.objects.filter(identifier=identifier.strip().upper()).first()
    if lic is None:
        return None
    return HeldLicence(_record(lic), lic.holder_index, str(lic.holder_code or ""))


def licences_held(holder_index: str) -> list[HeldLicence]:
    """Every licence the library issued to the subject with this blind index, any status, newest first."""
    _require(ELICENCE)
    qs = m.Licence.objects.filter(holder_index=holder_index) if holder_index else m.Licence.objects.none()
    return [
        HeldLicence(_record(lic), lic.holder_index, str(lic.holder_code or ""))
        for lic in qs.order_by("-issued_on", "identifier")
    ]


def verify_material(
    material: str, subject: Subject, *, allowed: Container[str] | None = None
) -> VerifiedReference | None:
    """Can shared data stand in for this material (catalog MaterialType code) of this subject?

    An e-licence first: a valid licence of the material's licence type held by the subject. Failing that
    (no such licence, or the e-licence library down), the material's registry is asked whether it holds
    the record. None when neither does; RegistryUnavailable when the source that would have to answer is
    down and nothing could be verified.

    `allowed` (added beyond the agreed interface): the registry codes that may be asked, e.g. what a
    sharing contract grants — "elicence" for the licence path, the material's registry for the other.
    None asks both.
    """
    mt = MaterialType.objects.select_related("licence_type", "registry").filter(code=material).first()
    if mt is None:
        return None
    down: RegistryUnavailable | None = None
    if mt.licence_type is not None and (allowed is None or ELICENCE in allowed):
        try:
            licences = find_licences(subject, mt.licence_type.code)
        except RegistryUnavailable as exc:
            licences, down = [], exc
        if licences:
            lic = licences[0]
            return VerifiedReference(
                registry=ELICENCE,
                material=material,
                reference=lic.identifier,
                description=f"{lic.name} {lic.identifier}（{registry_name(ELICENCE)}核验）",
                verified_at=clock.now(),
            )
    if (
        mt.registry is not None
        and mt.registry.code in SOURCES
        and (allowed is None or mt.registry.code in allowed)
    ):
        code = mt.registry.code
        source = SOURCES[code]
        getter = source.materials.get(material)
        if getter is not None:
            _require(code)
            context = source.load(subject)
            reference = getter(context) if context is not None else None
            if reference:
                return VerifiedReference(
                    registry=code,
                    material=material,
                    reference=str(reference),
                    description=f"{mt.name} {reference}（{registry_name(code)}核验）",
                    verified_at=clock.now(),
                )
            return None
    if down is not None:
        raise down
    return None


# --- numbers assigned at an approval (赋码) ------------------------------------------------------------
def assignable(registry: str, element: str) -> bool:
    """Does this registry assign (create) this data element, e.g. enterprise → enterprise.uscc?"""
    return assignment.assignable(registry, element)


def assign_value(
    registry: str, element: str, *, key: str, facts: Mapping[str, Any], region_code: str
) -> Assigned:
    """The number the registry assigns to `element` when the item creating it is approved.

    The registry registers the subject — the enterprise named in `facts` (`enterprise.*`), or the newborn
    (`newborn.*`, the parents' and the declarant's ID numbers) — and answers with its new number.
    `key` is the requester's own key (e.g. "case:<id>"): asked again with it, the registry answers with
    the same number (`created=False`) and registers nothing. Call inside the requester's transaction:
    the registration commits or rolls back with it. Raises RegistryUnavailable, RegistryError (the
    registry does not assign that element), or ValidationFailed (`facts` lack what it needs).
    """
    _require(registry)
    return assignment.assign(registry, element, key=key, facts=facts, region_code=region_code)


def void_value(registry: str, element: str, *, key: str, reason: str) -> Assigned | None:
    """Withdraw the number the registry assigned to `element` for the request `key`: the approval that
    asked for it was overturned.

    The registry revokes the registration it made and keeps the assignment, voided with the time and
    `reason` (no raw numbers in it); the number is never given again, and the same key asking later
    gets a new one. Returns the voided number, or None when the key holds no active one (never assigned,
    or voided already). Call inside the requester's transaction: the void commits or rolls back with it.
    Raises RegistryUnavailable (nothing is voided), or RegistryError (the registry does not assign that
    element, or the registration cannot be revoked here).
    """
    _require(registry)
    return assignment.void(registry, element, key=key, reason=reason)


def reserve_numbers(name: str, *, count: int = 1) -> int:
    """Reserve `count` numbers of a registry sequence; returns the first. Call inside a transaction."""
    seq, _ = m.RegistrySequence.objects.select_for_update().get_or_create(name=name)
    first = seq.value + 1
    seq.value += count
    seq.save(update_fields=["value", "updated_at"])
    return first


def licence_serial(year: int, n: int) -> str:
    """证照流水号: the year and a library-wide sequence number."""
    return f"{year}{n:07d}"


@transaction.atomic
def issue_licence(
    *,
    licence_type: str,
    type_code: str,
    name: str,
    holder: Subject,
    holder_name: str,
    issuer_name: str,
    issuer_code: str,
    data: dict[str, Any],
    valid_until: dt.date | None = None,
) -> LicenceRecord:
    """Put a new licence into the e-licence library (the result of a concluded item)."""
    _require(ELICENCE)
    type_code, issuer_code = type_code.strip().upper(), issuer_code.strip().upper()
    if len(type_code) != 21 or not type_code.isalnum():
        raise ValidationFailed(
            "证照类型代码应为21位（定义机构统一社会信用代码 + 3位顺序码）", field="type_code"
        )
    if msg := check_uscc(issuer_code):
        raise ValidationFailed(f"颁发机构代码：{msg}", field="issuer_code")
    today = clock.today()
    if valid_until is not None and valid_until < today:
        raise ValidationFailed("有效期截止日期不能早于今天", field="valid_until")
    serial = licence_serial(today.year, reserve_numbers("licence"))
    lic = m.Licence.objects.create(
        identifier=licence_identifier(type_code, issuer_code, serial),
        licence_type=licence_type,
        type_code=type_code,
        name=name,
        number=str(data.get("number", "")),
        holder_name=holder_name,
        holder_code=encrypt(holder.key.strip().upper()),
        holder_index=holder.index,
        holder_code_type=holder.code_type,
        issuer_name=issuer_name,
        issuer_code=issuer_code,
        issued_on=today,
        valid_from=today,
        valid_until=valid_until,
        status=m.LicenceStatus.VALID,
        data=data,
    )
    logger.info("licence %s (%s) issued to holder %s", lic.identifier, licence_type, holder.index[:16])
    return _record(lic)
