"""Findings of the issue 19 review that had no dedicated test yet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from onego.cases.formdata import form_values
from onego.cases.models import Case
from onego.core.pii import blind_index
from onego.exchange.models import Consent, PrefillRun
from onego.ledger.models import LedgerEntry
from tests.cases.factories import import_cases_catalog
from tests.exchange.factories import restaurant_contract
from tests.portal.applicants import RESTAURANT_FORM, pdf, person, sign_in, to_form
from tests.portal.conftest import data_dir  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


@pytest.fixture
def restaurant(db: None, tmp_path: Path) -> None:
    import_cases_catalog(tmp_path)
    restaurant_contract()


def test_after_declining_a_typed_id_number_of_someone_else_neither_makes_them_the_applicant_nor_counts_as_verified(
    client: Client, restaurant: None
) -> None:
    """Review finding: after declining consent an applicant typed another person's ID number and
    pre-review accepted it. The case stays the signed-in applicant's (the server owns the identity), the
    typed number carries no verification, and nothing is read or recorded about the other person."""
    me = person("王小红")
    other = person("李四", born=dt.date(1980, 2, 3), female=False, phone="13900000002", licence=False)
    sign_in(client, me)
    base = to_form(client, agree=False)
    typed = {**RESTAURANT_FORM, "person.name": "李四", "person.id_number": other.id_number, "action": "next"}
    response = client.post(f"{base}form/", typed)
    assert response.status_code == 302, response.content.decode()[:800]
    for material in ("food_safety_plan", "floor_plan", "resident_id_card", "business_licence"):
        client.post(f"{base}materials/{material}/upload/", {"file": pdf(f"{material}.pdf")})
    client.post(f"{base}review/")

    case = Case.objects.get()
    assert case.applicant_index == blind_index(me.id_number, kind="person")
    assert case.applicant_index != blind_index(other.id_number, kind="person")
    assert form_values(case)["person.id_number"] == other.id_number  # what was typed, kept as typed …
    assert "person.id_number" not in (case.verified or {})  # … and never marked verified
    assert "person.name" not in (case.verified or {})
    # Nothing was read from a registry, about anyone; the other person has no consent and no ledger entry.
    assert not PrefillRun.objects.exists()
    assert list(Consent.objects.values_list("decision", flat=True)) == ["declined"]
    other_index = blind_index(other.id_number, kind="person")
    assert not LedgerEntry.objects.filter(subject_ref=other_index).exists()
    assert not Consent.objects.filter(subject_index=other_index).exists()
    # The other person, signing in, sees no case of theirs.
    second = Client()
    sign_in(second, other)
    assert str(case.reference) not in second.get("/me/cases/").content.decode()
