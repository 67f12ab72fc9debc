"""The documented demo identities: valid, documented, loaded once, consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from onego.core.validators import check_id_number, check_uscc
from onego.registries import gateway as g
from onego.registries import models as m
from onego.registries.demo_identities import DEMO_IDENTITIES, DemoIdentity, seed_demo
from tests.registries.conftest import subject

DOC = Path(__file__).resolve().parents[2] / "docs" / "demo-identities.md"


@pytest.mark.parametrize("identity", DEMO_IDENTITIES, ids=lambda d: d.name)
def test_demo_numbers_are_valid_and_in_the_reserved_range(identity: DemoIdentity) -> None:
    if identity.kind == "person":
        assert check_id_number(identity.key) is None
        assert 900 <= int(identity.key[14:17]) <= 999
    else:
        assert check_uscc(identity.key) is None
        assert identity.key[8:11] == "MAD"


def test_every_demo_identity_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for identity in DEMO_IDENTITIES:
        assert f"`{identity.key}`" in text, identity.name


@pytest.mark.django_db
def test_seed_demo_is_idempotent(demo: tuple[DemoIdentity, ...]) -> None:
    counts = {model: model.objects.count() for model in (m.Resident, m.Enterprise, m.Licence)}
    seed_demo()
    assert {model: model.objects.count() for model in counts} == counts


@pytest.mark.django_db
def test_every_demo_person_is_in_the_population_register(demo: tuple[DemoIdentity, ...]) -> None:
    for identity in demo:
        registry = "population" if identity.kind == "person" else "enterprise"
        values = g.fetch_elements(registry, subject(identity.name), ["person.name", "enterprise.name"])
        assert identity.name in values.values()


@pytest.mark.django_db
def test_demo_families_are_linked(demo: object) -> None:
    wang = m.Resident.objects.get(name="王芳")
    li = m.Resident.objects.get(name="李强")
    assert wang.spouse == li
    assert li.spouse == wang
    assert wang.household == li.household
    assert li.household is not None
    assert li.household.head == li
    newborn = m.BirthCertificate.objects.get(newborn_name="李沐阳")
    assert newborn.mother == wang
    assert newborn.father == li
    assert newborn.newborn is None
    for child in m.Resident.objects.filter(name__in=["黄子涵", "黄雨桐", "黄子墨"]):
        assert child.father is not None
        assert child.father.name == "黄勇"
        assert child.mother is not None
        assert child.mother.name == "吴婷"
    for e in m.Enterprise.objects.all():
        assert m.Resident.objects.filter(pk=e.legal_rep_id).exists()
