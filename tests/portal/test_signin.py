"""Applicant sign-in: an ID number and a one-time code sent to the phone the population register holds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.ledger.models import LedgerEntry
from onego.ledger.sequencer import ledger_sequence
from onego.signin.codes import code_request, code_verify
from onego.signin.models import ApplicantAccount, OneTimeCode
from tests.portal.applicants import enterprise_of, last_code, person, sign_in, sms_lines

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


def test_a_person_signs_in_with_the_code_sent_to_their_registered_phone(client: Client) -> None:
    who = person("王小红")
    response = client.post("/login/", {"id_number": who.id_number.lower(), "next": "/me/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    [sms] = sms_lines()
    assert sms["to"] == who.phone
    assert "5分钟内有效" in sms["text"]

    response = client.post("/login/code/", {"code": last_code(who.phone)})
    assert response.status_code == 302
    assert response["Location"] == "/me/cases/"
    page = client.get("/me/cases/")
    assert page.status_code == 200
    assert "王**" in page.content.decode()
    account = ApplicantAccount.objects.get()
    assert account.id_masked.startswith("5201")
    assert who.id_number not in account.id_masked
    # The session (server side) keeps the number sealed: it never appears in the stored session data.
    stored = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert who.id_number not in json.dumps(stored, ensure_ascii=False)
    # The stored code is a hash, never the digits.
    assert last_code(who.phone) not in OneTimeCode.objects.get().code_hash


def test_an_invalid_id_number_is_refused_next_to_the_field_and_kept(client: Client) -> None:
    response = client.post("/login/", {"id_number": "520102199001011230"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html
    assert 'id="err-id_number"' in html
    assert "校验码" in html or "居民身份证号码" in html
    assert 'value="520102199001011230"' in html
    assert not sms_lines()


def test_a_wrong_code_is_refused_and_five_wrong_codes_end_it(client: Client) -> None:
    who = person()
    client.post("/login/", {"id_number": who.id_number})
    right = last_code(who.phone)
    wrong = "000000" if right != "000000" else "111111"
    response = client.post("/login/code/", {"code": wrong})
    assert response.status_code == 400
    assert "验证码不正确，还可以再试 4 次" in response.content.decode()
    for _ in range(4):
        response = client.post("/login/code/", {"code": wrong})
    assert "验证码输错次数过多" in response.content.decode()
    # Even the right code no longer works: the code is spent.
    response = client.post("/login/code/", {"code": right})
    assert response.status_code == 400
    assert "验证码输错次数过多" in response.content.decode()
    assert not get_user_model().objects.filter(applicant_account__isnull=False).exists()


def test_a_code_that_is_not_six_digits_gets_a_specific_message(client: Client) -> None:
    who = person()
    client.post("/login/", {"id_number": who.id_number})
    response = client.post("/login/code/", {"code": "12ab"})
    assert "请输入短信中的6位数字验证码" in response.content.decode()
    assert OneTimeCode.objects.get().attempts == 0


def test_an_expired_code_is_refused(client: Client) -> None:
    who = person()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        client.post("/login/", {"id_number": who.id_number})
        traveller.shift(dt.timedelta(minutes=5, seconds=1))
        response = client.post("/login/code/", {"code": last_code(who.phone)})
    assert response.status_code == 400
    assert "验证码已过期" in response.content.decode()


def test_a_code_works_once() -> None:
    who = person()
    challenge = code_request(id_number=who.id_number, client_address="198.51.100.7")
    code = last_code(who.phone)
    code_verify(challenge_id=challenge.id, code=code, pending=challenge.pending)
    with pytest.raises(ValidationFailed, match="该验证码已使用过") as refused:
        code_verify(challenge_id=challenge.id, code=code, pending=challenge.pending)
    assert refused.value.field == "code"


def test_a_code_is_only_good_for_the_number_it_was_sent_for() -> None:
    first, second = person("甲", phone="13908517771"), person("乙", phone="13908517772")
    challenge = code_request(id_number=first.id_number, client_address="198.51.100.7")
    other = code_request(id_number=second.id_number, client_address="198.51.100.8")
    with pytest.raises(ValidationFailed, match="验证码已失效"):
        code_verify(challenge_id=challenge.id, code=last_code(first.phone), pending=other.pending)


def test_codes_are_limited_per_id_number(client: Client) -> None:
    who = person()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        assert client.post("/login/", {"id_number": who.id_number}).status_code == 302
        again = client.post("/login/", {"id_number": who.id_number})
        assert again.status_code == 429
        assert int(again["Retry-After"]) == 60
        assert "验证码已发送，请在 60 秒后再重新获取" in again.content.decode()
        for _ in range(4):
            traveller.shift(dt.timedelta(seconds=61))
            assert (
                Client(REMOTE_ADDR=f"10.0.0.{_}").post("/login/", {"id_number": who.id_number}).status_code
                == 302
            )
        traveller.shift(dt.timedelta(seconds=61))
        sixth = Client(REMOTE_ADDR="10.0.1.1").post("/login/", {"id_number": who.id_number})
        assert sixth.status_code == 429
        assert "该身份证号码获取验证码过于频繁" in sixth.content.decode()
        traveller.shift(dt.timedelta(hours=1))
        assert Client(REMOTE_ADDR="10.0.1.2").post("/login/", {"id_number": who.id_number}).status_code == 302
    assert len(sms_lines()) == 6


def test_codes_are_limited_per_client_address() -> None:
    people = [person(f"测试{i}", phone=f"1390851000{i}", licence=False) for i in range(4)]
    client = Client(REMOTE_ADDR="203.0.113.9")
    for who in people[:3]:
        assert client.post("/login/", {"id_number": who.id_number}).status_code == 302
    response = client.post("/login/", {"id_number": people[3].id_number})
    assert response.status_code == 429
    assert "您所在的网络获取验证码过于频繁" in response.content.decode()
    assert (
        Client(REMOTE_ADDR="203.0.113.10").post("/login/", {"id_number": people[3].id_number}).status_code
        == 302
    )


def test_a_number_without_a_registered_phone_gets_the_same_page_and_no_code_matches(client: Client) -> None:
    who = person(phone="", licence=False)
    response = client.post("/login/", {"id_number": who.id_number})
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    assert not sms_lines()
    page = client.get("/login/code/").content.decode()
    assert "如该号码在户籍登记了手机号码" in page
    response = client.post("/login/code/", {"code": "123456"})
    assert "验证码不正确" in response.content.decode()


def test_the_phone_look_up_is_recorded_for_who_read_my_data(client: Client) -> None:
    who = person()
    sign_in(client, who)
    entry = LedgerEntry.objects.get(kind="registry.read", actor="platform:signin")
    assert entry.payload["elements"] == ["person.name", "person.phone"]
    assert who.id_number not in str(entry.payload)
    page = client.get("/me/data-reads/").content.decode()
    assert "政务服务平台（登录身份核验）" in page
    assert "待入树" in page  # recorded pending: the sequencer gives it its index
    ledger_sequence()
    entry.refresh_from_db()
    page = client.get("/me/data-reads/").content.decode()
    assert f"/api/v1/ledger/entries/{entry.index}/proof" in page


def test_signing_out_forgets_the_applicant(client: Client) -> None:
    sign_in(client, person())
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/me/cases/")["Location"].startswith("/login/?next=")


def test_sign_out_needs_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/logout/").status_code == 403
    assert client.post("/login/", {"id_number": "x"}).status_code == 403


def test_the_next_address_is_kept_but_never_another_site(client: Client) -> None:
    who = person()
    response = sign_in(client, who, next_url="/packages/open-restaurant/apply/?region=520102")
    assert response["Location"] == "/packages/open-restaurant/apply/?region=520102"
    other = Client()
    other.post(
        "/login/",
        {"id_number": person("李四", phone="13908518888").id_number, "next": "https://evil.example/"},
    )
    response = other.post("/login/code/", {"code": last_code("13908518888")})
    assert response["Location"] == "/me/cases/"


def test_staff_are_not_applicants(client: Client, django_user_model: Any) -> None:
    staff = django_user_model.objects.create_user("clerk-x", password=None)
    client.force_login(staff)
    assert client.get("/me/cases/")["Location"].startswith("/login/")


def test_a_legal_representative_acts_for_the_enterprise(client: Client) -> None:
    who = person("张伟", licence=False)
    company = enterprise_of(who)
    response = sign_in(client, who)
    assert response["Location"].startswith("/me/subject/")
    page = client.get(response["Location"]).content.decode()
    assert company.name in page
    assert "本人" in page
    index = [line for line in page.split('value="') if line.startswith(company.uscc)]
    assert not index  # the raw credit code is not in the page: choices are by blind index
    from onego.core.pii import blind_index

    chosen = client.post(
        "/me/subject/", {"subject": blind_index(company.uscc, kind="enterprise"), "next": "/me/cases/"}
    )
    assert chosen["Location"] == "/me/cases/"
    page = client.get("/me/cases/").content.decode()
    assert f"当前办理主体：{company.name}" in page
    assert "法定代表人" in page
    # Someone else's enterprise cannot be chosen by posting its index.
    refused = client.post("/me/subject/", {"subject": blind_index(make_other_uscc(), kind="enterprise")})
    assert refused["Location"] == "/me/subject/"


def make_other_uscc() -> str:
    from onego.core.validators import make_uscc

    return make_uscc("520103", "MA6PT999")


def test_the_demo_shows_where_the_code_is_written_only_in_debug(
    client: Client, settings: Any, data_dir: Path
) -> None:
    settings.DEBUG = True
    assert str(data_dir / "sms.log") in client.get("/login/").content.decode()
    settings.DEBUG = False
    assert "sms.log" not in client.get("/login/").content.decode()
