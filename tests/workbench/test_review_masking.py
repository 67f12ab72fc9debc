"""Officers see the granted ID number in full only while the sub-case is theirs to handle."""

from __future__ import annotations

import datetime as dt

import pytest

from onego.cases.models import SubCase
from onego.cases.services.submission import case_withdraw
from onego.cases.workflow import CaseStatus, SubCaseStatus
from onego.core.pii import mask_id_number
from onego.exchange.services import contract_publish
from onego.workbench.selectors import officer_sees_in_full
from tests.cases.factories import PERSON_ID, subcase
from tests.workbench.conftest import People, accepted_case, page, signed_in

pytestmark = pytest.mark.django_db
MASKED = mask_id_number(PERSON_ID)


@pytest.fixture
def granted(people: People) -> None:
    contract_publish(
        code="dept.market_regulation",
        consumer_kind="department_type",
        consumer_code="market_regulation",
        purpose="受理、审核本部门承办的事项",
        elements=["enterprise.name", "person.id_number"],
        valid_from=dt.date(2025, 1, 1),
        published_by="admin:test",
    )


def test_a_handled_subcase_shows_the_granted_id_number_in_full(people: People, granted: None) -> None:
    case = accepted_case(people)
    html = page(
        signed_in(people.officer).get(f"/workbench/subcases/{subcase(case, 'food_business_permit').pk}/")
    )
    assert PERSON_ID in html


def test_a_withdrawn_case_shows_the_id_number_masked(people: People, granted: None) -> None:
    case = accepted_case(people)
    case_withdraw(actor=people.clerk, case_id=case.pk, reason="申请人不再开店")
    html = page(
        signed_in(people.officer).get(f"/workbench/subcases/{subcase(case, 'food_business_permit').pk}/")
    )
    assert PERSON_ID not in html
    assert MASKED in html


def test_a_subcase_still_waiting_shows_the_id_number_masked(people: People, granted: None) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    SubCase.objects.filter(pk=food.pk).update(status=SubCaseStatus.WAITING)  # as if behind a predecessor
    html = page(signed_in(people.officer).get(f"/workbench/subcases/{food.pk}/"))
    assert PERSON_ID not in html


@pytest.mark.parametrize(
    ("case_status", "subcase_status", "in_full"),
    [
        (CaseStatus.IN_PROGRESS, SubCaseStatus.CLAIMED, True),
        (CaseStatus.IN_PROGRESS, SubCaseStatus.PENDING, True),
        (CaseStatus.CONCLUDED, SubCaseStatus.APPROVED, True),
        (CaseStatus.IN_PROGRESS, SubCaseStatus.WAITING, False),
        (CaseStatus.WITHDRAWN, SubCaseStatus.CANCELLED, False),
        (CaseStatus.WITHDRAWN, SubCaseStatus.APPROVED, False),
    ],
)
def test_the_masking_rule(case_status: str, subcase_status: str, in_full: bool) -> None:
    assert officer_sees_in_full(case_status, subcase_status) is in_full
