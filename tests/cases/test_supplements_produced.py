"""补正 cannot change what a registry produced: the code the business licence's approval assigned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onego.cases.models import Case, Material, SubCase, Supplement, SupplementStatus
from onego.cases.services.decisions import subcase_claim
from onego.cases.services.supplements import (
    SupplementItemIn,
    subcase_request_supplement,
    supplement_answer,
)
from onego.cases.workflow import CaseStatus, SubCaseStatus
from onego.core.errors import ValidationFailed
from onego.core.validators import make_uscc
from tests.cases.factories import subcase
from tests.cases.results_builders import ResultsStaff, decide
from tests.cases.test_produced import load, restaurant_case, uscc_of

pytestmark = pytest.mark.django_db

OTHER_USCC = make_uscc("520102", "MA7Q2W3E")
REFUSED = "“统一社会信用代码”由市场主体库在事项准予时赋予，已核验，不能通过补正修改"


@pytest.fixture
def staff(db: None, tmp_path: Path, settings: Any) -> ResultsStaff:
    settings.MEDIA_ROOT = tmp_path / "media"
    load(tmp_path)
    return ResultsStaff()


def food_claimed(staff: ResultsStaff) -> tuple[Case, SubCase]:
    """The business licence approved (its code assigned), the food permit claimed by its officer."""
    case = restaurant_case(staff)
    decide(case, "business_licence", staff.officer)
    food = subcase(case, "food_business_permit")
    subcase_claim(actor=staff.officer2, subcase_id=food.pk)
    return case, food


@pytest.fixture
def case(staff: ResultsStaff) -> Case:
    """The business licence approved (its code assigned), the food permit asking about the premises."""
    case, food = food_claimed(staff)
    subcase_request_supplement(
        actor=staff.officer2,
        subcase_id=food.pk,
        items=[SupplementItemIn("premises.area", "面积与平面图不一致，请核实")],
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT
    return case


def snapshot(case: Case) -> tuple[Any, ...]:
    row = Case.objects.get(pk=case.pk)
    return (row.form_data, row.verified, row.version, row.status, Material.objects.filter(case=case).count())


def refused_answer(staff: ResultsStaff, case: Case, **answer: Any) -> ValidationFailed:
    """The clerk's answer, refused: the case is left exactly as it was."""
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as err:
        supplement_answer(actor=staff.clerk, case_id=case.pk, **answer)
    assert snapshot(case) == before
    return err.value


def test_an_answer_that_changes_the_assigned_code_is_refused_and_nothing_is_written(
    staff: ResultsStaff, case: Case
) -> None:
    err = refused_answer(staff, case, form_data={"premises.area": 480, "enterprise.uscc": OTHER_USCC})
    assert err.field == "enterprise.uscc"
    assert err.message == REFUSED
    assert Supplement.objects.get(case=case).status == SupplementStatus.OPEN
    assert subcase(case, "food_business_permit").status == SubCaseStatus.SUPPLEMENT


def test_an_answer_that_gives_the_assigned_code_unchanged_is_accepted(
    staff: ResultsStaff, case: Case
) -> None:
    uscc = uscc_of(case)
    mark = case.verified["enterprise.uscc"]
    supplement_answer(
        actor=staff.clerk,
        case_id=case.pk,
        form_data={"premises.area": 480, "enterprise.uscc": f" {uscc.lower()} "},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.verified["enterprise.uscc"] == mark
    assert uscc_of(case) == uscc


def test_an_officer_cannot_ask_the_applicant_to_correct_the_assigned_code(staff: ResultsStaff) -> None:
    case, food = food_claimed(staff)
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as err:
        subcase_request_supplement(
            actor=staff.officer2,
            subcase_id=food.pk,
            items=[
                SupplementItemIn("premises.area", "请核实面积"),
                SupplementItemIn("enterprise.uscc", "代码有误"),
            ],
        )
    assert err.value.field == "items[1].target"
    assert err.value.message == "“统一社会信用代码”由市场主体库在事项准予时赋予，不能要求申请人补正"
    assert snapshot(case) == before
    assert not Supplement.objects.filter(case=case).exists()
    assert subcase(case, "food_business_permit").status == SubCaseStatus.CLAIMED
