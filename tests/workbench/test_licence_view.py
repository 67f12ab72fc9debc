"""The e-licence view (亮证) for staff: only through a case they may see that produced it; the holder's
code in full for the region's window clerk, masked for officers (ADR 0008)."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from onego.cases.models import Conclusion
from onego.core.pii import mask_uscc
from tests.cases.factories import ENTERPRISE_USCC, import_cases_catalog, make_staff
from tests.cases.results_builders import ENTERPRISE_NAME, ResultsStaff, concluded

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def monday() -> Iterator[None]:
    with time_machine.travel(
        dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True
    ):
        yield


@pytest.fixture
def staff(db: None, settings: Any, tmp_path: Path, monday: None) -> ResultsStaff:
    settings.MEDIA_ROOT = tmp_path / "media"
    import_cases_catalog(tmp_path)
    return ResultsStaff()


@pytest.fixture
def conclusion(staff: ResultsStaff) -> Conclusion:
    return concluded(staff)


def _url(conclusion: Conclusion, identifier: str, pdf: bool = False) -> str:
    return f"/workbench/cases/{conclusion.case_id}/licences/{identifier}/" + ("licence.pdf" if pdf else "")


def test_an_officer_sees_the_licence_with_the_holder_code_masked(
    client: Client, staff: ResultsStaff, conclusion: Conclusion
) -> None:
    row = conclusion.results[0]
    client.force_login(staff.officer)
    html = client.get(_url(conclusion, row["identifier"])).content.decode()
    assert row["name"] in html
    assert ENTERPRISE_NAME in html  # an enterprise's name is public (营业执照)
    assert mask_uscc(ENTERPRISE_USCC) in html
    assert ENTERPRISE_USCC not in html
    assert "<svg" in html
    pdf = client.get(_url(conclusion, row["identifier"], pdf=True))
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert ENTERPRISE_USCC not in text
    assert mask_uscc(ENTERPRISE_USCC) in text


def test_the_window_clerk_of_the_region_sees_the_holder_in_full(
    client: Client, staff: ResultsStaff, conclusion: Conclusion
) -> None:
    client.force_login(staff.clerk)
    html = client.get(_url(conclusion, conclusion.results[0]["identifier"])).content.decode()
    assert ENTERPRISE_USCC in html


def test_staff_outside_the_case_and_licences_outside_it_are_not_found(
    client: Client, staff: ResultsStaff, conclusion: Conclusion
) -> None:
    client.force_login(make_staff("bj-clerk", "bj-zwfw", "clerk"))
    assert client.get(_url(conclusion, conclusion.results[0]["identifier"])).status_code == 404
    client.force_login(staff.officer)
    assert client.get(_url(conclusion, "1.2.156.3005.2.NOT-THIS-CASE")).status_code == 404


def test_the_conclusion_page_links_each_licence(
    client: Client, staff: ResultsStaff, conclusion: Conclusion
) -> None:
    client.force_login(staff.lead)
    html = client.get(f"/workbench/lead/cases/{conclusion.case_id}/").content.decode()
    for row in conclusion.results:
        assert _url(conclusion, row["identifier"]) in html
