"""The e-licence view (亮证) for its holder: 我的证照, one licence rendered with its QR code, its PDF, and the
public check the QR code opens (status from the library, holder masked)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from onego.cases.licence_view import licence_token
from onego.core import pii
from onego.registries.models import Licence
from tests.portal.applicants import person, sign_in
from tests.portal.test_english import starter  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


@pytest.fixture(autouse=True)
def _back_to_chinese() -> Iterator[None]:
    # The test client's English requests leave English active on this thread (LocaleMiddleware never resets).
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _licence_of(index: str) -> Licence:
    return Licence.objects.get(holder_index=index)


def test_the_holder_sees_her_licence_in_full_with_a_qr_code_to_its_check(client: Client) -> None:
    wang = person("王小红")
    sign_in(client, wang)
    listing = client.get("/me/licences/")
    assert listing.status_code == 200
    lic = _licence_of(pii.blind_index(wang.id_number, kind="person"))
    assert f"/me/licences/{lic.identifier}/" in listing.content.decode()

    html = client.get(f"/me/licences/{lic.identifier}/").content.decode()
    assert "营业执照" in html
    assert "南明区王小红餐馆" in html  # the holder's own licence: in full
    assert wang.id_number in html
    assert "贵阳市南明区市场监督管理局" in html
    assert "NM-0001" in html
    assert 'data-licence-status="valid"' in html
    assert "<svg" in html  # the QR code, drawn inline
    assert f"/verify/licence/{licence_token(lic.identifier)}" in html


def test_the_pdf_prints_the_licence_face(client: Client) -> None:
    wang = person("王小红")
    sign_in(client, wang)
    lic = _licence_of(pii.blind_index(wang.id_number, kind="person"))
    response = client.get(f"/me/licences/{lic.identifier}/licence.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "营业执照" in text
    assert "南明区王小红餐馆" in text
    assert wang.id_number in text
    assert "贵阳市南明区市场监督管理局" in text
    assert "长期有效" in text


def test_another_applicant_gets_not_found_for_someone_elses_licence(client: Client) -> None:
    wang = person("王小红")
    li = person("李四", phone="13908518888")
    lic = _licence_of(pii.blind_index(wang.id_number, kind="person"))
    sign_in(client, li)
    assert client.get(f"/me/licences/{lic.identifier}/").status_code == 404
    assert client.get(f"/me/licences/{lic.identifier}/licence.pdf").status_code == 404
    assert client.get("/me/licences/1.2.156.3005.2.NOPE/").status_code == 404
    assert wang.id_number not in client.get("/me/licences/").content.decode()


def test_signing_in_is_needed(client: Client) -> None:
    response = client.get("/me/licences/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_public_check_shows_the_state_and_only_a_masked_holder(client: Client) -> None:
    wang = person("王小红")
    lic = _licence_of(pii.blind_index(wang.id_number, kind="person"))
    token = licence_token(lic.identifier)
    html = client.get(f"/verify/licence/{token}").content.decode()
    assert 'data-verdict="有效"' in html
    assert "营业执照" in html
    assert wang.id_number not in html
    assert "南明区王小红餐馆" not in html
    assert re.search(r"\d{4}\*+\d{2,4}", html)  # the masked ID number

    Licence.objects.filter(pk=lic.pk).update(status="revoked")
    revoked = client.get(f"/verify/licence/{token}").content.decode()
    assert 'data-verdict="已注销"' in revoked
    assert "verify--invalid" in revoked


def test_a_forged_token_is_invalid(client: Client) -> None:
    wang = person("王小红")
    lic = _licence_of(pii.blind_index(wang.id_number, kind="person"))
    forged = f"{lic.identifier}:AAAAAAAAAAAAAAAAAAAAAAAAAAA"
    html = client.get(f"/verify/licence/{forged}").content.decode()
    assert 'data-verdict="无效"' in html
    assert "营业执照" not in html
    assert "verify__fields" not in html  # nothing of the licence is shown


def test_the_licence_page_reads_in_english(starter: None) -> None:  # noqa: F811 (the fixture)
    from onego.registries.authorities import government_uscc, synthetic_type_code
    from onego.registries.gateway import issue_licence
    from tests.exchange.people import subject_of
    from tests.portal.test_english import english, untranslated

    wang = person("王小红", licence=False)
    record = issue_licence(
        licence_type="business_licence",
        type_code=synthetic_type_code("business_licence"),
        name="营业执照",
        holder=subject_of(wang.resident),
        holder_name=wang.name,
        issuer_name="南明区市场监督管理局",
        issuer_code=government_uscc("nm-scjg", "520102"),
        data={"number": "NM-0002"},
    )
    client = english()
    sign_in(client, wang)
    people = frozenset({wang.name, wang.name[0]})  # her name, and the header's masked 王**
    for url in ("/me/licences/", f"/me/licences/{record.identifier}/"):
        html = client.get(url).content.decode()
        assert untranslated(html, people=people) == [], url
        assert "Business licence" in html
    html = client.get(f"/verify/licence/{licence_token(record.identifier)}").content.decode()
    assert "Nanming District Administration for Market Regulation" in html
    assert untranslated(html, people=people) == []
