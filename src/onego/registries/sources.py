"""What each registry knows about a subject: one loader and one element table per registry.

A loader finds the subject's records in that registry's own tables (None: the registry does not know
the subject). An element table maps each data element code (catalog `DataElement.code`) to the value
it takes for the loaded subject; a getter returning None means "no value", and the element is left out.
A material table maps a catalog MaterialType code to the reference of the record that proves it
(a certificate number; ID numbers only masked), None when the registry holds no such record.

Everything is relative to the subject, who is the applicant:
- `person.*`   the subject; `spouse.*` the current spouse.
- `mother.*` / `father.*` (population) the parents of the subject's newest child — the family a
  newborn or school package is about; with no child yet, the subject and the spouse by gender.
  (birth_medical) the parents written on the subject's newest birth medical certificate.
- `newborn.*`  the subject's newest birth medical certificate (as mother, father or the child itself);
  `newborn.id_number` once the child is registered, and only within a year of birth.
- `child.*`    the subject's youngest child of school age (5–15), else the youngest child.
- `house.*`, `seller.*`, `utility.*` the subject's most recently registered property.
- `enterprise.*` the enterprise subject, or the active enterprise a person subject represents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Q

from onego.core import clock
from onego.core.pii import mask_id_number
from onego.registries import models as m
from onego.registries.base import Subject

Getter = Callable[[Any], Any]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _num(value: Decimal | int | float | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _years_between(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _gender(code: str | None) -> str | None:
    return m.Gender(code).label if code else None


def _resident(subject: Subject) -> m.Resident | None:
    if subject.kind != "person":
        return None
    return (
        m.Resident.objects.select_related("household", "father", "mother", "spouse")
        .filter(id_index=subject.index)
        .first()
    )


def _enterprise(subject: Subject) -> m.Enterprise | None:
    """The enterprise subject itself, or the active enterprise a person subject represents (newest)."""
    qs = m.Enterprise.objects.select_related("legal_rep")
    if subject.kind == "enterprise":
        return qs.filter(uscc=subject.key.strip().upper()).first()
    return (
        qs.filter(legal_rep__id_index=subject.index, status=m.Enterprise.Status.ACTIVE)
        .order_by("-established_on", "uscc")
        .first()
    )


# --- population (户籍库) -------------------------------------------------------------------------------
class Person:
    """A resident and the relatives the element table reaches."""

    def __init__(self, resident: m.Resident) -> None:
        self.r = resident

    @cached_property
    def children(self) -> list[m.Resident]:
        return list(
            m.Resident.objects.select_related("father", "mother")
            .filter(Q(father=self.r) | Q(mother=self.r))
            .order_by("-birth_date", "id")
        )

    @cached_property
    def newest_child(self) -> m.Resident | None:
        return self.children[0] if self.children else None

    @cached_property
    def newborn(self) -> m.Resident | None:
        child = self.newest_child
        if child and (clock.today() - child.birth_date).days <= 366:
            return child
        return None

    @cached_property
    def school_child(self) -> m.Resident | None:
        today = clock.today()
        of_age = [c for c in self.children if 5 <= _years_between(c.birth_date, today) <= 15]
        return of_age[0] if of_age else self.newest_child

    @cached_property
    def spouse(self) -> m.Resident | None:
        return self.r.spouse

    def _parents(self) -> tuple[m.Resident | None, m.Resident | None]:
        child = self.newest_child
        if child is not None:
            return child.mother, child.father
        if self.r.gender == m.Gender.FEMALE:
            return self.r, self.spouse
        return self.spouse, self.r

    @cached_property
    def mother(self) -> m.Resident | None:
        return self._parents()[0]

    @cached_property
    def father(self) -> m.Resident | None:
        return self._parents()[1]


def _of(relative: str, attr: Callable[[m.Resident], Any]) -> Getter:
    """Getter for an attribute of a relative (`mother`, `spouse` ...), None when there is none."""

    def get(p: Any) -> Any:
        who = p if relative == "self" else getattr(p, relative)
        return attr(who.r if isinstance(who, Person) else who) if who is not None else None

    return get


def _people(prefix: str, relative: str) -> dict[str, Getter]:
    return {
        f"{prefix}.name": _of(relative, lambda r: r.name),
        f"{prefix}.id_number": _of(relative, lambda r: r.id_number),
        f"{prefix}.gender": _of(relative, lambda r: _gender(r.gender)),
        f"{prefix}.birth_date": _of(relative, lambda r: _iso(r.birth_date)),
        f"{prefix}.ethnicity": _of(relative, lambda r: r.ethnicity),
        f"{prefix}.phone": _of(relative, lambda r: r.phone or None),
        f"{prefix}.household_address": _of(relative, lambda r: r.address),
    }


POPULATION: Mapping[str, Getter] = {
    **_people("person", "self"),
    "person.household_region": lambda p: p.r.region_code,
    "person.relationship_to_head": lambda p: p.r.relationship_to_head or None,
    **_people("spouse", "spouse"),
    **_people("mother", "mother"),
    **_people("father", "father"),
    "newborn.id_number": _of("newborn", lambda r: r.id_number),
    **{k: v for k, v in _people("child", "school_child").items() if not k.endswith(".phone")},
}


def _population_load(subject: Subject) -> Person | None:
    resident = _resident(subject)
    return Person(resident) if resident else None


POPULATION_MATERIALS: Mapping[str, Getter] = {
    "resident_id_card": lambda p: mask_id_number(p.r.id_number),
    "household_register": lambda p: f"户号{p.r.household.number}" if p.r.household else None,
}


# --- birth_medical (出生医学证明库) ------------------------------------------------------------------------
def _birth_load(subject: Subject) -> m.BirthCertificate | None:
    if subject.kind != "person":
        return None
    rid = m.Resident.objects.filter(id_index=subject.index).values_list("id", flat=True).first()
    if rid is None:
        return None
    return (
        m.BirthCertificate.objects.select_related("mother", "father", "newborn")
        .filter(Q(mother_id=rid) | Q(father_id=rid) | Q(newborn_id=rid))
        .order_by("-birth_date", "-issued_on", "number")
        .first()
    )


def _on_certificate(role: str, attr: Callable[[m.Resident], Any]) -> Getter:
    return lambda c: attr(getattr(c, role)) if getattr(c, role) is not None else None


BIRTH_MEDICAL: Mapping[str, Getter] = {
    "newborn.name": lambda c: c.newborn_name,
    "newborn.gender": lambda c: _gender(c.gender),
    "newborn.birth_date": lambda c: _iso(c.birth_date),
    "newborn.birth_time": lambda c: c.birth_time.strftime("%H:%M") if c.birth_time else None,
    "newborn.birth_region": lambda c: c.birth_region,
    "newborn.birth_institution": lambda c: c.birth_place,
    "newborn.gestational_weeks": lambda c: c.gestational_weeks,
    "newborn.birth_weight": lambda c: c.birth_weight,
    "newborn.birth_length": lambda c: _num(c.birth_length),
    "newborn.health_status": lambda c: c.health_status,
    "newborn.birth_certificate_number": lambda c: c.number,
    "mother.name": _on_certificate("mother", lambda r: r.name),
    "mother.id_number": _on_certificate("mother", lambda r: r.id_number),
    "mother.ethnicity": _on_certificate("mother", lambda r: r.ethnicity),
    "father.name": _on_certificate("father", lambda r: r.name),
    "father.id_number": _on_certificate("father", lambda r: r.id_number),
    "father.ethnicity": _on_certificate("father", lambda r: r.ethnicity),
}

BIRTH_MEDICAL_MATERIALS: Mapping[str, Getter] = {
    "birth_medical_certificate": lambda c: c.number,
}


# --- marriage (婚姻登记库) ---------------------------------------------------------------------------------
@dataclass
class Marital:
    person: m.Resident
    record: m.MarriageRecord | None  # the newest record, current or dissolved

    @property
    def current(self) -> m.MarriageRecord | None:
        return self.record if self.record and self.record.dissolved_on is None else None

    @property
    def spouse(self) -> m.Resident | None:
        rec = self.current
        if rec is None:
            return None
        return rec.party_b if rec.party_a_id == self.person.id else rec.party_a

    @property
    def status(self) -> str:
        if self.record is None:
            return "未婚"
        if self.current is None:
            return "离婚"
        spouse = self.spouse
        return "丧偶" if spouse is not None and not spouse.alive else "已婚"


def _marriage_load(subject: Subject) -> Marital | None:
    # The marriage register checks its parties against the population register: an unknown ID number
    # is not "unmarried", it is unknown.
    person = m.Resident.objects.filter(id_index=subject.index).first() if subject.kind == "person" else None
    if person is None:
        return None
    record = (
        m.MarriageRecord.objects.select_related("party_a", "party_b")
        .filter(Q(party_a=person) | Q(party_b=person))
        .order_by("-registered_on", "certificate_number")
        .first()
    )
    return Marital(person, record)


def _marriage(attr: Callable[[m.MarriageRecord], Any]) -> Getter:
    return lambda c: attr(c.current) if c.current is not None else None


MARRIAGE: Mapping[str, Getter] = {
    "person.marital_status": lambda c: c.status,
    "marriage.certificate_number": _marriage(lambda r: r.certificate_number),
    "marriage.registered_on": _marriage(lambda r: _iso(r.registered_on)),
    "marriage.office": _marriage(lambda r: r.office),
    **{
        k: v
        for k, v in _people("spouse", "spouse").items()
        if not k.endswith((".phone", ".household_address"))
    },
}

MARRIAGE_MATERIALS: Mapping[str, Getter] = {
    "marriage_certificate": _marriage(lambda r: r.certificate_number),
}


# --- social_insurance / medical_insurance / housing_fund -------------------------------------------------------
def _one(model: Any) -> Callable[[Subject], Any]:
    def load(subject: Subject) -> Any:
        if subject.kind != "person":
            return None
        return model.objects.select_related("resident").filter(resident__id_index=subject.index).first()

    return load


SOCIAL_INSURANCE: Mapping[str, Getter] = {
    "person.employer_name": lambda s: s.employer_name or None,
    "person.insured_since": lambda s: _iso(s.insured_since),
    "social_insurance.unit_number": lambda s: s.unit_number or None,
    "social_insurance.status": lambda s: s.get_status_display(),
    "social_security_card.number": lambda s: s.card_number or None,
}

SOCIAL_INSURANCE_MATERIALS: Mapping[str, Getter] = {
    "social_security_card": lambda s: s.card_number or None,
    "social_insurance_payment_record": lambda s: (
        f"{s.insured_since.isoformat()}起参保，{s.get_status_display()}"
    ),
}

MEDICAL_INSURANCE: Mapping[str, Getter] = {
    "medical_insurance.category": lambda s: s.get_scheme_display(),
    "medical_insurance.unit_number": lambda s: s.unit_number or None,
    "medical_insurance.paid_years": lambda s: round(s.paid_months / 12, 1) if s.paid_months else None,
    "medical_insurance.status": lambda s: s.status,
}

HOUSING_FUND: Mapping[str, Getter] = {
    "housing_fund.account_number": lambda h: h.account,
    "housing_fund.unit_account": lambda h: h.unit_account,
    "housing_fund.deposit_rate": lambda h: h.deposit_rate,
    "housing_fund.employer_name": lambda h: h.employer_name,
    "housing_fund.status": lambda h: h.status,
}


# --- real_estate (不动产登记库) ------------------------------------------------------------------------------
@dataclass
class Holding:
    owner: m.Resident
    house: m.RealEstate


def _real_estate_load(subject: Subject) -> Holding | None:
    owner = m.Resident.objects.filter(id_index=subject.index).first() if subject.kind == "person" else None
    if owner is None:
        return None
    house = owner.real_estate.order_by("-registered_on", "certificate_number").first()
    return Holding(owner, house) if house else None


def _held_years(h: Holding) -> str:
    years = _years_between(h.house.registered_on, clock.today())
    return "不满2年" if years < 2 else "满2年不满5年" if years < 5 else "满5年及以上"


REAL_ESTATE: Mapping[str, Getter] = {
    "house.real_estate_certificate_number": lambda h: h.house.certificate_number,
    "house.unit_number": lambda h: h.house.unit_number,
    "house.address": lambda h: h.house.address,
    "house.region_code": lambda h: h.house.region_code,
    "house.area": lambda h: _num(h.house.area),
    "house.use": lambda h: h.house.use,
    "house.registered_on": lambda h: _iso(h.house.registered_on),
    "house.held_years": _held_years,
    "seller.name": lambda h: h.owner.name,
    "seller.id_number": lambda h: h.owner.id_number,
    "mortgage.existing_proof_number": lambda h: h.house.mortgage_proof_number or None,
    "utility.water_account": lambda h: h.house.water_account or None,
    "utility.power_account": lambda h: h.house.power_account or None,
    "utility.gas_account": lambda h: h.house.gas_account or None,
    "utility.network_account": lambda h: h.house.network_account or None,
}

REAL_ESTATE_MATERIALS: Mapping[str, Getter] = {
    "real_estate_certificate": lambda h: h.house.certificate_number,
    "real_estate_registration_proof": lambda h: h.house.mortgage_proof_number or None,
}


# --- enterprise (市场主体库) ---------------------------------------------------------------------------------
def _shareholders(e: m.Enterprise) -> str | None:
    parts = [f"{s['name']} 认缴{_num(Decimal(str(s['amount'])))}万元" for s in e.shareholders or []]
    return "；".join(parts) or None


ENTERPRISE: Mapping[str, Getter] = {
    "enterprise.name": lambda e: e.name,
    "enterprise.uscc": lambda e: e.uscc,
    "enterprise.type": lambda e: e.type,
    "enterprise.status": lambda e: e.status,
    # No legal representative row: registered through a case, the representative not in this register.
    "enterprise.legal_representative_name": lambda e: e.legal_rep.name if e.legal_rep else None,
    "enterprise.legal_representative_id_number": lambda e: e.legal_rep.id_number if e.legal_rep else None,
    "enterprise.legal_representative_phone": lambda e: (e.legal_rep.phone or None) if e.legal_rep else None,
    "enterprise.registered_capital": lambda e: _num(e.registered_capital),
    "enterprise.business_scope": lambda e: e.business_scope,
    "enterprise.address": lambda e: e.address,
    "enterprise.region_code": lambda e: e.region_code,
    "enterprise.established_date": lambda e: _iso(e.established_on),
    "enterprise.contact_name": lambda e: e.contact_name or None,
    "enterprise.contact_phone": lambda e: e.contact_phone or None,
    "enterprise.shareholders": _shareholders,
}

ENTERPRISE_MATERIALS: Mapping[str, Getter] = {
    "business_licence": lambda e: e.uscc if e.status == m.Enterprise.Status.ACTIVE else None,
}


# --- tax (税务登记库) and credit (公共信用信息库) ---------------------------------------------------------------
def _tax_load(subject: Subject) -> m.TaxRegistration | None:
    enterprise = _enterprise(subject)
    return m.TaxRegistration.objects.filter(enterprise=enterprise).first() if enterprise else None


TAX: Mapping[str, Getter] = {
    "enterprise.taxpayer_type": lambda t: t.taxpayer_type,
    "enterprise.finance_contact_name": lambda t: t.finance_contact_name or None,
    "enterprise.finance_contact_phone": lambda t: t.finance_contact_phone or None,
    "enterprise.tax_authority": lambda t: t.tax_authority,
}

TAX_MATERIALS: Mapping[str, Getter] = {
    "tax_clearance_certificate": lambda t: t.clearance_number or None,
}


@dataclass
class CreditFile:
    enterprise: m.Enterprise
    records: list[m.CreditRecord]

    def newest(self, kind: str) -> m.CreditRecord | None:
        return next((r for r in self.records if r.kind == kind and r.repaired_on is None), None)


def _credit_load(subject: Subject) -> CreditFile | None:
    enterprise = _enterprise(subject)
    if enterprise is None:
        return None
    records = list(enterprise.credit_records.order_by("-decided_on", "decision_number"))
    return CreditFile(enterprise, records)


def _penalty(attr: Callable[[m.CreditRecord], Any]) -> Getter:
    return lambda f: attr(rec) if (rec := f.newest(m.CreditRecord.Kind.PENALTY)) else None


CREDIT: Mapping[str, Getter] = {
    "credit.penalty_decision_number": _penalty(lambda r: r.decision_number),
    "credit.penalty_authority": _penalty(lambda r: r.authority),
    "credit.penalty_date": _penalty(lambda r: _iso(r.decided_on)),
    "credit.abnormal_reason": lambda f: (
        rec.reason if (rec := f.newest(m.CreditRecord.Kind.ABNORMAL)) else None
    ),
}


# --- disability, social assistance, immunisation, student status ----------------------------------------------
def disability_certificate_number(d: m.DisabilityRecord) -> str:
    """残疾人证号: the holder's ID number, the category digit and the grade digit."""
    return f"{d.resident.id_number}{d.category}{d.grade}"


