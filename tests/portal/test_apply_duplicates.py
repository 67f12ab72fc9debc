"""The portal's start page shows the applicant's open application of the same package (made at the
counter, through the API or in an earlier draft) with a link, before a new one starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from onego.cases.services.submission import ApplicantIn
from tests.cases.factories import import_cases_catalog, make_staff, submit
from tests.portal.applicants import person, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


def test_an_open_application_from_the_counter_is_shown_with_a_link(
    client: Client, db: None, tmp_path: Path
) -> None:
    import_cases_catalog(tmp_path)
    applicant = person("王小红")
    clerk = make_staff("clerk", "nm-zwfw", "clerk")
    case = submit(
        clerk, key="dup-portal-001", applicant=ApplicantIn("person", applicant.id_number, "王小红")
    ).case
    sign_in(client, applicant)
    html = client.get("/packages/open-restaurant/apply/?region=520102").content.decode()
    assert 'id="open-applications"' in html
    assert f'href="/me/cases/{case.pk}/"' in html
    assert case.reference in html


def test_nothing_is_shown_without_one(client: Client, db: None, tmp_path: Path) -> None:
    import_cases_catalog(tmp_path)
    sign_in(client, person("王小红"))
    html = client.get("/packages/open-restaurant/apply/?region=520102").content.decode()
    assert 'id="open-applications"' not in html
