"""Synthetic data: deterministic, valid, consistent, encrypted at rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from random import Random

import pytest
import time_machine
from django.db import connection, transaction

from onego.core import clock
from onego.core.errors import Conflict, ValidationFailed
from onego.core.pii import blind_index
from onego.core.validators import (
    check_id_number,
    check_licence_identifier,
    check_uscc,
    id_number_birth_date,
    id_number_is_male,
    licence_identifier,
)
from onego.registries import gateway as g
from onego.registries import models as m
from onego.registries.guizhou import COUNTIES, county
from onego.registries.synthetic import Generator, SeedSummary, fast_licence_identifier, id_card_validity, seed

TODAY = dt.date(2025, 6, 1)


def generated_ids(seed_value: int, n: int) -> list[str]:
    gen = Generator(Random(seed_value), [county(c) for c in sorted(COUNTIES)], TODAY)
    ids: list[str] = []
    while len(ids) < n:
        ids += [p.id_number for p in gen.family(10).members]
    return ids[:n]


def test_the_same_seed_gives_the_same_first_hundred_id_numbers() -> None:
    assert generated_ids(7, 100) == generated_ids(7, 100)
    assert generated_ids(7, 100) != generated_ids(8, 100)


def test_generated_families_are_consistent() -> None:
    gen = Generator(Random(3), [county("520102"), county("520523")], TODAY)
    for _ in range(500):
        fam = gen.family(8)
        head = fam.members[0]
        assert head.relationship == "户主"
        for p in fam.members:
            assert check_id_number(p.id_number, today=TODAY) is None
            assert id_number_birth_date(p.id_number) == p.birth
            assert id_number_is_male(p.id_number) == p.male
            assert int(p.id_number[14:17]) <= 899  # 900–999 are the demo identities'
            assert p.id_number[:6] in COUNTIES
            assert p.address.startswith("贵州省")
            if p.spouse is not None:
                assert p.spouse.spouse is p
                assert p.male != p.spouse.male
            if p.mother is not None:
                assert p.mother in fam.members
                assert 18 <= (p.birth - p.mother.birth).days // 365 <= 45
        for husband, wife, married in fam.couples:
            assert husband.spouse is wife
            assert married <= TODAY
            assert (married - wife.birth).days >= 20 * 365
            assert (married - husband.birth).days >= 22 * 365
        if fam.pending_newborn:
            mother, father, born, _ = fam.pending_newborn
            assert mother in fam.members
            assert 0 < (TODAY - born).days <= 60


def test_fast_licence_identifier_equals_the_validator_s() -> None:
    r = Random(1)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for _ in range(2000):
        type_code = "".join(r.choices(alphabet, k=21))
        issuer = "".join(r.choices(alphabet, k=18))
        serial = str(r.randrange(10**11))
        assert fast_licence_identifier(type_code, issuer, serial) == licence_identifier(
            type_code, issuer, serial
        )


@pytest.mark.parametrize(
    ("birth", "issued", "until"),
    [
        (dt.date(2005, 3, 1), dt.date(2021, 3, 1), dt.date(2031, 3, 1)),  # 16: ten years
        (dt.date(1990, 3, 1), dt.date(2016, 3, 1), dt.date(2036, 3, 1)),  # 26: twenty years
        (dt.date(1960, 3, 1), dt.date(2006, 3, 1), None),  # 46: long-term
    ],
)
def test_id_card_validity_follows_the_age_at_issue(
    birth: dt.date, issued: dt.date, until: dt.date | None
) -> None:
    assert id_card_validity(birth, TODAY) == (issued, until)


@pytest.fixture
def seeded(db: None) -> Iterator[SeedSummary]:
    # A fixed day: what is drawn depends on the date (ages, recent births), and the tests should not.
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        yield seed(
            people=800, enterprises=40, seed=13, region_codes=["520102", "520115", "520523"], batch=300
        )


def test_seed_counts(seeded: SeedSummary) -> None:
    assert m.Resident.objects.count() == 800
    assert m.Enterprise.objects.count() == 40
    assert m.TaxRegistration.objects.count() == 40
    assert m.SeedRun.objects.get(seed=13).summary["people"] == 800
    assert m.Household.objects.count() == seeded.households


def test_seeded_numbers_are_valid(seeded: SeedSummary) -> None:
    for r in m.Resident.objects.all():
        assert check_id_number(r.id_number) is None
        assert r.id_index == blind_index(r.id_number, kind="person")
        assert r.id_number[:6] in ("520102", "520115", "520523")
    for code in m.Enterprise.objects.values_list("uscc", flat=True):
        assert check_uscc(code) is None
    identifiers = list(m.Licence.objects.values_list("identifier", flat=True))
    assert len(identifiers) == len(set(identifiers))
    for identifier in identifiers:
        assert check_licence_identifier(identifier) is None


def test_seeded_links_are_consistent(seeded: SeedSummary) -> None:
    residents = {r.id: r for r in m.Resident.objects.all()}
    for r in residents.values():
        if r.spouse_id:
            assert residents[r.spouse_id].spouse_id == r.id
        for parent in (r.father_id, r.mother_id):
            assert parent is None or parent in residents
        assert r.household_id is not None
    for e in m.Enterprise.objects.all():
        assert e.legal_rep_id in residents
        assert 22 <= (clock.today() - residents[e.legal_rep_id].birth_date).days // 365 <= 66
    for cert in m.BirthCertificate.objects.all():
        assert cert.mother_id in residents
        assert residents[cert.mother_id].gender == m.Gender.FEMALE
    for record in m.MarriageRecord.objects.all():
        assert residents[record.party_a_id].spouse_id == record.party_b_id
    for house in m.RealEstate.objects.prefetch_related("owners"):
        assert house.owners.exists()
        assert all((house.water_account, house.power_account, house.gas_account, house.network_account))
    for h in m.Household.objects.all():
        assert h.head_id is not None
        assert residents[h.head_id].household_id == h.id


def test_seed_makes_newborns_not_yet_registered(seeded: SeedSummary) -> None:
    pending = m.BirthCertificate.objects.filter(newborn__isnull=True)
    assert pending.exists()
    today = clock.today()
    for cert in pending:
        assert 0 < (today - cert.birth_date).days <= 60
        values = g.fetch_elements(
            "birth_medical",
            g.Subject("person", cert.mother.id_number),
            ["newborn.name", "newborn.birth_date"],
        )
        assert values["newborn.birth_date"] == cert.birth_date.isoformat()


def test_seeded_licences_belong_to_their_holders(seeded: SeedSummary) -> None:
    enterprise = m.Enterprise.objects.filter(status="存续").first()
    assert enterprise is not None
    licences = g.find_licences(g.Subject("enterprise", enterprise.uscc), "business_licence")
    assert [lic.holder_name for lic in licences] == [enterprise.name]
    married = m.MarriageRecord.objects.first()
    assert married is not None
    found = g.find_licences(g.Subject("person", married.party_b.id_number), "marriage_certificate")
    assert [lic.data["certificate_number"] for lic in found] == [married.certificate_number]
    adult = m.Resident.objects.filter(birth_date__lt=dt.date(1990, 1, 1)).first()
    assert adult is not None
    assert g.find_licences(g.Subject("person", adult.id_number), "resident_id_card", valid_only=False)


def test_id_and_phone_numbers_are_encrypted_at_rest(seeded: SeedSummary) -> None:
    resident = m.Resident.objects.exclude(phone="").first()
    assert resident is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM registries_resident WHERE id_index = %s",
            [blind_index(resident.id_number, kind="person")],
        )
        row = cursor.fetchone()
    raw = " ".join(str(v) for v in row)
    assert resident.id_number not in raw
    assert resident.phone not in raw
    assert raw.count("pii1.") == 2


def test_residents_are_found_by_blind_index(seeded: SeedSummary) -> None:
    resident = m.Resident.objects.order_by("?").first()
    assert resident is not None
    found = m.Resident.objects.get(id_index=blind_index(resident.id_number.lower(), kind="person"))
    assert found.pk == resident.pk
    by_phone = m.Resident.objects.exclude(phone="").first()
    assert by_phone is not None
    assert (
        m.Resident.objects.filter(phone_index=blind_index(by_phone.phone, kind="phone")).first() == by_phone
    )


def test_the_same_seed_is_not_loaded_twice(seeded: SeedSummary) -> None:
    with pytest.raises(Conflict):
        seed(people=10, enterprises=0, seed=13)


def test_another_seed_adds_people_without_collisions(seeded: SeedSummary) -> None:
    seed(people=300, enterprises=5, seed=12, region_codes=["520102"])
    assert m.Resident.objects.count() == 1100


def test_seed_checks_its_arguments(db: None) -> None:
    with pytest.raises(ValidationFailed):
        seed(people=0, enterprises=3, seed=1)
    with pytest.raises(ValidationFailed, match="县级"):
        seed(people=5, enterprises=0, seed=1, region_codes=["520100"])


def test_seed_uses_the_catalog_s_guizhou_counties(db: None) -> None:
    from onego.catalog.models import Region

    Region.objects.create(code="520000", name="贵州省", level="province")
    Region.objects.create(code="520523", name="金沙县", level="county")
    seed(people=50, enterprises=0, seed=4)
    assert set(m.Resident.objects.values_list("region_code", flat=True)) == {"520523"}


@pytest.mark.django_db
def test_seeding_a_fresh_database_again_gives_the_same_data() -> None:
    def load() -> list[tuple[str, str, str, str]]:
        seed(people=200, enterprises=10, seed=21, region_codes=["520102"])
        people = [(r.id_number, r.name, r.address, str(r.pk)) for r in m.Resident.objects.order_by("pk")]
        licences = [
            (lic.identifier, lic.holder_name, lic.name, str(lic.pk))
            for lic in m.Licence.objects.order_by("pk")
        ]
        return people + licences

    with time_machine.travel(dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        with transaction.atomic():
            first = load()
            transaction.set_rollback(True)
        assert m.Resident.objects.count() == 0
        assert load() == first
