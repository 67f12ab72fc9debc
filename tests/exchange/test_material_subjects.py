"""Issue 13, deliver 3: whose a material or a datum is, and on whose authority it is read.

Runs on the starter catalog and its contracts. The finding: an enterprise's legal representative's ID card
was checked against the enterprise (and failed). Now the material names its subject
(`subject: legal_representative`), and the exchange verifies it for that person — the one the enterprise
registry names, never a number the applicant typed or sent.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import onego.catalog
import onego.exchange
from onego.accounts.models import Role
from onego.cases.services.submission import ApplicantIn, case_submit
from onego.catalog.selectors import compile_for
from onego.catalog.services import catalog_import
from onego.core.validators import make_uscc
from onego.exchange.models import VerifiedMaterial
from onego.exchange.selectors import reads_for_subject
from onego.exchange.services import consent_grant, consent_preview, contracts_import, prefill
from onego.ledger.models import LedgerEntry
from onego.registries import models as rm
from onego.registries.gateway import Subject
from tests.cases.factories import make_staff
from tests.exchange.people import resident, subject_of

CATALOG = Path(onego.catalog.__file__).parent / "starter"
CONTRACTS = Path(onego.exchange.__file__).parent / "starter" / "contracts.yaml"
ANSWERS = {"change_name": True}  # 企业信息变更 with 印章刻制: the representative's ID card is needed


@pytest.fixture(scope="module")
def starter(django_db_setup: None, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        catalog_import(path=CATALOG)
        contracts_import(path=CONTRACTS, actor="admin:starter")
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter")]


def enterprise(rep: rm.Resident, code: str = "MA6D7X8K") -> Subject:
    uscc = make_uscc("520102", code)
    rm.Enterprise.objects.create(
        uscc=uscc,
        name="贵阳南明好味道餐饮有限公司",
        legal_rep=rep,
        registered_capital=50,
        business_scope="餐饮服务",
        address="贵州省贵阳市南明区花果园大街1号",
        region_code="520102",
        established_on=dt.date(2020, 3, 1),
    )
    return Subject("enterprise", uscc)


def test_the_package_names_the_legal_representative_as_whose_id_card_it_is() -> None:
    compiled = compile_for(package_code="enterprise-change", region_code="520102", answers=ANSWERS)
    card = next(m for m in compiled.materials if m.material == "resident_id_card")
    assert card.subject == "legal_representative"
    [rep] = compiled.subjects
    assert (rep.code, rep.consent, rep.identity) == (
        "legal_representative",
        "representative",
        "enterprise.legal_representative_id_number",
    )
    assert rep.consent_text == "由法定代表人本人代表企业授权"
    # The person is named once in the form: the identity field says whom it identifies.
    identity = next(f for g in compiled.form for f in g.fields if f.element == rep.identity)
    assert identity.identifies == "legal_representative"


def test_the_representatives_id_card_is_verified_for_the_representative_not_the_enterprise() -> None:
    rep = resident("周建华", born=dt.date(1980, 4, 2), female=False)
    company = enterprise(rep)
    preview = consent_preview(
        package_code="enterprise-change", region_code="520102", answers=ANSWERS, applicant=company
    )
    [stated] = preview.subjects
    assert stated.code == "legal_representative"
    assert "resident_id_card" in stated.materials
    assert stated.consent_text == "由法定代表人本人代表企业授权"
    case_ref = uuid.uuid4()
    consent = consent_grant(case_ref=case_ref, applicant=company, preview=preview)
    assert consent.scope["subjects"][0]["consent_text"] == "由法定代表人本人代表企业授权"

    outcome = prefill(case_ref=case_ref, consent_id=consent.id, actor="applicant:rep", applicant=company)

    assert "resident_id_card" not in outcome.materials_manual, outcome.materials_manual
    row = VerifiedMaterial.objects.get(case_ref=case_ref, material="resident_id_card")
    assert rep.id_number[-4:] in row.reference
    assert rep.id_number not in row.reference
    # The read of his card is in his own log, saying on whose authority it was made.
    entries = LedgerEntry.objects.filter(kind="registry.read", subject_ref=subject_of(rep).index)
    about = [e.payload for e in entries if "resident_id_card" in e.payload["materials"]]
    assert about
    assert about[0]["about"] == "法定代表人"
    assert about[0]["on_authority_of"] == "由法定代表人本人代表企业授权"
    assert rep.id_number not in json.dumps([e.payload for e in entries], ensure_ascii=False)


def test_a_person_applying_for_an_enterprise_is_its_representative_themself() -> None:
    """Before the enterprise exists, the person acting is the representative: their own card."""
    founder = resident("陈思远", born=dt.date(1991, 8, 9), female=False)
    enterprise(founder, code="MA5E6F7G")  # the enterprise registry reads the one a person represents
    me = subject_of(founder)
    preview = consent_preview(package_code="open-restaurant", region_code="520102", answers={}, applicant=me)
    case_ref = uuid.uuid4()
    consent = consent_grant(case_ref=case_ref, applicant=me, preview=preview)
    outcome = prefill(case_ref=case_ref, consent_id=consent.id, actor="applicant:me", applicant=me)
    assert "resident_id_card" not in outcome.materials_manual, outcome.materials_manual
    row = VerifiedMaterial.objects.get(case_ref=case_ref, material="resident_id_card")
    assert founder.id_number[-4:] in row.reference


def test_a_forged_representative_sent_through_the_api_is_never_read() -> None:
    """The enterprise's form claims someone else as its representative; the API call carries extra
    `subjects`/identity fields. The server reads only the representative the enterprise registry names:
    the other person's data is never asked for and their log stays empty."""
    rep = resident("周建华", born=dt.date(1979, 1, 5), female=False)
    victim = resident("吴丽", born=dt.date(1985, 6, 30))
    company = enterprise(rep, code="MA7B2C3D")
    clerk_user = make_staff("clerk-subjects", "nm-market-regulation", Role.CLERK)
    case = case_submit(
        actor=clerk_user,
        package_code="enterprise-change",
        region_code="520102",
        applicant=ApplicantIn(kind="enterprise", identifier=company.key, name="贵阳南明好味道餐饮有限公司"),
        idempotency_key="subjects-forged-0001",
        channel="counter",
        answers=ANSWERS,
        form_data={
            "enterprise.legal_representative_id_number": victim.id_number,
            "enterprise.legal_representative_name": victim.name,
        },
        draft=True,
    ).case
    clerk = Client()
    clerk.force_login(clerk_user)
    forged = {
        "legal_representative": victim.id_number,
        "enterprise.legal_representative_id_number": victim.id_number,
    }

    granted = clerk.post(
        "/api/v1/exchange/consents",
        json.dumps({"case_ref": str(case.pk), "ttl_days": 7, "subjects": forged}),
        content_type="application/json",
    )
    assert granted.status_code == 201, granted.content
    filled = clerk.post(
        "/api/v1/exchange/prefill",
        json.dumps({"case_ref": str(case.pk), "consent_id": granted.json()["id"], "subjects": forged}),
        content_type="application/json",
    )
    assert filled.status_code == 200, filled.content

    row = VerifiedMaterial.objects.get(case_ref=case.pk, material="resident_id_card")
    assert rep.id_number[-4:] in row.reference
    assert victim.id_number[-4:] not in row.reference
    assert reads_for_subject(subject_of(victim)) == []
    assert not LedgerEntry.objects.filter(subject_ref=subject_of(victim).index).exists()
    assert reads_for_subject(subject_of(rep))  # the real representative's log shows the read


