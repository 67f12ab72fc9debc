"""Another adult's own consent on the portal (issue 13): the mother asks the father through the platform;
he opens the SMS link, signs in as himself and grants; her next one-click prefill reads his data. She
cannot open his link; a decline on his page falls back to typing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from onego.core.pii import blind_index
from onego.exchange.models import PersonConsentRequest, PersonConsentStatus, PrefillRun
from tests.exchange.test_newborn_birth import newborn_family, starter  # noqa: F401 (fixture)
from tests.portal.applicants import Person, answer_all, contact, sign_in, sms_lines, start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter", "data_dir")]
MOTHER_PHONE, FATHER_PHONE = "13908517771", "13908517772"
ANSWERS = ["true", "true", "随母", "true", "true", "false"]


def _family() -> tuple[Person, Person]:
    mother = newborn_family()
    father = mother.spouse
    for who, phone in ((mother, MOTHER_PHONE), (father, FATHER_PHONE)):
        who.phone, who.phone_index = phone, blind_index(phone, kind="phone")
        who.save(update_fields=["phone", "phone_index"])
    return Person(mother, MOTHER_PHONE), Person(father, FATHER_PHONE)


def _link_to(phone: str) -> str:
    for line in reversed(sms_lines()):
        if line["to"] == phone and (m := re.search(r"(/consent/ask/[^/\s]+/)", line["text"])):
            return m.group(1)
    raise AssertionError(f"no consent link was sent to {phone}")


def _ask(capture: Any) -> tuple[Client, Client, Person, str, str]:
    mother, father = _family()
    hers, his = Client(), Client()
    sign_in(hers, mother)
    base = start(hers, "newborn-birth")
    answer_all(hers, base, ANSWERS)
    contact(hers, base, MOTHER_PHONE)
    page = hers.get(f"{base}others/")
    assert page.status_code == 200
    assert "父亲" in page.content.decode()
    with capture(execute=True):
        response = hers.post(
            f"{base}others/", {"subject": "father", "id_number": father.id_number, "phone": FATHER_PHONE}
        )
    assert response.status_code == 302, response.content.decode()[:600]
    listed = hers.get(f"{base}others/").content.decode()
    assert "待本人授权" in listed
    assert father.id_number not in listed  # his number is not shown back
    return hers, his, father, base, _link_to(FATHER_PHONE)


def test_the_father_grants_on_his_own_page_and_her_prefill_reads_his_data(
    django_capture_on_commit_callbacks: Any,
) -> None:
    hers, his, father, base, link = _ask(django_capture_on_commit_callbacks)
    # the mother holding the link cannot answer for him: the same 404 as a wrong link
    assert hers.get(link).status_code == 404
    assert hers.post(link, {"decision": "grant"}).status_code == 404
    assert PersonConsentRequest.objects.get().status == PersonConsentStatus.REQUESTED
    # he is asked to sign in first, then sees what is asked, and grants
    assert his.get(link).status_code == 302
    sign_in(his, father)
    page = his.get(link)
    assert page.status_code == 200
    assert "父亲民族" in page.content.decode()
    assert his.post(link, {"decision": "grant"}).status_code == 302
    assert PersonConsentRequest.objects.get().status == PersonConsentStatus.GRANTED
    mine = his.get("/me/consents/")  # his own consent, listed where he can withdraw it
    assert mine.status_code == 200
    assert "父亲民族" in mine.content.decode()
    assert "本人已同意" in hers.get(f"{base}others/").content.decode()

    response = hers.post(f"{base}consent/", {"decision": "agree"})
    assert response.status_code == 302
    run = PrefillRun.objects.latest("started_at")
    assert "father.ethnicity" in run.values
    assert "father.ethnicity" not in run.manual


def test_his_decline_leaves_his_data_to_type_saying_so(django_capture_on_commit_callbacks: Any) -> None:
    hers, his, father, base, link = _ask(django_capture_on_commit_callbacks)
    sign_in(his, father)
    assert his.post(link, {"decision": "decline"}).status_code == 302
    assert "不同意" in his.get(link).content.decode()
    hers.post(f"{base}consent/", {"decision": "agree"})
    run = PrefillRun.objects.latest("started_at")
    assert "father.ethnicity" not in run.values
    assert "本人不同意" in run.manual["father.ethnicity"]
