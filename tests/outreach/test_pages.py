"""The applicant's side: the offer on the home page and in the message centre, one click into the package's
application with what the rule knows answered (consent still asked), opt-out from the page, pins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from onego.applications.models import ApplicationDraft
from onego.core import clock
from onego.core.pii import blind_index
from onego.outreach.models import Offer, OfferStatus, OptOutChoice, Pin
from onego.outreach.services import match_events, pull_events
from onego.registries.demo_identities import demo_identity, seed_demo
from onego.registries.events import register_birth
from tests.portal.applicants import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter", "data_dir")]


@dataclass
class Who:
    id_number: str
    phone: str


WU = Who(demo_identity("吴婷").key, demo_identity("吴婷").phone)
HUANG = Who(demo_identity("黄勇").key, demo_identity("黄勇").phone)
ZHANG = Who(demo_identity("张伟").key, demo_identity("张伟").phone)


def index(who: Who) -> str:
    return blind_index(who.id_number, kind="person")


@pytest.fixture
def offered(data_dir: Path) -> None:
    seed_demo()
    register_birth(
        mother_key=WU.id_number, father_key=HUANG.id_number, newborn_name="黄小满", gender="2",
        birth_date=clock.today() - dt.timedelta(days=1), birth_region="520102", birth_place="贵阳市妇幼保健院",
    )  # fmt: skip
    pull_events()
    match_events()


def test_the_offer_is_on_the_home_page_and_in_the_message_centre(client: Client, offered: None) -> None:
    sign_in(client, WU)
    home = client.get("/?region=520102").content.decode()
    assert "为您推荐" in home
    assert "新生儿出生" in home
    assert "一键办理" in home
    messages = client.get("/me/messages/").content.decode()
    assert "主动服务提醒" in messages
    assert "恭喜您喜添宝宝" in messages


def test_one_click_starts_the_application_with_the_rules_answers_and_still_asks_consent(
    client: Client, offered: None
) -> None:
    sign_in(client, WU)
    offer = Offer.objects.get(person_index=index(WU))
    response = client.post(f"/me/offers/{offer.pk}/start/")
    assert response.status_code == 302
    draft = ApplicationDraft.objects.get(subject_index=index(WU))
    assert response["Location"] == f"/apply/{draft.pk}/"
    assert draft.package_code == "newborn-birth"
    assert draft.region_code == "520102"
    assert draft.answers == {"born_in_guizhou_hospital": True}
    assert draft.consent_choice == ""  # nothing fetched: consent is the applicant's to give
    # Resuming goes to the first question the rule could not answer.
    resumed = client.get(response["Location"])
    assert resumed["Location"] == f"/apply/{draft.pk}/questions/2/"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.STARTED
    assert offer.draft_id == draft.pk
    # Clicking again resumes the same draft.
    again = client.post(f"/me/offers/{offer.pk}/start/")
    assert again["Location"] == f"/apply/{draft.pk}/"
    assert ApplicationDraft.objects.filter(subject_index=index(WU)).count() == 1


def test_one_click_then_consent_gives_a_prefilled_form(client: Client, offered: None) -> None:
    import onego.exchange
    from onego.exchange.services import contracts_import

    contracts_import(
        path=Path(onego.exchange.__file__).parent / "starter" / "contracts.yaml", actor="admin:t"
    )
    sign_in(client, WU)
    offer = Offer.objects.get(person_index=index(WU))
    base = client.post(f"/me/offers/{offer.pk}/start/")["Location"]
    for n, value in enumerate(["true", "随母", "false", "false", "false"], start=2):
        response = client.post(f"{base}questions/{n}/", {"answer": value})
        assert response.status_code == 302, response.content.decode()[:500]
    response = client.post(
        f"{base}contact/", {"phone": WU.phone, "email": "", "delivery_method": "electronic"}
    )
    assert response["Location"] == f"{base}consent/"
    assert client.post(f"{base}consent/", {"decision": "agree"})["Location"] == f"{base}form/"
    form = client.get(f"{base}form/").content.decode()
    assert "黄小满" in form  # the newborn's name, from the birth medical certificate registry


def test_another_person_cannot_start_dismiss_or_see_an_offer(client: Client, offered: None) -> None:
    sign_in(client, ZHANG)
    offer = Offer.objects.get(person_index=index(WU))
    assert client.post(f"/me/offers/{offer.pk}/start/").status_code == 404
    assert client.post(f"/me/offers/{offer.pk}/dismiss/").status_code == 404
    assert "恭喜您喜添宝宝" not in client.get("/me/offers/").content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED


def test_opting_out_on_the_page_is_for_the_signed_in_person_only(client: Client, offered: None) -> None:
    sign_in(client, WU)
    # A forged person index in the form is ignored: the server decides whose choice it is.
    response = client.post(
        "/me/offers/preferences/", {"rule": "newborn-parents", "choice": "out", "person_index": index(HUANG)}
    )
    assert response.status_code == 302
    [choice] = OptOutChoice.objects.all()
    assert choice.person_index == index(WU)
    assert choice.rule_code == "newborn-parents"
    assert choice.opted_out
    page = client.get("/me/offers/").content.decode()
    assert "已退订" in page
    assert "恢复接收" in page
    client.post("/me/offers/preferences/", {"rule": "", "choice": "out"})
    assert OptOutChoice.objects.filter(person_index=index(WU), rule_code="", opted_out=True).exists()
    response = client.post("/me/offers/preferences/", {"rule": "no-such-rule", "choice": "out"})
    assert OptOutChoice.objects.filter(rule_code="no-such-rule").count() == 0


def test_dismissing_takes_the_offer_off_the_home_page(client: Client, offered: None) -> None:
    sign_in(client, WU)
    offer = Offer.objects.get(person_index=index(WU))
    client.post(f"/me/offers/{offer.pk}/dismiss/")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DISMISSED
    assert "恭喜您喜添宝宝" not in client.get("/?region=520102").content.decode()


def test_pins_go_to_the_signed_in_persons_home_page_and_come_off_again(client: Client) -> None:
    seed_demo()
    sign_in(client, ZHANG)
    client.get("/?region=520103")
    guide = client.get("/packages/retirement/").content.decode()
    assert "固定到首页" in guide
    client.post("/me/pins/", {"package": "retirement", "action": "pin", "next": "/packages/retirement/"})
    client.post("/me/pins/", {"package": "retirement", "action": "pin"})  # twice: one pin
    [pin] = Pin.objects.all()
    assert pin.person_index == index(ZHANG)
    assert pin.region_code == "520103"
    home = client.get("/").content.decode()
    assert "我的常用" in home
    assert 'aria-pressed="true"' in home
    assert client.post("/me/pins/", {"package": "no-such-package"}).status_code == 404
    client.post("/me/pins/", {"package": "retirement", "action": "unpin"})
    assert Pin.objects.count() == 0
    assert "我的常用" not in client.get("/").content.decode()


def test_pinning_needs_a_signed_in_applicant(client: Client) -> None:
    response = client.post("/me/pins/", {"package": "retirement"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert Pin.objects.count() == 0


def test_the_offer_pages_read_in_english(client: Client, offered: None) -> None:
    sign_in(client, WU)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/me/offers/").content.decode()
    assert "Suggested for you" in page
    assert "Congratulations on your baby" in page
    assert "Start in one click" in page
    assert "A child is born: offer the parents the birth package" in page
    assert "Unsubscribe from all reminders" in page
    home = client.get("/?region=520102").content.decode()
    assert "Birth of a child" in home
