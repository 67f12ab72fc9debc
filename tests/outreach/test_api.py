"""The offers in /api/v1 (onego.api.outreach): the signed-in applicant's own, with the portal's services —
list, opt out (for themselves whatever the body says), one-click start, dismiss; another person's offer
is "not found"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from onego.applications.models import ApplicationDraft
from onego.core import clock
from onego.outreach.models import Offer, OfferStatus, OptOutChoice, SmsStatus
from onego.outreach.services import match_events, pull_events
from onego.registries.demo_identities import seed_demo
from onego.registries.events import register_birth
from tests.outreach.test_pages import HUANG, WU, ZHANG, index
from tests.portal.applicants import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter", "data_dir")]


@pytest.fixture
def offered(data_dir: Path) -> Offer:
    seed_demo()
    register_birth(
        mother_key=WU.id_number, father_key=HUANG.id_number, newborn_name="黄小满", gender="2",
        birth_date=clock.today() - dt.timedelta(days=1), birth_region="520102", birth_place="贵阳市妇幼保健院",
    )  # fmt: skip
    pull_events()
    match_events()
    return Offer.objects.get(person_index=index(WU))


def test_the_applicant_lists_only_their_own_offers_and_the_rules(client: Client, offered: Offer) -> None:
    sign_in(client, WU)
    body = client.get("/api/v1/me/offers").json()
    assert [o["id"] for o in body["offers"]] == [str(offered.pk)]
    assert body["offers"][0]["package"] == "newborn-birth"
    assert body["offers"][0]["status"] == "offered"
    assert "newborn-parents" in {r["code"] for r in body["rules"]}
    other = Client()
    sign_in(other, ZHANG)
    assert other.get("/api/v1/me/offers").json()["offers"] == []
    assert Client().get("/api/v1/me/offers").status_code == 401


def test_opting_out_through_the_api_is_for_the_signed_in_person_and_stops_the_sms(
    client: Client, offered: Offer
) -> None:
    sign_in(client, WU)
    response = client.post(
        "/api/v1/me/offers/preferences",
        {"rule": "newborn-parents", "choice": "out", "person_index": index(HUANG)},  # forged: ignored
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"rule": "newborn-parents", "opted_out": True}
    [choice] = OptOutChoice.objects.all()
    assert (choice.person_index, choice.channel) == (index(WU), "api")
    offered.refresh_from_db()
    assert offered.sms_status == SmsStatus.NONE
    rules = {r["code"]: r["opted_out"] for r in client.get("/api/v1/me/offers").json()["rules"]}
    assert rules["newborn-parents"] is True
    unknown = client.post(
        "/api/v1/me/offers/preferences",
        {"rule": "no-such-rule", "choice": "out"},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["detail"]["field"] == "rule"


def test_one_call_starts_the_application_with_the_rules_answers(client: Client, offered: Offer) -> None:
    sign_in(client, WU)
    response = client.post(f"/api/v1/me/offers/{offered.pk}/start")
    assert response.status_code == 201, response.content
    draft = ApplicationDraft.objects.get(subject_index=index(WU))
    body = response.json()
    assert body["draft_id"] == str(draft.pk)
    assert body["url"] == f"/apply/{draft.pk}/"
    assert body["offer"]["status"] == "started"
    assert draft.answers == {"born_in_guizhou_hospital": True}
    assert draft.consent_choice == ""  # consent stays the applicant's to give
    again = client.post(f"/api/v1/me/offers/{offered.pk}/start")
    assert again.json()["draft_id"] == str(draft.pk)  # the same draft, resumed


def test_another_person_cannot_start_or_dismiss_an_offer(client: Client, offered: Offer) -> None:
    sign_in(client, ZHANG)
    assert client.post(f"/api/v1/me/offers/{offered.pk}/start").status_code == 404
    assert client.post(f"/api/v1/me/offers/{offered.pk}/dismiss").status_code == 404
    assert client.post("/api/v1/me/offers/not-a-uuid/dismiss").status_code == 404
    offered.refresh_from_db()
    assert offered.status == OfferStatus.OFFERED
    sign_in(client, WU)
    dismissed = client.post(f"/api/v1/me/offers/{offered.pk}/dismiss")
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] == "dismissed"