DISABILITY: Mapping[str, Getter] = {
    "disability.category": lambda d: d.get_category_display(),
    "disability.grade": lambda d: d.get_grade_display(),
    "disability.certificate_number": disability_certificate_number,
}

DISABILITY_MATERIALS: Mapping[str, Getter] = {
    "disability_certificate": lambda d: f"{mask_id_number(d.resident.id_number)}{d.category}{d.grade}",
}


def _assistance_load(subject: Subject) -> m.SocialAssistance | None:
    if subject.kind != "person":
        return None
    return (
        m.SocialAssistance.objects.filter(resident__id_index=subject.index)
        .order_by("-active", "-since")
        .first()
    )


SOCIAL_ASSISTANCE: Mapping[str, Getter] = {
    "social_assistance.kind": lambda a: a.kind if a.active else None,
    "social_assistance.since": lambda a: _iso(a.since) if a.active else None,
}

SOCIAL_ASSISTANCE_MATERIALS: Mapping[str, Getter] = {
    "low_income_proof": lambda a: f"{a.kind} {a.certificate_number}" if a.active else None,
}


def _own_or_childs(model: Any) -> Callable[[Subject], Any]:
    """The subject's own record, else that of a child the subject applies for (school age first)."""

    def load(subject: Subject) -> Any:
        resident = _resident(subject)
        if resident is None:
            return None
        own = model.objects.filter(resident=resident).first()
        if own is not None:
            return own
        person = Person(resident)
        children = [c for c in [person.school_child, *person.children] if c is not None]
        records = {r.resident_id: r for r in model.objects.filter(resident__in=children)}
        return next((records[c.id] for c in children if c.id in records), None)

    return load


