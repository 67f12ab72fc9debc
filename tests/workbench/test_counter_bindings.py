"""At the counter, a question the e-licence library answers is preset from it (issue 12: 是否已取得营业执照
was preset to 否 for a firm the library knows), and a contradicting answer is refused on its field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onego.accounts.models import Role
from onego.cases.models import Case
from onego.registries.base import Subject
from tests.cases.factories import ENTERPRISE_USCC, cases_package, import_cases_catalog, make_staff
from tests.exchange.people import business_licence_for
from tests.workbench.conftest import page, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db: None, tmp_path: Path, monday_morning: Any) -> Client:
    package = cases_package()
    package["questions"][0]["bind"] = "licence:business_licence"
    import_cases_catalog(tmp_path, [package])
    client = signed_in(make_staff("clerk", "nm-zwfw", Role.CLERK))
    client.post(
        "/workbench/counter/", {"kind": "enterprise", "key": ENTERPRISE_USCC, "name": "好味道餐饮有限公司"}
    )
    return client


def licence_question(html: str) -> str:
    checked = re.search(r'name="q_has_licence" value="(true|false)" checked', html)
    return checked.group(1) if checked else ""


def test_a_firm_the_library_knows_is_preset_as_licensed(clerk: Client) -> None:
    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "好味道餐饮有限公司")
    html = page(clerk.get("/workbench/counter/start/?region=520102&package=open-restaurant"))
    assert licence_question(html) == "true"


def test_a_firm_without_a_licence_in_the_library_is_preset_as_not_licensed(clerk: Client) -> None:
    html = page(clerk.get("/workbench/counter/start/?region=520102&package=open-restaurant"))
    assert licence_question(html) == "false"


def test_with_the_library_down_the_packages_default_stands(clerk: Client) -> None:
    from onego.registries.gateway import set_registry_available

    set_registry_available(code="elicence", available=False)
    html = page(clerk.get("/workbench/counter/start/?region=520102&package=open-restaurant"))
    assert licence_question(html) == ""  # the test package declares no default


def test_answering_no_for_a_licensed_firm_is_refused_on_the_field(clerk: Client) -> None:
    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "好味道餐饮有限公司")
    response = clerk.post(
        "/workbench/counter/start/",
        {
            "region": "520102",
            "package": "open-restaurant",
            "idempotency_key": "counter-licence-0001",
            "q_has_licence": "false",
            "q_floor_area": "80",
            "phone": "13812345678",
            "delivery_method": "electronic",
        },
    )
    assert response.status_code == 400
    assert "营业执照" in page(response)
    assert not Case.objects.exists()
