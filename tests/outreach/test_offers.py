"""Proactive service end to end below the pages: a registry publishes an event, the platform takes it in
through the exchange, the rules make one offer per person — never a second, also when retried — sent by
SMS after commit, withheld for a person who opted out, and recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from onego.core import clock
from onego.core.pii import blind_index
from onego.ledger.models import LedgerEntry
from onego.outreach.models import EventCursor, Offer, OfferStatus, ReceivedEvent, SmsStatus
from onego.outreach.services import match_events, opt_in, opt_out, pull_events
from onego.registries import models as rm
from onego.registries.demo_identities import demo_identity, seed_demo
from onego.registries.events import publish_due_events, register_birth, statutory_retirement_date
from tests.cases.factories import run_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter", "data_dir")]

WANG, LI = demo_identity("王芳"), demo_identity("李强")
HUANG, WU = demo_identity("黄勇"), demo_identity("吴婷")


def index(key: str) -> str:
    return blind_index(key, kind="person")


def sms(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "sms.log"
    return [json.loads(x) for x in path.read_text("utf-8").splitlines()] if path.exists() else []


def a_birth() -> rm.BirthCertificate:
    return register_birth(
        mother_key=WU.key,
        father_key=HUANG.key,
        newborn_name="黄小满",
        gender="2",
        birth_date=clock.today() - dt.timedelta(days=2),
        birth_region="520102",
        birth_place="贵阳市妇幼保健院",
    )


def tick() -> None:
    pull_events()
    match_events()


def test_a_birth_leads_to_one_offer_to_each_parent_and_no_second(data_dir: Path) -> None:
    seed_demo()
    a_birth()
    tick()
    offers = Offer.objects.all()
    assert sorted(o.role for o in offers) == ["father", "mother"]
    assert {o.person_index for o in offers} == {index(WU.key), index(HUANG.key)}
    assert {o.package_code for o in offers} == {"newborn-birth"}
    assert all(o.status == OfferStatus.OFFERED and o.channels == ["site", "sms"] for o in offers)
    assert all(o.region_code == "520102" and o.answers == {"born_in_guizhou_hospital": True} for o in offers)
    # The SMS goes out after commit, through the task, to the phones the population register holds.
    run_tasks()
    sent = sms(data_dir)
    assert sorted(s["to"] for s in sent) == sorted([WU.phone, HUANG.phone])
    assert all("恭喜您喜添宝宝" in s["text"] and "退订" in s["text"] for s in sent)
    assert set(Offer.objects.values_list("sms_status", flat=True)) == {SmsStatus.SENT}
    # The tick again, a re-read of the whole feed, the task again: nothing more.
    tick()
    EventCursor.objects.update(position=0)
    tick()
    run_tasks()
    assert Offer.objects.count() == 2
    assert ReceivedEvent.objects.count() == 1
    assert len(sms(data_dir)) == 2
    assert LedgerEntry.objects.filter(kind="outreach.offer").count() == 2


def test_publishing_the_same_birth_again_makes_no_second_event() -> None:
    seed_demo()
    cert = a_birth()
    assert publish_due_events().births == 1  # 王芳's certificate of the demo, caught up once
    assert publish_due_events().births == 0
    assert rm.RegistryEvent.objects.filter(key=f"birth:{cert.number}").count() == 1
    tick()
    # Both demo births: each parent once per event.
    assert Offer.objects.filter(person_index=index(WANG.key)).count() == 1
    assert Offer.objects.filter(person_index=index(LI.key)).count() == 1


def test_a_registered_or_old_birth_is_not_offered() -> None:
    seed_demo()
    assert publish_due_events().births == 1
    rm.BirthCertificate.objects.update(newborn=rm.Resident.objects.get(id_index=index(HUANG.key)))
    rm.RegistryEvent.objects.update(
        facts={"birth.in_province": True, "birth.registered": True, "birth.days_ago": 9}
    )
    tick()
    assert ReceivedEvent.objects.count() == 1
    assert Offer.objects.count() == 0


def test_a_person_who_opted_out_is_not_told_and_that_is_recorded(data_dir: Path) -> None:
    seed_demo()
    opt_out(person_index=index(WU.key), rule_code="newborn-parents")
    a_birth()
    tick()
    run_tasks()
    withheld = Offer.objects.get(person_index=index(WU.key))
    assert withheld.status == OfferStatus.WITHHELD
    assert withheld.channels == []
    assert withheld.sms_status == "none"
    assert Offer.objects.get(person_index=index(HUANG.key)).status == OfferStatus.OFFERED
    assert [s["to"] for s in sms(data_dir)] == [HUANG.phone]
    assert LedgerEntry.objects.filter(kind="outreach.opt_out", subject_ref=index(WU.key)).count() == 1


def test_opting_out_of_everything_stops_a_pending_sms_and_opting_in_again_restores_offers(
    data_dir: Path,
) -> None:
    seed_demo()
    a_birth()
    tick()
    opt_out(person_index=index(WU.key))  # before the worker sends
    run_tasks()
    assert [s["to"] for s in sms(data_dir)] == [HUANG.phone]
    assert Offer.objects.get(person_index=index(WU.key)).sms_status == SmsStatus.NONE
    opt_in(person_index=index(WU.key))
    register_birth(
        mother_key=WU.key, newborn_name="黄小二", gender="1", birth_date=clock.today(),
        birth_region="520102", birth_place="贵阳市妇幼保健院",
    )  # fmt: skip
    tick()
    assert Offer.objects.filter(person_index=index(WU.key), status=OfferStatus.OFFERED).count() == 2


def test_retirement_within_three_months_is_offered_the_retirement_package() -> None:
    seed_demo()
    zhao = rm.Resident.objects.get(id_index=index(demo_identity("赵建国").key))
    due = statutory_retirement_date(zhao.birth_date, zhao.gender)
    # 赵建国 (born 1965-02) retires at 60 and 1 month under the 2025 rules.
    assert due == dt.date(1965 + 60, 3, 14)
    rm.SocialInsurance.objects.filter(resident=zhao).update(status="paying")
    published = publish_due_events(today=due - dt.timedelta(days=60))
    assert published.retirements >= 1
    tick()
    offer = Offer.objects.get(person_index=zhao.id_index)
    assert offer.package_code == "retirement"
    assert offer.answers == {"retirement_type": "正常退休"}
    assert offer.event.facts["retirement.days_left"] == 60
    # Half a year before, nothing is due.
    assert publish_due_events(today=due - dt.timedelta(days=200)).retirements == 0


def test_a_disability_certificate_about_to_expire_is_offered_its_renewal() -> None:
    seed_demo()
    zhou = rm.Resident.objects.get(id_index=index(demo_identity("周敏").key))
    rm.DisabilityRecord.objects.filter(resident=zhou).update(
        valid_until=clock.today() + dt.timedelta(days=45)
    )
    assert publish_due_events().expiries == 1
    tick()
    offer = Offer.objects.get(person_index=zhou.id_index)
    assert offer.package_code == "disability-services"
    assert offer.answers == {"has_certificate": True, "needs_renewal": True}


def test_a_feed_that_cannot_be_read_is_retried_later_without_losing_events() -> None:
    from onego.registries.gateway import set_registry_available

    seed_demo()
    set_registry_available(code="birth_medical", available=False, note="维护")
    a_birth()
    assert pull_events().unavailable == ("birth_medical",)
    assert ReceivedEvent.objects.count() == 0
    set_registry_available(code="birth_medical", available=True)
    tick()
    assert Offer.objects.count() == 2


def test_an_sms_that_fails_stays_pending_for_the_tick_and_is_given_up_after_five_attempts(
    monkeypatch: Any,
) -> None:
    from onego.outreach import services

    class Down:
        def send(self, message: Any) -> None:
            raise ConnectionError("gateway down")

    seed_demo()
    a_birth()
    tick()
    monkeypatch.setattr(services, "channel_for", lambda name: Down())
    offer = Offer.objects.get(person_index=index(WU.key))
    results = [services.deliver_offer_sms(offer_id=str(offer.pk)) for _ in range(6)]
    assert results == ["failed"] * 5 + ["failed"]
    offer.refresh_from_db()
    assert offer.sms_status == SmsStatus.FAILED
    assert offer.sms_attempts == 5
    assert services.sweep_offer_sms() == 1  # only 黄勇's, still pending
