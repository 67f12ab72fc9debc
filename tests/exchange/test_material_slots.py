"""Several materials of the same type for different people in one package (issue 13): the applicant's
ID card and the legal representative's are two lines (`resident_id_card`, `resident_id_card__legal_representative`),
each granted by the contract as the type, verified for its own person, and attached as its own reference."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from onego.catalog.selectors import compile_for
from onego.catalog.services import catalog_import
from onego.exchange.models import VerifiedMaterial
from onego.exchange.services import consent_grant, consent_preview, prefill
from tests.builders import restaurant_package, write_folder
from tests.catalog.test_subjects import _two_people_doc
from tests.exchange.factories import restaurant_contract
from tests.exchange.people import resident, subject_of

pytestmark = pytest.mark.django_db


def test_each_persons_id_card_is_its_own_line_granted_and_verified_as_the_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onego.exchange.services as services

    catalog_import(
        path=write_folder(tmp_path, catalog_doc=_two_people_doc(), packages=[restaurant_package()])
    )
    restaurant_contract()
    applicant = subject_of(resident("王小红"))
    asked: list[tuple[str, str]] = []
    real = services.verify_material

    def spy(material: str, subject: Any, **kw: Any) -> Any:
        asked.append((material, subject.index))
        return real(material, subject, **kw)

    monkeypatch.setattr(services, "verify_material", spy)
    preview = consent_preview(
        package_code="open-restaurant", region_code="520102", answers={}, applicant=applicant
    )
    slots = {m.material: m for r in preview.registries for m in r.materials}
    assert {"resident_id_card", "resident_id_card__legal_representative"} <= set(slots)
    rep = slots["resident_id_card__legal_representative"]
    assert (rep.material_type, rep.subject, rep.name) == (
        "resident_id_card",
        "legal_representative",
        "居民身份证（法定代表人）",
    )
    assert rep.contract == slots["resident_id_card"].contract  # the contract grants the type

    case_ref = uuid.uuid4()
    consent = consent_grant(case_ref=case_ref, applicant=applicant, preview=preview)
    outcome = prefill(case_ref=case_ref, consent_id=consent.id, actor="applicant:test", applicant=applicant)
    # the registry is asked about the type, once per person-line (a person applying for a new
    # enterprise is its representative themself, so both are hers here)
    assert asked.count(("resident_id_card", applicant.index)) == 2
    rows = {v.material: v for v in VerifiedMaterial.objects.filter(case_ref=case_ref)}
    assert set(rows) >= {"resident_id_card", "resident_id_card__legal_representative"}
    assert rows["resident_id_card__legal_representative"].material_name == "居民身份证（法定代表人）"
    verified = {m["material"] for m in outcome.materials_verified}
    assert {"resident_id_card", "resident_id_card__legal_representative"} <= verified
    # the compiled package (what the case keeps) has the same two lines
    compiled = compile_for(package_code="open-restaurant", region_code="520102", answers={})
    assert {x.material for x in compiled.materials} >= set(rows)