def test_a_newborns_data_is_read_on_the_parents_authority_stated_in_the_consent() -> None:
    """The family package: the newborn (guardian) is read for the parent, stated; the other parent (an
    adult, `own`) only as named on the child's certificate."""
    compiled = compile_for(package_code="newborn-birth", region_code="520102", answers={})
    subjects = {s.code: s for s in compiled.subjects}
    assert subjects["newborn"].consent_text == "由申请人作为其父母（监护人）代为授权"
    assert subjects["father"].consent == "own"
    mother = resident("李秀英", born=dt.date(1994, 3, 8))
    preview = consent_preview(
        package_code="newborn-birth", region_code="520102", answers={}, applicant=subject_of(mother)
    )
    stated = {s.code: s for s in preview.subjects}
    assert "newborn.name" in stated["newborn"].elements
    assert set(stated["father"].elements) <= {"father.name", "father.id_number"}
    # the rest of his data only if the registry names the applicant as the father himself (she is not:
    # the prefill leaves it to type, saying why — tests/exchange/test_newborn_birth.py)
    assert "father.ethnicity" in stated["father"].if_applicant
    assert "father.ethnicity" not in stated["father"].elements


def test_the_api_preview_states_whose_data_and_on_whose_authority(admin_client: Client) -> None:
    rep = resident("周建华", born=dt.date(1977, 2, 2), female=False)
    company = enterprise(rep, code="MA8H9J0K")
    body = {
        "package": "enterprise-change",
        "region": "520102",
        "answers": ANSWERS,
        "applicant": {"kind": "enterprise", "key": company.key},
    }
    response = admin_client.post(
        "/api/v1/exchange/consents/preview", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    [stated] = response.json()["subjects"]
    assert stated["code"] == "legal_representative"
    assert stated["consent_text"] == "由法定代表人本人代表企业授权"
    assert "resident_id_card" in stated["materials"]


def test_each_planned_read_is_for_its_own_materials_subject() -> None:
    # The e-licence library verifies the enterprise's business licence and the representative's ID card
    # in one registry's plan: each must keep its own subject (it once took the registry's last material's).
    from onego.exchange.services import _plan

    rep = resident("周建华", born=dt.date(1980, 4, 2), female=False)
    company = enterprise(rep)
    answers = {**ANSWERS, "change_scope": True}
    preview = consent_preview(
        package_code="enterprise-change", region_code="520102", answers=answers, applicant=company
    )
    consent = consent_grant(case_ref=uuid.uuid4(), applicant=company, preview=preview)
    whose = {
        m["material"]: m.get("subject", "applicant")
        for reg in consent.scope_registries()
        for m in reg["materials"]
    }
    mixed = [
        reg
        for reg in consent.scope_registries()
        if len({m.get("subject", "applicant") for m in reg["materials"]}) > 1
    ]
    assert mixed, "the package should read materials of two people from one registry"
    planned, _ = _plan(consent, dt.date(2026, 3, 2))
    for plan in planned:
        for material in plan.materials:
            assert plan.subjects.get(material, "applicant") == whose[material], (plan.registry, material)
