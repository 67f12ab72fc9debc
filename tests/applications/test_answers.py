"""Questions the e-licence library answers are answered by it, not asked (issue 12, deliver 3/4):
online (the wizard) and at the counter, both through `onego.applications.answers`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from onego.accounts.models import Role
from onego.applications.answers import LIBRARY, apply_known, library_answers
from onego.applications.drafts import draft_answer
from onego.applications.models import ApplicationDraft
from onego.cases.models import Case
from onego.core.errors import ValidationFailed
from onego.registries.base import Subject
from onego.registries.gateway import set_registry_available
from tests.cases.factories import ENTERPRISE_USCC, cases_package, import_cases_catalog, make_staff
from tests.exchange.factories import restaurant_contract
from tests.exchange.people import business_licence_for
from tests.portal.applicants import contact, person, sign_in, start
from tests.portal.conftest import data_dir  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


@pytest.fixture
def bound(db: None, tmp_path: Path, monday_morning: object) -> None:
    package = cases_package()
    package["questions"][0]["bind"] = "licence:business_licence"  # 是否已取得营业执照
    import_cases_catalog(tmp_path, [package])
    restaurant_contract()


def text(response: object) -> str:
    return str(response.content.decode())  # type: ignore[attr-defined]


# --- the service ---------------------------------------------------------------------------------------


def test_the_library_answers_a_bound_question_for_a_licensed_firm(bound: None) -> None:
    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "好味道餐饮有限公司")
    known = library_answers(
        package_code="open-restaurant", applicant_kind="enterprise", identifier=ENTERPRISE_USCC
    )
    assert {k: (v.value, v.source_name) for k, v in known.items()} == {"has_licence": (True, LIBRARY)}


def test_a_known_answer_wins_over_what_was_posted(bound: None) -> None:
    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "好味道餐饮有限公司")
    known = library_answers(
        package_code="open-restaurant", applicant_kind="enterprise", identifier=ENTERPRISE_USCC
    )
    assert apply_known({"has_licence": "false", "floor_area": "80"}, known) == {
        "has_licence": True,
        "floor_area": "80",
    }


def test_with_the_library_down_nothing_is_known(bound: None) -> None:
    set_registry_available(code="elicence", available=False)
    assert (
        library_answers(
            package_code="open-restaurant", applicant_kind="enterprise", identifier=ENTERPRISE_USCC
        )
        == {}
    )


# --- online: the wizard --------------------------------------------------------------------------------


def test_online_the_licence_question_is_answered_by_the_library_and_not_asked(
    bound: None, client: Client
) -> None:
    sign_in(client, person("王小红"))  # holds a business licence in the library
    base = start(client)
    assert client.get(base)["Location"] == f"{base}questions/1/"
    first = text(client.get(f"{base}questions/1/"))
    assert "经营场所建筑面积" in first  # the only question asked
    assert "问题 1 / 1" in first
    assert 'name="answer" value="true"' not in first
    assert "是否已取得营业执照" in first
    assert "已从电子证照库确认" in first
    draft = ApplicationDraft.objects.get()
    assert draft.answers == {"has_licence": True}
    assert draft.answered_by == {"has_licence": LIBRARY}


def test_online_an_unlicensed_applicant_is_answered_no_by_the_library(bound: None, client: Client) -> None:
    sign_in(client, person("王小红", licence=False))
    base = start(client)
    client.get(base)
    assert ApplicationDraft.objects.get().answers == {"has_licence": False}
    assert "问题 1 / 1" in text(client.get(f"{base}questions/1/"))


def test_online_the_applicant_cannot_answer_against_the_library(bound: None, client: Client) -> None:
    sign_in(client, person("王小红"))
    base = start(client)
    client.get(base)
    draft = ApplicationDraft.objects.get()
    with pytest.raises(ValidationFailed) as refused:
        draft_answer(draft=draft, ident="has_licence", raw="false")
    assert refused.value.field == "has_licence"
    assert "电子证照库" in refused.value.message
    assert ApplicationDraft.objects.get().answers == {"has_licence": True}


def test_online_the_case_is_filed_with_the_librarys_answer(bound: None, client: Client) -> None:
    sign_in(client, person("王小红"))
    base = start(client)
    client.get(base)
    assert client.post(f"{base}questions/1/", {"answer": "100"})["Location"] == f"{base}contact/"
    contact(client, base)
    client.get(f"{base}consent/")
    case = Case.objects.get()
    assert case.answers["has_licence"] is True
    assert "已从电子证照库确认" in text(client.get(f"{base}contact/"))


def test_online_with_the_library_down_the_question_is_asked(bound: None, client: Client) -> None:
    sign_in(client, person("王小红"))
    set_registry_available(code="elicence", available=False)
    base = start(client)
    first = text(client.get(f"{base}questions/1/"))
    assert "是否已取得营业执照" in first
    assert "问题 1 / 2" in first
    assert "已从电子证照库确认" not in first


# --- at the counter --------------------------------------------------------------------------------------


@pytest.fixture
def clerk(bound: None) -> Client:
    client = Client()
    client.force_login(make_staff("clerk", "nm-zwfw", Role.CLERK))
    client.post(
        "/workbench/counter/", {"kind": "enterprise", "key": ENTERPRISE_USCC, "name": "好味道餐饮有限公司"}
    )
    client.post("/workbench/counter/applicant/", {"name": "好味道餐饮有限公司"})  # no register knows the firm
    return client


START = "/workbench/counter/start/?region=520102&package=open-restaurant"


def test_at_the_counter_a_known_firm_is_shown_as_licensed_not_asked(clerk: Client) -> None:
    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "好味道餐饮有限公司")
    html = text(clerk.get(START))
    assert 'name="q_has_licence"' not in html
    assert "已从电子证照库确认" in html


def test_at_the_counter_a_posted_answer_against_the_library_is_ignored(clerk: Client) -> None:
    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "好味道餐饮有限公司")
    response = clerk.post(
        "/workbench/counter/start/",
        {
            "region": "520102",
            "package": "open-restaurant",
            "idempotency_key": "counter-licence-0001",
            "q_has_licence": "false",  # forged: the library says the firm holds one
            "q_floor_area": "80",
            "phone": "13812345678",
            "delivery_method": "electronic",
        },
    )
    assert response.status_code == 302, text(response)[text(response).find("error") :][:600]
    assert Case.objects.get().answers["has_licence"] is True


def test_at_the_counter_with_the_library_down_the_question_is_asked(clerk: Client) -> None:
    set_registry_available(code="elicence", available=False)
    html = text(clerk.get(START))
    assert 'name="q_has_licence"' in html
    assert "已从电子证照库确认" not in html