IMMUNIZATION: Mapping[str, Getter] = {
    "vaccination.certificate_number": lambda v: v.certificate_number,
    "vaccination.up_to_date": lambda v: v.up_to_date,
}

IMMUNIZATION_MATERIALS: Mapping[str, Getter] = {
    "vaccination_certificate": lambda v: v.certificate_number,
}

STUDENT_STATUS: Mapping[str, Getter] = {
    "school.previous_school": lambda s: s.school_name,
    "school.grade": lambda s: s.grade,
}


# --- vehicle (机动车及驾驶人) and road_transport (道路运输) ------------------------------------------------------
@dataclass
class Motoring:
    vehicle: m.Vehicle | None
    driver: m.DrivingLicence | None


def _vehicle_load(subject: Subject) -> Motoring | None:
    vehicle = (
        m.Vehicle.objects.filter(owner_index=subject.index).order_by("-registered_on", "plate_number").first()
    )
    drivers = m.DrivingLicence.objects.select_related("resident")
    if subject.kind == "person":
        driver = drivers.filter(resident__id_index=subject.index).first()
    else:
        driver = (
            drivers.filter(employer__uscc=subject.key.strip().upper()).order_by("-first_issued_on").first()
        )
    return Motoring(vehicle, driver) if vehicle or driver else None


