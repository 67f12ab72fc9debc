"""Numbers the registries assign when an item is approved (赋码). Called through the gateway only
(`gateway.assign_value`; `gateway.void_value` when an approval is overturned), inside the deciding transaction.

- 市场主体库 (`enterprise`) assigns `enterprise.uscc`: the enterprise named in the request is registered
  (an `Enterprise` row, 存续, established today) under a new 统一社会信用代码 — registration authority 9
  (市场监管), category 1 企业 / 2 个体工商户 / 3 农民专业合作社 from `enterprise.type`, the region of
  `enterprise.region_code` (else the request's region), organisation code body "MAF" + 5 characters.
  The synthetic population uses "MA0…"–"MAC…" and the demo identities "MAD…", so a seeded registry and
  these codes never meet; existing rows are checked anyway.
- 户籍库 (`population`) assigns `newborn.id_number`: the newborn is registered (a `Resident` row, with
  the parents and household found by their ID numbers and the birth medical certificate linked) under a
  new 公民身份号码 — address code of the request's region, the birth date of the request (else the
  certificate's, else today), a sequence code of the newborn's sex (odd 男, even 女) not yet held by
  anyone in the register, and the GB 11643 check character.

Deterministic: the candidates follow from the request key alone, in a fixed order, so the same request
on a fresh register gets the same number. Unique: candidates already held by a registry row, or given by
an earlier assignment (voided ones included), are skipped (two queries per batch of candidates), and the
row's unique column stops two concurrent requests that picked the same candidate (the loser's savepoint
rolls back and it takes the next one). Idempotent: one active `Assignment` per (registry, element,
request key); a request that was answered before gets the same number back (`created=False`) and nothing
is registered twice.

Voided (`void`): when the approval that asked for a number is overturned, the registration is revoked —
the enterprise stays in the register as 撤销登记 under its code; the newborn's entry is taken out of the
population register (its certificate is free to be registered again) — and the assignment is kept,
voided, with the time and the reason. A voided number is never given again: the same key asking later
gets the next candidate, a new number.

The raw number leaves only in the returned `Assigned`; logs show it masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.core.pii import blind_index, blind_index_many
from onego.core.validators import (
    USCC_ALPHABET,
    check_id_number,
    check_region_code,
    id_number_check_char,
    make_uscc,
)
from onego.registries import models as m
from onego.registries.base import Assigned, RegistryError, SubjectKind, registry_name

logger = logging.getLogger(__name__)

MAX_KEY = 100  # Assignment.request_key
BATCH = 16  # candidates checked against the register per query
USCC_ATTEMPTS = 64  # 31^5 bodies per region and category: a clash is rare, 64 in a row never happens
ORG_BODY_PREFIX = "MAF"  # the organisation code bodies these assignments use (see the module docstring)
USCC_CATEGORIES = {"个体工商户": "2", "农民专业合作社": "3"}  # everything else: 1 企业


@dataclass(frozen=True)
class Request:
    """What the requester sends: its key, the values of its form (in clear) and its region."""

    registry: str
    element: str
    key: str
    facts: Mapping[str, Any]
    region_code: str

    def text(self, code: str) -> str:
        value = self.facts.get(code)
        return "" if value is None else str(value).strip()

    def date(self, code: str) -> dt.date | None:
        value = self.facts.get(code)
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip()[:10]) if value else None
        except ValueError:
            return None

    def seed(self, n: int) -> bytes:
        return hashlib.sha256(f"{self.registry}\x00{self.element}\x00{self.key}\x00{n}".encode()).digest()


class Plan(Protocol):
    """One request, checked and ready: the numbers to try and how to register one."""

    def candidates(self) -> Iterator[str]:
        """The numbers to try, in order (deterministic for the request)."""
        ...

    def register(self, value: str) -> str:
        """Write the registry's row for the number; return its record reference."""
        ...


