"""English walk of what follows a submission (issue 15): 我的办件, the applicant's case page, and the
workbench pages staff use on it (counter case page, inbox, officer's review page), on the starter catalog,
in English, with no Chinese left except people's names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from onego.accounts.models import Role
from onego.cases.models import Case, SubCase
from onego.cases.services.acceptance import case_accept
from onego.cases.services.submission import ApplicantIn, ContactIn, case_submit
from onego.demo.feedback import ANSWERS, DROP, PACKAGE, paper_copies
from onego.registries.demo_identities import demo_identity
from tests.cases.factories import make_staff
from tests.portal.applicants import last_code
from tests.portal.test_english import english, starter, untranslated  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_chinese() -> Iterator[None]:
    # The test client's requests leave English active on this thread (LocaleMiddleware never resets it).
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _accepted_case(clerk: Any, name: str, key: str, phone: str) -> Case:
    result = case_submit(
        actor=clerk,
        package_code=PACKAGE,
        region_code="520102",
        applicant=ApplicantIn(kind="person", identifier=key, name=name),
        idempotency_key="english-walk-1",
        channel="counter",
        answers=ANSWERS,
        drop=DROP,
        form_data={
            "person.name": name,
            "person.id_number": key,
            "person.gender": "男" if int(key[16]) % 2 else "女",
            "person.ethnicity": "汉族",
            "person.phone": phone,
            "social_security_card.delivery": "网点领取",
            "bank.name": "中国建设银行",
            "address.detail": "贵阳市南明区花果园大街1号",
            "address.recipient": name,
        },
        contact=ContactIn(phone=phone),
        materials=paper_copies(),
    )
    return case_accept(actor=clerk, case_id=result.case.pk)


def _staff(user: Any) -> Client:
    client = english()
    client.force_login(user)
    return client


def test_my_cases_and_the_case_page_read_in_english(starter: None) -> None:  # noqa: F811
    wang = demo_identity("王芳")
    clerk = make_staff("english-clerk", "nm-government-service", Role.CLERK)
    case = _accepted_case(clerk, wang.name, wang.key, wang.phone)
    people = frozenset({wang.name, wang.name[0]})
    applicant = english()
    applicant.post("/login/", {"id_number": wang.key, "next": "/me/cases/"})
    applicant.post("/login/code/", {"code": last_code(wang.phone)})
    found: dict[str, list[str]] = {}
    for url in ("/me/cases/", f"/me/cases/{case.pk}/"):
        response = applicant.get(url)
        assert response.status_code == 200, url
        if left := untranslated(response.content.decode(), people=people):
            found[url] = left[:8]
    page = applicant.get(f"/me/cases/{case.pk}/").content.decode()
    assert "You submitted the application" in page
    assert "Accepted at the service window" in page
    assert found == {}


def test_the_workbench_pages_read_in_english(starter: None) -> None:  # noqa: F811
    wang = demo_identity("王芳")
    clerk = make_staff("english-clerk", "nm-government-service", Role.CLERK)
    case = _accepted_case(clerk, wang.name, wang.key, wang.phone)
    people = frozenset({wang.name, wang.name[0]})
    # What the applicant typed in free-text fields (民族, 开户银行) is shown as written, like names.
    typed = frozenset({"汉族", "中国建设银行"})
    found: dict[str, list[str]] = {}
    response = _staff(clerk).get(f"/workbench/counter/cases/{case.pk}/")
    assert response.status_code == 200
    if left := untranslated(response.content.decode(), people=people | typed):
        found["counter"] = left[:8]
    # Every item's officer: the inbox (with the item pending or waiting on its prerequisite) and the review page.
    subs = SubCase.objects.filter(case=case, kind="item", department__isnull=False).select_related(
        "department"
    )
    assert subs.count() >= 2
    for n, sub in enumerate(subs.order_by("code")):
        assert sub.department is not None
        officer = _staff(make_staff(f"english-officer-{n}", sub.department.code, Role.OFFICER))
        for name, url in (("inbox", "/workbench/inbox/"), ("review", f"/workbench/subcases/{sub.pk}/")):
            response = officer.get(url)
            assert response.status_code == 200, url
            if left := untranslated(response.content.decode(), people=people | typed):
                found[f"{name} {sub.code}"] = left[:8]
    assert found == {}