def _car(attr: Callable[[m.Vehicle], Any]) -> Getter:
    return lambda mo: attr(mo.vehicle) if mo.vehicle else None


def _driver(attr: Callable[[m.DrivingLicence], Any]) -> Getter:
    return lambda mo: attr(mo.driver) if mo.driver else None


VEHICLE: Mapping[str, Getter] = {
    "vehicle.plate_number": _car(lambda v: v.plate_number),
    "vehicle.type": _car(lambda v: v.vehicle_type),
    "vehicle.total_mass": _car(lambda v: v.total_mass),
    "vehicle.owner": _car(lambda v: v.owner_name),
    "driver.name": _driver(lambda d: d.resident.name),
    # 驾驶证号 is the holder's ID number
    "driver.id_number": _driver(lambda d: d.resident.id_number),
    "driver.licence_class": _driver(lambda d: d.licence_class),
}

VEHICLE_MATERIALS: Mapping[str, Getter] = {
    "vehicle_licence": _car(lambda v: v.plate_number),
    "driving_licence": _driver(
        lambda d: f"{mask_id_number(d.resident.id_number)}（准驾车型{d.licence_class}）"
    ),
}


@dataclass
class Transport:
    permit: m.RoadTransportPermit | None
    qualification: m.DriverQualification | None