class Assigner(Protocol):
    kind: SubjectKind

    def plan(self, request: Request) -> Plan:
        """Check the request (a ValidationFailed names what is missing) and read what it needs."""
        ...

    def taken(self, values: Sequence[str]) -> set[str]:
        """Those of `values` the register holds already."""
        ...

    def revoke(self, record: str) -> None:
        """Undo the registration `Plan.register` made (its record reference), the number voided."""
        ...


def _resident(id_number: str) -> m.Resident | None:
    if not id_number or check_id_number(id_number) is not None:
        return None
    return m.Resident.objects.filter(id_index=blind_index(id_number, kind="person")).first()


def _region6(code: str) -> str:
    return code[:6] if len(code) >= 6 and check_region_code(code) is None else ""


# --- 市场主体库: 统一社会信用代码 --------------------------------------------------------------------------
@dataclass(frozen=True)
class UsccPlan:
    request: Request
    name: str
    region: str
    category: str

    def candidates(self) -> Iterator[str]:
        width = 8 - len(ORG_BODY_PREFIX)
        for n in range(USCC_ATTEMPTS):
            digest = self.request.seed(n)
            body = ORG_BODY_PREFIX + "".join(USCC_ALPHABET[b % len(USCC_ALPHABET)] for b in digest[:width])
            yield make_uscc(self.region, body, department="9", category=self.category)

    def register(self, value: str) -> str:
        r = self.request
        rep_id = r.text("enterprise.legal_representative_id_number") or r.text("person.id_number")
        try:
            capital = Decimal(r.text("enterprise.registered_capital") or "0")
        except InvalidOperation:
            capital = Decimal(0)
        enterprise = m.Enterprise.objects.create(
            uscc=value,
            name=self.name,
            type=(r.text("enterprise.type") or "有限责任公司")[:20],
            legal_rep=_resident(rep_id),
            registered_capital=capital,
            business_scope=r.text("enterprise.business_scope"),
            address=(r.text("enterprise.address") or r.text("premises.address"))[:200],
            region_code=self.region,
            established_on=clock.today(),
            contact_name=r.text("enterprise.contact_name")[:50],
            contact_phone=r.text("enterprise.contact_phone"),
        )
        return f"enterprise:{enterprise.pk}"


class UsccAssigner:
    kind: SubjectKind = "enterprise"

    def plan(self, request: Request) -> UsccPlan:
        name = request.text("enterprise.name")
        if not name:
            raise ValidationFailed("表单中没有市场主体名称，无法办理设立登记并赋码", field="enterprise.name")
        region = _region6(request.text("enterprise.region_code")) or _region6(request.region_code)
        if not region:
            raise ValidationFailed(
                "无法确定市场主体住所所在行政区划，不能赋码", field="enterprise.region_code"
            )
        category = USCC_CATEGORIES.get(request.text("enterprise.type"), "1")
        return UsccPlan(request, name[:100], region, category)

    def taken(self, values: Sequence[str]) -> set[str]:
        return set(m.Enterprise.objects.filter(uscc__in=values).values_list("uscc", flat=True))

    def revoke(self, record: str) -> None:
        # The row and its code stay: a revoked registration (撤销登记) is part of the register's history,
        # and a lookup of its legal representative no longer finds it (only 存续 enterprises are).
        m.Enterprise.objects.filter(pk__in=_row_ids(record, "enterprise")).update(
            status=m.Enterprise.Status.REVOKED, updated_at=clock.now()
        )


