"""Another adult's own consent session (issue 13): the applicant asks, the person themself answers.

The newborn package on the starter catalog: the mother applies; the father is subject `father`
(`consent: own`), so his ethnicity is not read under her consent. She names him; he grants (signed in
as himself) → the next prefill reads it under *his* consent, in his own log; he declines, or the link
expires → the form falls back to typing, saying why. Nobody but him can answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine

from onego.core import clock
from onego.core.errors import Conflict, NotFound, ValidationFailed
from onego.exchange.models import Consent, ConsentDecision, PersonConsentRequest, PersonConsentStatus
from onego.exchange.person_consent import (
    LINK_TTL,
    askable_subjects,
    effective_status,
    next_status,
    person_consent_decide,
    person_consent_request,
    requests_for_case,
)
from onego.exchange.selectors import reads_for_subject
from onego.exchange.services import consent_grant, consent_preview, consent_withdraw, prefill
from onego.ledger.models import LedgerEntry
from onego.registries.gateway import Subject
from tests.exchange.people import subject_of
from tests.exchange.test_newborn_birth import newborn_family, starter  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter")]
PHONE = "13800001234"


# --- the state machine (pure) -----------------------------------------------------------------------------
def test_a_request_moves_only_along_its_state_machine() -> None:
    assert next_status("requested", "granted") == "granted"
    assert next_status("requested", "declined") == "declined"
    assert next_status("requested", "expired") == "expired"
    assert next_status("granted", "expired") == "expired"
    for current, target in [("declined", "granted"), ("expired", "granted"), ("granted", "declined")]:
        with pytest.raises(Conflict):
            next_status(current, target)


def test_an_unanswered_link_expires_and_a_grant_ends_with_its_consent() -> None:
    now = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    later = now + dt.timedelta(days=1)
    assert effective_status("requested", now=now, link_expires_at=later) == "requested"
    assert effective_status("requested", now=later, link_expires_at=later) == "expired"
    assert effective_status("granted", now=later, link_expires_at=now, consent_status="active") == "granted"
    assert (
        effective_status("granted", now=later, link_expires_at=now, consent_status="withdrawn") == "expired"
    )


# --- the services ------------------------------------------------------------------------------------------
def _setup() -> tuple[Subject, Subject, uuid.UUID, Any]:
    family = newborn_family()
    mother, father = subject_of(family), subject_of(family.spouse)
    preview = consent_preview(
        package_code="newborn-birth", region_code="520102", answers={}, applicant=mother
    )
    return mother, father, uuid.uuid4(), preview


def _prefill(mother: Subject, case_ref: uuid.UUID, preview: Any) -> Any:
    consent = consent_grant(case_ref=case_ref, applicant=mother, preview=preview)
    return prefill(case_ref=case_ref, consent_id=consent.id, actor="applicant:demo", applicant=mother)


def test_the_father_is_askable_for_exactly_his_own_consent_data() -> None:
    _mother, _father, _case, preview = _setup()
    asked = {s["code"]: s for s in askable_subjects(preview)}
    assert "father" in asked
    assert "father.ethnicity" in {e["code"] for e in asked["father"]["elements"]}
    # who he is (name, number on the birth certificate) is read under her consent anyway: not asked
    assert "father.name" not in {e["code"] for e in asked["father"]["elements"]}


def test_asking_checks_the_subject_the_id_number_and_the_phone() -> None:
    mother, father, case_ref, preview = _setup()
    common: dict[str, Any] = {"case_ref": case_ref, "applicant": mother, "preview": preview, "actor": "a"}
    with pytest.raises(ValidationFailed) as exc:
        person_consent_request(**common, subject_code="newborn", id_number=father.key, phone=PHONE)
    assert exc.value.field == "subject"
    with pytest.raises(ValidationFailed) as exc:
        person_consent_request(**common, subject_code="father", id_number="123", phone=PHONE)
    assert exc.value.field == "id_number"
    with pytest.raises(ValidationFailed) as exc:
        person_consent_request(**common, subject_code="father", id_number=mother.key, phone=PHONE)
    assert exc.value.field == "id_number"
    with pytest.raises(ValidationFailed) as exc:
        person_consent_request(**common, subject_code="father", id_number=father.key, phone="12")
    assert exc.value.field == "phone"
    assert requests_for_case(case_ref) == []


def test_without_his_consent_his_ethnicity_is_typed_saying_that_he_was_asked() -> None:
    mother, father, case_ref, preview = _setup()
    person_consent_request(
        case_ref=case_ref, applicant=mother, preview=preview, subject_code="father",
        id_number=father.key, phone=PHONE, actor="applicant:demo",
    )  # fmt: skip
    outcome = _prefill(mother, case_ref, preview)
    assert "father.ethnicity" not in outcome.values
    assert "尚未答复" in outcome.manual["father.ethnicity"]


def test_the_applicant_cannot_answer_for_him_with_the_link() -> None:
    mother, father, case_ref, preview = _setup()
    asked = person_consent_request(
        case_ref=case_ref, applicant=mother, preview=preview, subject_code="father",
        id_number=father.key, phone=PHONE, actor="applicant:demo",
    )  # fmt: skip
    with pytest.raises(NotFound):
        person_consent_decide(token=asked.token, person=mother, agree=True)
    with pytest.raises(NotFound):  # a forged or guessed link, even by him
        person_consent_decide(token="forged-token", person=father, agree=True)
    assert asked.request.__class__.objects.get(pk=asked.request.pk).status == PersonConsentStatus.REQUESTED
    assert not Consent.objects.filter(subject_index=father.index).exists()


def test_his_grant_lets_the_next_prefill_read_his_data_under_his_own_consent() -> None:
    mother, father, case_ref, preview = _setup()
    asked = person_consent_request(
        case_ref=case_ref, applicant=mother, preview=preview, subject_code="father",
        id_number=father.key, phone=PHONE, actor="applicant:demo",
    )  # fmt: skip
    row = person_consent_decide(token=asked.token, person=father, agree=True)
    assert row.status == PersonConsentStatus.GRANTED
    assert row.consent is not None
    his = row.consent
    assert (his.subject_index, his.decision, his.actor) == (
        father.index,
        ConsentDecision.GRANTED,
        f"applicant:{father.index}",
    )
    assert "father.ethnicity" in {e["code"] for e in his.scope["elements"]}
    # answering twice the same way is not an error
    assert person_consent_decide(token=asked.token, person=father, agree=True).pk == row.pk
    granted = LedgerEntry.objects.get(kind="consent.granted", subject_ref=father.index)
    assert granted.actor == f"applicant:{father.index}"
    assert father.key not in str(granted.payload)

    outcome = _prefill(mother, case_ref, preview)
    assert outcome.values["father.ethnicity"]["value"] == "汉族"
    assert "father.ethnicity" not in outcome.manual
    # in his own log, citing his own consent
    entries = LedgerEntry.objects.filter(
        kind="registry.read", subject_ref=father.index, case_ref=str(case_ref)
    )
    cited = [e for e in entries if "father.ethnicity" in e.payload["elements"]]
    assert cited
    assert cited[0].payload["own_consent"] == str(his.id)
    assert any("father.ethnicity" in {e["code"] for e in view.elements} for view in reads_for_subject(father))


def test_his_decline_or_withdrawal_falls_back_to_typing_with_the_reason() -> None:
    mother, father, case_ref, preview = _setup()
    asked = person_consent_request(
        case_ref=case_ref, applicant=mother, preview=preview, subject_code="father",
        id_number=father.key, phone=PHONE, actor="applicant:demo",
    )  # fmt: skip
    person_consent_decide(token=asked.token, person=father, agree=False)
    with pytest.raises(Conflict):
        person_consent_decide(token=asked.token, person=father, agree=True)
    outcome = _prefill(mother, case_ref, preview)
    assert "father.ethnicity" not in outcome.values
    assert "不同意" in outcome.manual["father.ethnicity"]
    assert LedgerEntry.objects.filter(kind="consent.declined", subject_ref=father.index).exists()

    # asked again, he grants, then withdraws in his own "我的授权": the grant no longer counts
    again = person_consent_request(
        case_ref=case_ref, applicant=mother, preview=preview, subject_code="father",
        id_number=father.key, phone=PHONE, actor="applicant:demo",
    )  # fmt: skip
    row = person_consent_decide(token=again.token, person=father, agree=True)
    assert row.consent is not None
    consent_withdraw(consent_id=row.consent.id, applicant=father)
    outcome = _prefill(mother, uuid.UUID(str(case_ref)), preview)
    assert "father.ethnicity" not in outcome.values
    assert "已过期或已撤回" in outcome.manual["father.ethnicity"]


def test_an_unanswered_link_expires_and_cannot_be_answered_after() -> None:
    mother, father, case_ref, preview = _setup()
    asked = person_consent_request(
        case_ref=case_ref, applicant=mother, preview=preview, subject_code="father",
        id_number=father.key, phone=PHONE, actor="applicant:demo",
    )  # fmt: skip
    later = clock.now() + LINK_TTL + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        with pytest.raises(ValidationFailed):
            person_consent_decide(token=asked.token, person=father, agree=True)
        outcome = _prefill(mother, case_ref, preview)
    assert "已过期" in outcome.manual["father.ethnicity"]


def test_someone_else_granting_is_not_the_father_the_registry_names() -> None:
    """The applicant names a person she controls (her own second identity, a friend): they grant, but the
    birth certificate names another father, so nothing about the father is read under that grant."""
    from tests.exchange.people import resident

    mother, _father, case_ref, preview = _setup()
    friend = subject_of(resident("王朋友", born=dt.date(1990, 1, 2), female=False))
    asked = person_consent_request(
        case_ref=case_ref, applicant=mother, preview=preview, subject_code="father",
        id_number=friend.key, phone=PHONE, actor="applicant:demo",
    )  # fmt: skip
    person_consent_decide(token=asked.token, person=friend, agree=True)
    outcome = _prefill(mother, case_ref, preview)
    assert "father.ethnicity" not in outcome.values
    assert "不是数据源登记的父亲" in outcome.manual["father.ethnicity"]


# --- the API (the counter's parity) ------------------------------------------------------------------------
def test_the_window_clerk_asks_through_the_api_and_cannot_answer_for_the_person(
    settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import json

    from django.test import Client

    from onego.accounts.models import Role
    from onego.cases.services.submission import ApplicantIn, case_submit
    from tests.cases.factories import make_staff

    settings.DATA_DIR = tmp_path
    mother, father, _case, _preview = _setup()
    clerk_user = make_staff("clerk-person-consent", "nm-market-regulation", Role.CLERK)
    case = case_submit(
        actor=clerk_user,
        package_code="newborn-birth",
        region_code="520102",
        applicant=ApplicantIn(kind="person", identifier=mother.key, name="李秀英"),
        idempotency_key="person-consent-api-1",
        channel="counter",
        answers={},
        draft=True,
    ).case
    clerk = Client()
    clerk.force_login(clerk_user)
    body = {"case_ref": str(case.pk), "subject": "father", "id_number": father.key, "phone": PHONE}
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(
            "/api/v1/exchange/person-consents", json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["status"], out["subject"], out["phone"]) == ("requested", "father", "138****1234")
    assert "father.ethnicity" in out["elements"]
    assert father.key not in response.content.decode()
    [row] = requests_for_case(case.pk)
    assert row.requested_by.startswith("dept:")  # recorded as the clerk, never as the citizen
    sms = (tmp_path / "sms.log").read_text("utf-8")
    assert PHONE in sms
    assert "/consent/ask/" in sms

    listed = clerk.get(f"/api/v1/exchange/cases/{case.pk}/person-consents")
    assert listed.status_code == 200
    assert [r["status"] for r in listed.json()] == ["requested"]
    # an officer is no giver; the applicant's own subject cannot be asked; the clerk cannot open the link
    officer = Client()
    officer.force_login(make_staff("officer-person-consent", "nm-market-regulation", Role.OFFICER))
    refused = officer.post(
        "/api/v1/exchange/person-consents", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code in (403, 404)
    self_ask = clerk.post(
        "/api/v1/exchange/person-consents",
        json.dumps({**body, "id_number": mother.key}),
        content_type="application/json",
    )
    assert self_ask.status_code == 400
    assert self_ask.json()["detail"]["field"] == "id_number"
    link = sms.split("/consent/ask/", 1)[1].split("/", 1)[0]
    page = clerk.get(f"/consent/ask/{link}/")
    assert page.status_code in (302, 404)
    assert clerk.post(f"/consent/ask/{link}/", {"decision": "grant"}).status_code in (302, 404)
    assert PersonConsentRequest.objects.get(pk=row.pk).status == PersonConsentStatus.REQUESTED
