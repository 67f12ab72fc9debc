from __future__ import annotations

import pytest

from onego.catalog import models as cm
from onego.registries.demo_identities import DEMO_IDENTITIES, DemoIdentity, demo_identity, seed_demo
from onego.registries.gateway import Subject


@pytest.fixture
def demo(db: None) -> tuple[DemoIdentity, ...]:
    """The documented demo identities, in the registries."""
    return seed_demo()


def subject(name: str) -> Subject:
    d = demo_identity(name)
    return Subject("person" if d.kind == "person" else "enterprise", d.key)


def all_demo_subjects() -> list[Subject]:
    return [subject(d.name) for d in DEMO_IDENTITIES]


@pytest.fixture
def materials(db: None) -> None:
    """The catalog's material types the gateway verifies (as in the starter catalog), made directly."""
    dept = cm.DepartmentType.objects.create(code="public_security", name="公安")
    registries = {
        code: cm.Registry.objects.create(code=code, name=code, department_type=dept)
        for code in (
            "population",
            "marriage",
            "birth_medical",
            "real_estate",
            "enterprise",
            "elicence",
            "vehicle",
        )
    }
    licence_types = {
        code: cm.LicenceType.objects.create(code=code, name=name, issuer_type=dept, holder_kind=holder)
        for code, name, holder in (
            ("resident_id_card", "居民身份证", "person"),
            ("household_register", "居民户口簿", "person"),
            ("marriage_certificate", "结婚证", "person"),
            ("business_licence", "营业执照", "enterprise"),
            ("real_estate_certificate", "不动产权证书", "person"),
            ("food_business_licence", "食品经营许可证", "enterprise"),
        )
    }
    for code, name, registry, licence in (
        ("resident_id_card", "居民身份证", "population", "resident_id_card"),
        ("household_register", "居民户口簿", "population", "household_register"),
        ("marriage_certificate", "结婚证", "marriage", "marriage_certificate"),
        ("birth_medical_certificate", "出生医学证明", "birth_medical", None),
        ("real_estate_certificate", "不动产权证书", "real_estate", "real_estate_certificate"),
        ("business_licence", "营业执照", "enterprise", "business_licence"),
        ("food_business_licence", "食品经营许可证", None, "food_business_licence"),
        ("vehicle_licence", "机动车行驶证", "vehicle", None),
        ("company_articles", "公司章程", None, None),
    ):
        cm.MaterialType.objects.create(
            code=code,
            name=name,
            registry=registries[registry] if registry else None,
            licence_type=licence_types[licence] if licence else None,
        )
