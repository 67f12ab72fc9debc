"""The verification page behind the QR code, its API twin, and the PDF download."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from ninja.testing import TestClient

from onego.api.documents import router
from onego.cases.models import Conclusion
from onego.registries.models import Licence
from tests.cases.factories import import_cases_catalog, make_staff
from tests.cases.results_builders import ResultsStaff, concluded

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def monday() -> Iterator[None]:
    with time_machine.travel(
        dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True
    ):
        yield


@pytest.fixture
def conclusion(db: None, settings: Any, tmp_path: Path, monday: None) -> Conclusion:
    settings.MEDIA_ROOT = tmp_path / "media"
    import_cases_catalog(tmp_path)
    return concluded(ResultsStaff())


def tamper(token: str) -> str:
    head, signature = token.rsplit(".", 1)
    flipped = "A" if signature[5] != "A" else "B"
    return f"{head}.{signature[:5]}{flipped}{signature[6:]}"


def test_a_genuine_conclusion_token_shows_valid_with_the_case(client: Client, conclusion: Conclusion) -> None:
    page = client.get(f"/verify/{conclusion.document_token}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-verdict="有效"' in html
    assert conclusion.case.reference in html
    assert "开办餐饮店" in html
    assert "南明区市场监督管理局" in html
    assert "准予" in html
    assert "2026年3月2日" in html
    assert conclusion.case.applicant_display in html  # masked
    assert "南明区好味道餐饮有限公司" not in html  # the conclusion page shows the masked name only


def test_a_tampered_token_shows_invalid_with_the_reason(client: Client, conclusion: Conclusion) -> None:
    html = client.get(f"/verify/{tamper(conclusion.document_token)}").content.decode()
    assert 'data-verdict="无效"' in html
    assert "签名无效" in html
    assert conclusion.case.reference not in html
    garbage = client.get("/verify/not-a-token").content.decode()
    assert 'data-verdict="无效"' in garbage
    assert "核验码格式不正确" in garbage


def test_a_stored_document_changed_after_signing_is_invalid(client: Client, conclusion: Conclusion) -> None:
    fields = {**conclusion.document_fields, "outcome_text": "改过的结论"}
    Conclusion.objects.filter(pk=conclusion.pk).update(document_fields=fields)
    html = client.get(f"/verify/{conclusion.document_token}").content.decode()
    assert 'data-verdict="无效"' in html
    assert "文书内容与核验码不符" in html


def test_the_integrated_licence_lists_each_permit_and_its_state(
    client: Client, conclusion: Conclusion
) -> None:
    revoked = conclusion.results[0]["identifier"]
    Licence.objects.filter(identifier=revoked).update(status="revoked")
    html = client.get(f"/verify/{conclusion.licence_token}").content.decode()
    assert 'data-verdict="有效"' in html
    for r in conclusion.results:
        assert r["identifier"] in html
    assert html.count('data-permit-valid="true"') == 1
    assert html.count('data-permit-valid="false"') == 1
    assert "已注销" in html


def test_the_api_answers_the_same(conclusion: Conclusion) -> None:
    api = TestClient(router)
    ok = api.get("/documents/verify", query_params={"token": conclusion.licence_token}).json()
    assert (ok["ok"], ok["verdict"], ok["kind"]) == (True, "有效", "integrated_licence")
    assert [p["identifier"] for p in ok["permits"]] == [r["identifier"] for r in conclusion.results]
    bad = api.get("/documents/verify", query_params={"token": tamper(conclusion.document_token)}).json()
    assert (bad["ok"], bad["verdict"], bad["code"]) == (False, "无效", "bad_signature")


def test_the_pdf_downloads_for_the_cases_staff_only(client: Client, conclusion: Conclusion) -> None:
    url = f"/documents/{conclusion.case_id}/conclusion.pdf"
    assert client.get(url).status_code == 404  # anonymous
    client.force_login(make_staff("bj-clerk", "bj-zwfw", "clerk"))
    assert client.get(url).status_code == 404  # not this case's staff
    assert conclusion.issued_by is not None
    client.force_login(conclusion.issued_by)
    page = client.get(url)
    assert page.status_code == 200
    assert page.getvalue().startswith(b"%PDF")
    assert client.get(f"/documents/{conclusion.case_id}/licence.pdf").status_code == 200
    assert client.get(f"/documents/{conclusion.case_id}/other.pdf").status_code == 404
