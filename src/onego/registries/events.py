"""The registries' event feed (数据源事件): what the simulated departments publish for proactive service.

Three kinds of event, each published by the registry that knows it:

- `birth_registered` (birth_medical): a birth medical certificate was issued — the parents are named;
- `retirement_approaching` (social_insurance): an insured, paying person reaches the statutory
  retirement age (渐进式延迟法定退休年龄, from 2025) within `RETIREMENT_HORIZON_DAYS`;
- `licence_expiring` (disability): a disability certificate expires within `EXPIRY_HORIZON_DAYS`.

`register_birth` writes a certificate and its event in one transaction (what the hospital's system does);
`publish_due_events` (a task, `onego registries events`) publishes what the registries' dates make due,
and catches up certificates written without an event (the demo's, the synthetic population's). Both are
idempotent: an event's `key` is unique, so publishing again never makes a second event.

The feed is read by cursor: `events_after(registry, after=<last sequence seen>)`. Readers go through the
gateway (`gateway.read_events`), which answers in process or over HTTP like every registry read. Events
name people by ID number only in `people` (encrypted at rest, sent over the signed channel); `facts`
carry no identifiers, only what a rule needs (dates as numbers of days, types, regions).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.core.pii import blind_index
from onego.registries import models as m

EVENT_SEQUENCE = "registry_events"
RETIREMENT_HORIZON_DAYS = 92
EXPIRY_HORIZON_DAYS = 90
BIRTH_CATCH_UP_DAYS = 60
FEED_PAGE_MAX = 500

# Which registry publishes which kind (the gateway refuses a feed the registry does not have).
PUBLISHERS: Mapping[str, tuple[str, ...]] = {
    "birth_medical": ("birth_registered",),
    "social_insurance": ("retirement_approaching",),
    "disability": ("licence_expiring",),
}


@dataclass(frozen=True)
class EventPerson:
    role: str
    key: str = field(repr=False)  # ID number; never logged

    @property
    def index(self) -> str:
        return blind_index(self.key, kind="person")


@dataclass(frozen=True)
class Event:
    """One event as the feed gives it (in process and, as JSON, over HTTP)."""

    registry: str
    sequence: int
    kind: str
    key: str
    occurred_on: dt.date
    region_code: str
    people: tuple[EventPerson, ...]
    facts: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "sequence": self.sequence,
            "kind": self.kind,
            "key": self.key,
            "occurred_on": self.occurred_on.isoformat(),
            "region_code": self.region_code,
            "people": [{"role": p.role, "key": p.key} for p in self.people],
            "facts": dict(self.facts),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            registry=str(data["registry"]),
            sequence=int(data["sequence"]),
            kind=str(data["kind"]),
            key=str(data["key"]),
            occurred_on=dt.date.fromisoformat(str(data["occurred_on"])),
            region_code=str(data.get("region_code") or ""),
            people=tuple(EventPerson(str(p["role"]), str(p["key"])) for p in data.get("people") or ()),
            facts=dict(data.get("facts") or {}),
        )


def _event(row: m.RegistryEvent) -> Event:
    people = json.loads(row.people_sealed or "[]")
    return Event(
        registry=row.registry,
        sequence=row.sequence,
        kind=row.kind,
        key=row.key,
        occurred_on=row.occurred_on,
        region_code=row.region_code,
        people=tuple(EventPerson(str(p["role"]), str(p["key"])) for p in people),
        facts=dict(row.facts or {}),
    )


# --- publishing -----------------------------------------------------------------------------------------
def publish(
    *,
    registry: str,
    kind: str,
    key: str,
    occurred_on: dt.date,
    people: Sequence[tuple[str, str]],
    facts: Mapping[str, Any],
    region_code: str = "",
) -> tuple[m.RegistryEvent, bool]:
    """Publish one event (idempotent by `key`): (the event, whether it is new)."""
    if kind not in PUBLISHERS.get(registry, ()):
        raise ValidationFailed(f"数据源“{registry}”不发布“{kind}”事件", field="kind")
    existing = m.RegistryEvent.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            # The sequence row stays locked until this transaction commits: events commit in order.
            seq, _ = m.RegistrySequence.objects.select_for_update().get_or_create(name=EVENT_SEQUENCE)
            seq.value += 1
            seq.save(update_fields=["value", "updated_at"])
            row = m.RegistryEvent.objects.create(
                registry=registry,
                sequence=seq.value,
                kind=kind,
                key=key,
                occurred_on=occurred_on,
                region_code=region_code,
                people_sealed=json.dumps([{"role": r, "key": k} for r, k in people], ensure_ascii=False),
                facts=dict(facts),
            )
    except IntegrityError:  # the same key published concurrently
        return m.RegistryEvent.objects.get(key=key), False
    return row, True


def _birth_facts(cert: m.BirthCertificate, today: dt.date) -> dict[str, Any]:
    return {
        "birth.days_ago": (today - cert.birth_date).days,
        "birth.in_province": cert.birth_region.startswith("52"),
        "birth.region": cert.birth_region,
        "birth.registered": cert.newborn_id is not None,
    }


def _publish_birth(cert: m.BirthCertificate, today: dt.date) -> tuple[m.RegistryEvent, bool]:
    people = [("mother", cert.mother.id_number)]
    if cert.father is not None:
        people.append(("father", cert.father.id_number))
    return publish(
        registry="birth_medical",
        kind="birth_registered",
        key=f"birth:{cert.number}",
        occurred_on=cert.issued_on,
        people=people,
        facts=_birth_facts(cert, today),
        region_code=cert.birth_region,
    )


@transaction.atomic
def register_birth(
    *,
    mother_key: str,
    father_key: str = "",
    newborn_name: str,
    gender: str,
    birth_date: dt.date,
    birth_region: str,
    birth_place: str,
    birth_weight: int | None = None,
) -> m.BirthCertificate:
    """The hospital issues a birth medical certificate: the certificate and its event, one transaction."""
    from onego.registries.gateway import reserve_numbers

    mother = m.Resident.objects.filter(id_index=blind_index(mother_key, kind="person")).first()
    if mother is None:
        raise ValidationFailed("户籍库中没有该母亲的身份证号码", field="mother")
    father = None
    if father_key:
        father = m.Resident.objects.filter(id_index=blind_index(father_key, kind="person")).first()
        if father is None:
            raise ValidationFailed("户籍库中没有该父亲的身份证号码", field="father")
    if gender not in (m.Gender.MALE, m.Gender.FEMALE):
        raise ValidationFailed("性别应为 1（男）或 2（女）", field="gender")
    today = clock.today()
    if birth_date > today:
        raise ValidationFailed("出生日期不能晚于今天", field="birth_date")
    cert = m.BirthCertificate.objects.create(
        number=f"Q52{reserve_numbers('birth_certificate'):010d}",
        newborn_name=newborn_name,
        gender=gender,
        birth_date=birth_date,
        birth_region=birth_region,
        birth_place=birth_place,
        birth_weight=birth_weight,
        birth_length=Decimal("50.0"),
        mother=mother,
        father=father,
        issued_on=today,
    )
    _publish_birth(cert, today)
    return cert


# --- dates that make events due -------------------------------------------------------------------------
def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def statutory_retirement_date(birth_date: dt.date, gender: str) -> dt.date:
    """渐进式延迟法定退休年龄 (2025): men 60 → 63, women (管理技术岗) 55 → 58, one month more for every
    four months of birth from the first cohort (men born 1965-01, women 1970-01), at most 36 months.
    (Women in production posts, 50 → 55, are not distinguished by the simulated register.)"""
    base, first = (60, 1965) if gender == m.Gender.MALE else (55, 1970)
    after = (birth_date.year - first) * 12 + (birth_date.month - 1)
    delay = 0 if after < 0 else min(36, after // 4 + 1)
    return _add_months(birth_date, base * 12 + delay)


def _retirements(today: dt.date) -> Iterable[tuple[m.Resident, dt.date]]:
    horizon = today + dt.timedelta(days=RETIREMENT_HORIZON_DAYS)
    for gender, base in ((m.Gender.MALE, 60), (m.Gender.FEMALE, 55)):
        # Born within a window wide enough for any delay (up to 36 months) — then checked exactly.
        earliest = _add_months(today, -(base * 12 + 36) - 1)
        latest = _add_months(horizon, -(base * 12))
        rows = m.Resident.objects.filter(
            gender=gender,
            alive=True,
            birth_date__gte=earliest,
            birth_date__lte=latest,
            social_insurance__status=m.SocialInsurance.Status.PAYING,
        ).select_related("social_insurance")
        for r in rows.iterator():
            due = statutory_retirement_date(r.birth_date, r.gender)
            if today <= due <= horizon:
                yield r, due


@dataclass
class Published:
    births: int = 0
    retirements: int = 0
    expiries: int = 0

    @property
    def total(self) -> int:
        return self.births + self.retirements + self.expiries

    def summary(self) -> str:
        return f"新发布事件 {self.total} 个：出生 {self.births}，临近退休 {self.retirements}，证照将到期 {self.expiries}。"


def publish_due_events(*, today: dt.date | None = None) -> Published:
    """Publish every event the registries' data makes due today (idempotent; run it daily or more)."""
    today = today or clock.today()
    out = Published()
    certs = m.BirthCertificate.objects.filter(
        issued_on__gte=today - dt.timedelta(days=BIRTH_CATCH_UP_DAYS), issued_on__lte=today
    ).select_related("mother", "father")
    published = set(
        m.RegistryEvent.objects.filter(
            kind="birth_registered", occurred_on__gte=today - dt.timedelta(days=90)
        ).values_list("key", flat=True)
    )
    for cert in certs.order_by("issued_on", "number"):
        if f"birth:{cert.number}" not in published and _publish_birth(cert, today)[1]:
            out.births += 1
    for resident, due in _retirements(today):
        _, new = publish(
            registry="social_insurance",
            kind="retirement_approaching",
            key=f"retirement:{resident.pk}:{due.isoformat()}",
            occurred_on=today,
            people=[("insured", resident.id_number)],
            facts={
                "retirement.days_left": (due - today).days,
                "retirement.age_years": (due.year - resident.birth_date.year),
                "insurance.status": resident.social_insurance.status,
            },
            region_code=resident.region_code,
        )
        out.retirements += int(new)
    horizon = today + dt.timedelta(days=EXPIRY_HORIZON_DAYS)
    disabled = m.DisabilityRecord.objects.filter(
        valid_until__gte=today, valid_until__lte=horizon, resident__alive=True
    ).select_related("resident")
    for d in disabled:
        assert d.valid_until is not None
        _, new = publish(
            registry="disability",
            kind="licence_expiring",
            key=f"expiry:disability:{d.pk}:{d.valid_until.isoformat()}",
            occurred_on=today,
            people=[("holder", d.resident.id_number)],
            facts={
                "licence.type": "disability_certificate",
                "licence.days_left": (d.valid_until - today).days,
            },
            region_code=d.resident.region_code,
        )
        out.expiries += int(new)
    return out


# --- reading the feed (the registry's side; the gateway is the only caller) ------------------------------
def events_after(registry: str, *, after: int, limit: int = 100) -> list[Event]:
    """The registry's events with a sequence above `after`, oldest first, at most `limit`."""
    limit = max(1, min(int(limit), FEED_PAGE_MAX))
    rows = m.RegistryEvent.objects.filter(registry=registry, sequence__gt=int(after)).order_by("sequence")
    return [_event(r) for r in rows[:limit]]
