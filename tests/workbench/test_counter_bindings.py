"""At the counter, a question the e-licence library answers is answered by it and not asked (issue 12:
是否已取得营业执照 was preset to 否 for a firm the library knows); see also tests/applications/test_answers.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onego.accounts.models import Role
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


def test_a_firm_the_library_knows_is_shown_as_licensed_not_asked(clerk: Client) -> None:
    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "好味道餐饮有限公司")
    html = page(clerk.get("/workbench/counter/start/?region=520102&package=open-restaurant"))
    assert licence_question(html) == ""
    assert re.search(r"是否已取得营业执照</span>：<strong>是</strong>", html)
    assert "已从电子证照库确认" in html


def test_a_firm_without_a_licence_in_the_library_is_shown_as_not_licensed(clerk: Client) -> None:
    html = page(clerk.get("/workbench/counter/start/?region=520102&package=open-restaurant"))
    assert re.search(r"是否已取得营业执照</span>：<strong>否</strong>", html)


def test_with_the_library_down_the_question_is_asked_without_a_preset(clerk: Client) -> None:
    from onego.registries.gateway import set_registry_available

    set_registry_available(code="elicence", available=False)
    html = page(clerk.get("/workbench/counter/start/?region=520102&package=open-restaurant"))
    assert 'name="q_has_licence"' in html
    assert licence_question(html) == ""  # the test package declares no default
