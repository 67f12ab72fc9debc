"""The duplicate guard's selector: open applications for the same subject (cases/applications.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from onego.cases.applications import DuplicateApplication, open_applications, refuse_duplicate, subject_of
from onego.cases.services.submission import ApplicantIn, case_withdraw
from onego.core.validators import id_number_check_char
from tests.cases.factories import PERSON_ID, full_form, submit

pytestmark = pytest.mark.django_db

OTHER_ID = "11010519491231002"
OTHER_ID += id_number_check_char(OTHER_ID)


def test_the_same_applicant_and_package_is_found_and_the_retry_is_not(staff: Any) -> None:
    case = submit(staff.clerk, key="dup-key-00001").case
    found = open_applications(package_code="open-restaurant", applicant_kind="person", identifier=PERSON_ID)
    assert [(f.case_id, f.reason) for f in found] == [(case.pk, "同一申请人")]
    # The submission being retried is not a duplicate of itself; another package is not the same subject.
    assert (
        open_applications(
            package_code="open-restaurant",
            applicant_kind="person",
            identifier=PERSON_ID,
            idempotency_key="dup-key-00001",
        )
        == []
    )
    assert open_applications(package_code="open-farm", applicant_kind="person", identifier=PERSON_ID) == []


def test_the_same_enterprise_is_found_whoever_applies(staff: Any) -> None:
    case = submit(staff.clerk, key="dup-key-00002").case
    found = open_applications(
        package_code="open-restaurant",
        applicant_kind="person",
        identifier=OTHER_ID,
        form_data={"enterprise.uscc": full_form()["enterprise.uscc"]},
    )
    assert [(f.case_id, f.reason) for f in found] == [(case.pk, "同一企业")]


def test_a_closed_application_does_not_count(staff: Any) -> None:
    case = submit(staff.clerk, key="dup-key-00003").case
    case_withdraw(actor=staff.clerk, case_id=case.pk, reason="申请人不再需要")
    assert (
        open_applications(package_code="open-restaurant", applicant_kind="person", identifier=PERSON_ID) == []
    )


def test_refusal_names_the_existing_case_and_its_id(staff: Any) -> None:
    case = submit(staff.clerk, key="dup-key-00004").case
    with pytest.raises(DuplicateApplication) as err:
        refuse_duplicate(package_code="open-restaurant", applicant_kind="person", identifier=PERSON_ID)
    assert err.value.as_dict()["existing_id"] == str(case.pk)
    assert case.reference in err.value.message
    assert err.value.field == "confirm_duplicate"


def test_the_same_newborn_is_one_subject_whichever_parent_applies() -> None:
    mother = {
        "mother.id_number": "52010219940308002x",
        "newborn.birth_date": dt.date(2026, 2, 27).isoformat(),
    }
    same = {"mother.id_number": "52010219940308002X", "newborn.birth_date": "2026-02-27"}
    assert subject_of(mother) == subject_of(same)
    assert subject_of(mother) is not None
    assert subject_of(mother)[0] == "同一新生儿"  # type: ignore[index]
    assert subject_of({"mother.id_number": "x"}) is None  # the birth date is part of who the baby is


def test_the_submission_itself_stays_idempotent(staff: Any) -> None:
    first = submit(staff.clerk, key="dup-key-00005")
    again = submit(staff.clerk, key="dup-key-00005", applicant=ApplicantIn("person", PERSON_ID, "张三"))
    assert again.case.pk == first.case.pk
    assert not again.created
