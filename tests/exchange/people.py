"""Residents and licences in the simulated registries, made through their models as the seeder would."""

from __future__ import annotations

import datetime as dt
import itertools

from onego.core.pii import blind_index
from onego.core.validators import id_number_check_char
from onego.registries import models as rm
from onego.registries.authorities import government_uscc, synthetic_type_code
from onego.registries.gateway import Subject, issue_licence

_serial = itertools.count(101)


def id_number(born: dt.date, *, region: str = "520102", female: bool = True) -> str:
    seq = next(_serial) * 2 % 1000
    order = f"{seq if female else seq + 1:03d}"  # 17th digit: odd for men, even for women
    first17 = f"{region}{born:%Y%m%d}{order}"
    return first17 + id_number_check_char(first17)


def resident(
    name: str = "王小红", *, born: dt.date = dt.date(1992, 5, 17), female: bool = True, **extra: object
) -> rm.Resident:
    number = str(extra.pop("id_number", "")) or id_number(born, female=female)
    return rm.Resident.objects.create(
        id_number=number,
        id_index=blind_index(number, kind="person"),
        name=name,
        gender=rm.Gender.FEMALE if female else rm.Gender.MALE,
        birth_date=born,
        ethnicity="汉族",
        region_code="520102",
        address="贵州省贵阳市南明区花果园街道花果园大街1号",
        **extra,
    )


def subject_of(person: rm.Resident) -> Subject:
    return Subject(kind="person", key=person.id_number)


def unknown_person() -> Subject:
    return Subject(kind="person", key=id_number(dt.date(1980, 1, 1)))


def business_licence_for(holder: Subject, holder_name: str) -> None:
    issue_licence(
        licence_type="business_licence",
        type_code=synthetic_type_code("business_licence"),
        name="营业执照",
        holder=holder,
        holder_name=holder_name,
        issuer_name="贵阳市南明区市场监督管理局",
        issuer_code=government_uscc("nm-scjg", "520102"),
        data={"number": "NM-0001"},
    )