def _transport_load(subject: Subject) -> Transport | None:
    enterprise = _enterprise(subject)
    permit = (
        enterprise.transport_permits.order_by("-issued_on", "licence_number").first() if enterprise else None
    )
    qualification = (
        m.DriverQualification.objects.select_related("resident")
        .filter(resident__id_index=subject.index)
        .first()
        if subject.kind == "person"
        else None
    )
    return Transport(permit, qualification) if permit or qualification else None


ROAD_TRANSPORT: Mapping[str, Getter] = {
    "transport.licence_number": lambda t: t.permit.licence_number if t.permit else None,
    "transport.business_scope": lambda t: t.permit.business_scope if t.permit else None,
    "driver.qualification_type": lambda t: t.qualification.category if t.qualification else None,
}

ROAD_TRANSPORT_MATERIALS: Mapping[str, Getter] = {
    "road_transport_business_licence": lambda t: t.permit.licence_number if t.permit else None,
    # 从业资格证号 is the holder's ID number
    "driver_qualification_certificate": lambda t: (
        mask_id_number(t.qualification.resident.id_number) if t.qualification else None
    ),
}


# --- housing_transaction (房屋交易网签备案库) -------------------------------------------------------------------
def _transaction_load(subject: Subject) -> m.HousingTransaction | None:
    if subject.kind != "person":
        return None
    rid = m.Resident.objects.filter(id_index=subject.index).values_list("id", flat=True).first()
    condition = Q(buyer_index=subject.index)
    if rid is not None:
        condition |= Q(property__owners=rid)
    return (
        m.HousingTransaction.objects.select_related("property")
        .filter(condition)
        .order_by("-filed_on", "contract_number")
        .first()
    )