# --- 户籍库: 新生儿公民身份号码 -------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewbornPlan:
    request: Request
    region: str
    certificate: m.BirthCertificate | None
    born: dt.date
    male: bool

    def candidates(self) -> Iterator[str]:
        # Sequence codes of the sex: 男 001, 003 … 999 (500); 女 002, 004 … 998 (499; 000 is not used).
        serials = list(range(1, 1000, 2)) if self.male else list(range(2, 1000, 2))
        start = int.from_bytes(self.request.seed(0)[:8], "big") % len(serials)
        for serial in serials[start:] + serials[:start]:
            first17 = f"{self.region}{self.born:%Y%m%d}{serial:03d}"
            yield first17 + id_number_check_char(first17)

    def register(self, value: str) -> str:
        r, certificate = self.request, self.certificate
        mother = _resident(r.text("mother.id_number")) or (certificate.mother if certificate else None)
        father = _resident(r.text("father.id_number")) or (certificate.father if certificate else None)
        # Into the household of whoever declares the birth, else of a parent.
        declarant = _resident(r.text("person.id_number"))
        household = next(
            (p.household for p in (declarant, mother, father) if p is not None and p.household_id), None
        )
        parents = {p.pk for p in (mother, father) if p is not None}
        of_head = household is not None and household.head_id in parents
        name = r.text("newborn.name") or (certificate.newborn_name if certificate else "")
        address = r.text("person.household_address") or r.text("address.detail")
        resident = m.Resident.objects.create(
            id_number=value,
            id_index=blind_index(value, kind="person"),
            name=name[:50],
            gender=m.Gender.MALE if self.male else m.Gender.FEMALE,
            birth_date=self.born,
            ethnicity=(r.text("newborn.ethnicity") or "汉族")[:20],
            region_code=household.region_code if household else self.region,
            address=(household.address if household else address)[:200],
            household=household,
            relationship_to_head=("子" if self.male else "女") if of_head else "",
            mother=mother,
            father=father,
        )
        if certificate is not None and certificate.newborn_id is None:
            certificate.newborn = resident
            certificate.save(update_fields=["newborn", "updated_at"])
        return f"resident:{resident.pk}"


class NewbornIdAssigner:
    kind: SubjectKind = "person"

    def plan(self, request: Request) -> NewbornPlan:
        region = _region6(request.region_code)
        if not region:
            raise ValidationFailed("无法确定户籍所在行政区划，不能编定公民身份号码", field="region")
        number = request.text("newborn.birth_certificate_number")
        certificate = (
            m.BirthCertificate.objects.select_related("mother", "father").filter(number=number).first()
            if number
            else None
        )
        born = request.date("newborn.birth_date") or (
            certificate.birth_date if certificate else clock.today()
        )
        if born > clock.today():
            raise ValidationFailed("新生儿出生日期晚于今天，无法编定公民身份号码", field="newborn.birth_date")
        gender = request.text("newborn.gender")
        if gender not in ("男", "女"):
            if certificate is None:
                raise ValidationFailed("表单中没有新生儿性别，无法编定公民身份号码", field="newborn.gender")
            gender = m.Gender(certificate.gender).label
        return NewbornPlan(request, region, certificate, born, gender == "男")

    def taken(self, values: Sequence[str]) -> set[str]:
        by_index = _by_index(values, "person")
        held = m.Resident.objects.filter(id_index__in=list(by_index)).values_list("id_index", flat=True)
        return {by_index[i] for i in held}

    def revoke(self, record: str) -> None:
        # The register has no state for a birth registration undone: the entry goes (the certificate's
        # link to it is cleared, so registering the birth again links the new entry), and the voided
        # assignment keeps the number, which is never given again.
        resident = m.Resident.objects.filter(pk__in=_row_ids(record, "resident")).first()
        if resident is None:
            return
        try:
            resident.delete()
        except ProtectedError as exc:
            raise RegistryError(
                "该新生儿的户籍登记已被其他登记引用，不能在此撤销，请依法定程序办理",
                registry="population",
                field="newborn.id_number",
            ) from exc


ASSIGNERS: dict[tuple[str, str], Assigner] = {
    ("enterprise", "enterprise.uscc"): UsccAssigner(),
    ("population", "newborn.id_number"): NewbornIdAssigner(),
}


def assignable(registry: str, element: str) -> bool:
    return (registry, element) in ASSIGNERS


def _assigner(registry: str, element: str) -> Assigner:
    assigner = ASSIGNERS.get((registry, element))
    if assigner is None:
        raise RegistryError(f"{registry_name(registry)}不编定“{element}”", registry=registry, field=element)
    return assigner


def _by_index(values: Sequence[str], kind: SubjectKind) -> dict[str, str]:
    """Blind index → value, for finding which of `values` a table holds by its index column."""
    return dict(zip(blind_index_many(values, kind=kind), values, strict=True))


def _row_ids(record: str, kind: str) -> list[str]:
    """The row id a record reference such as "enterprise:<id>" names, if it names a row of `kind`."""
    prefix, _, pk = record.partition(":")
    return [pk] if prefix == kind and pk else []


def assigned_of(row: m.Assignment) -> Assigned:
    """The number an assignment row holds, as the gateway hands it on (its repr and `masked` masked)."""
    return Assigned(
        registry=row.registry,
        element=row.element,
        kind="person" if row.kind == "person" else "enterprise",
        value=row.value,
        reference=str(row.pk),
        created=False,
    )


def _active(registry: str, element: str, key: str) -> models.QuerySet[m.Assignment]:
    return m.Assignment.objects.filter(
        registry=registry, element=element, request_key=key, status=m.Assignment.Status.ACTIVE
    )


def _existing(registry: str, element: str, key: str) -> Assigned | None:
    row = _active(registry, element, key).first()
    return assigned_of(row) if row is not None else None


def _given_before(values: Sequence[str], kind: SubjectKind) -> set[str]:
    """Those of `values` an assignment gave already — a voided one too, whose registration is gone."""
    by_index = _by_index(values, kind)
    given = m.Assignment.objects.filter(value_index__in=list(by_index)).values_list("value_index", flat=True)
    return {by_index[i] for i in given}


def _batches(values: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def assign(registry: str, element: str, *, key: str, facts: Mapping[str, Any], region_code: str) -> Assigned:
    """The number `registry` assigns to `element` for the request `key` (the same one when asked again)."""
    assigner = _assigner(registry, element)
    if not key or len(key) > MAX_KEY:
        raise ValidationFailed("赋码请求键应为1–100个字符", field="key")
    found = _existing(registry, element, key)
    if found is not None:
        return found
    plan = assigner.plan(
        Request(registry=registry, element=element, key=key, facts=facts, region_code=region_code)
    )
    for batch in _batches(plan.candidates()):
        taken = assigner.taken(batch) | _given_before(batch, assigner.kind)
        for value in batch:
            if value in taken:
                continue
            try:
                with transaction.atomic():
                    record = plan.register(value)
                    row = m.Assignment.objects.create(
                        registry=registry,
                        element=element,
                        request_key=key,
                        kind=assigner.kind,
                        value=value,
                        value_index=blind_index(value, kind=assigner.kind),
                        record=record,
                    )
            except IntegrityError:
                # Someone registered this number meanwhile — or answered this very request.
                found = _existing(registry, element, key)
                if found is not None:
                    return found
                continue
            assigned = Assigned(registry, element, assigner.kind, value, str(row.pk), created=True)
            logger.info("registry %s assigned %s %s (%s)", registry, element, assigned.masked, record)
            return assigned
    raise RegistryError(
        f"{registry_name(registry)}暂无可用号码编定“{element}”，请联系数据源管理部门",
        registry=registry,
        field=element,
    )


def void(registry: str, element: str, *, key: str, reason: str) -> Assigned | None:
    """Withdraw the number assigned for the request `key`: the approval that asked for it was overturned.

    The registration is revoked (see the module docstring) and the assignment voided — kept, with the
    time and `reason` (no raw numbers in it). Returns the voided number, or None when the key holds no
    active one (never assigned, or voided already: asking again voids nothing twice). Call inside the
    requester's transaction. Raises RegistryError when the registration cannot be revoked here.
    """
    assigner = _assigner(registry, element)
    row = _active(registry, element, key).select_for_update().first()
    if row is None:
        return None
    assigner.revoke(row.record)
    row.status = m.Assignment.Status.VOIDED
    row.voided_at = clock.now()
    row.void_reason = reason.strip()[:200]
    row.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    voided = assigned_of(row)
    logger.info("registry %s voided %s %s (%s)", registry, element, voided.masked, row.record)
    return voided