HOUSING_TRANSACTION: Mapping[str, Getter] = {
    "house.price": lambda t: _num(t.price),
    "house.contract_number": lambda t: t.contract_number,
    "buyer.name": lambda t: t.buyer_name,
    "buyer.id_number": lambda t: t.buyer_code,
}

HOUSING_TRANSACTION_MATERIALS: Mapping[str, Getter] = {
    "house_contract_filing_record": lambda t: t.contract_number,
}


# --- elicence: materials only (find_licences), no elements ------------------------------------------------------
def _elicence_load(subject: Subject) -> bool | None:
    return m.Licence.objects.filter(holder_index=subject.index).exists() or None


# --- the registry table ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    code: str
    load: Callable[[Subject], Any]
    elements: Mapping[str, Getter]
    materials: Mapping[str, Getter]


SOURCES: dict[str, Source] = {
    s.code: s
    for s in (
        Source("population", _population_load, POPULATION, POPULATION_MATERIALS),
        Source("birth_medical", _birth_load, BIRTH_MEDICAL, BIRTH_MEDICAL_MATERIALS),
        Source("marriage", _marriage_load, MARRIAGE, MARRIAGE_MATERIALS),
        Source("social_insurance", _one(m.SocialInsurance), SOCIAL_INSURANCE, SOCIAL_INSURANCE_MATERIALS),
        Source("medical_insurance", _one(m.MedicalInsurance), MEDICAL_INSURANCE, {}),
        Source("housing_fund", _one(m.HousingFund), HOUSING_FUND, {}),
        Source("real_estate", _real_estate_load, REAL_ESTATE, REAL_ESTATE_MATERIALS),
        Source("enterprise", _enterprise, ENTERPRISE, ENTERPRISE_MATERIALS),
        Source("elicence", _elicence_load, {}, {}),
        Source("credit", _credit_load, CREDIT, {}),
        Source("disability", _one(m.DisabilityRecord), DISABILITY, DISABILITY_MATERIALS),
        Source("tax", _tax_load, TAX, TAX_MATERIALS),
        Source("social_assistance", _assistance_load, SOCIAL_ASSISTANCE, SOCIAL_ASSISTANCE_MATERIALS),
        Source("immunization", _own_or_childs(m.Vaccination), IMMUNIZATION, IMMUNIZATION_MATERIALS),
        Source("vehicle", _vehicle_load, VEHICLE, VEHICLE_MATERIALS),
        Source("road_transport", _transport_load, ROAD_TRANSPORT, ROAD_TRANSPORT_MATERIALS),
        Source("housing_transaction", _transaction_load, HOUSING_TRANSACTION, HOUSING_TRANSACTION_MATERIALS),
        Source("student_status", _own_or_childs(m.StudentStatus), STUDENT_STATUS, {}),
    )
}
