"""Who may see a case: the same NotFound for a missing case and someone else's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from onego.cases.access import access_case_by_id, region_contains
from onego.cases.services.acceptance import case_accept
from onego.core.errors import NotFound
from tests.cases.factories import make_staff, submit

pytestmark = pytest.mark.django_db


def test_regions_contain_their_subdivisions() -> None:
    assert region_contains("520000", "520102")
    assert region_contains("520100", "520102")
    assert region_contains("520102", "520102")
    assert not region_contains("520500", "520102")
    assert not region_contains("520102", "520100")


def test_missing_and_not_yours_are_the_same_error(staff: Any) -> None:
    case = submit(staff.clerk).case
    stranger = make_staff("tobacco", "gz-yc", "officer")
    with pytest.raises(NotFound) as not_yours:
        access_case_by_id(stranger, case.pk)
    with pytest.raises(NotFound) as missing:
        access_case_by_id(stranger, uuid.uuid4())
    with pytest.raises(NotFound) as garbage:
        access_case_by_id(stranger, "not-a-uuid")
    assert not_yours.value.as_dict() == missing.value.as_dict() == garbage.value.as_dict()


def test_clerks_and_supervisors_see_cases_of_their_region(staff: Any) -> None:
    case = submit(staff.clerk).case
    assert access_case_by_id(staff.supervisor, case.pk) == case
    with pytest.raises(NotFound):
        access_case_by_id(staff.other_clerk, case.pk)


def test_departments_see_cases_they_have_a_part_in(staff: Any) -> None:
    case = submit(staff.clerk).case
    with pytest.raises(NotFound):
        access_case_by_id(staff.fire, case.pk)  # nothing distributed yet
    case_accept(actor=staff.clerk, case_id=case.pk)
    assert access_case_by_id(staff.fire, case.pk) == case  # its (waiting) sub-case is in the case
    assert access_case_by_id(staff.lead, case.pk) == case


def test_an_applicant_sees_only_their_own_case(staff: Any) -> None:
    applicant = get_user_model().objects.create_user(username="zhangsan", password=None)
    other = get_user_model().objects.create_user(username="lisi", password=None)
    case = submit(applicant, channel="web").case
    assert case.applicant_user == applicant
    assert access_case_by_id(applicant, case.pk) == case
    with pytest.raises(NotFound):
        access_case_by_id(other, case.pk)
    with pytest.raises(NotFound):
        access_case_by_id(None, case.pk)


def test_a_counter_case_is_followed_online_by_the_applicants_identity(staff: Any) -> None:
    from onego.cases.access import access_case_for_applicant
    from onego.cases.identity import blind_index
    from onego.cases.selectors import cases_of_applicant
    from tests.cases.factories import PERSON_ID

    case = submit(staff.clerk, channel="counter").case
    mine = blind_index("person", PERSON_ID)
    assert access_case_for_applicant(mine, case.pk) == case
    assert list(cases_of_applicant(mine)) == [case]
    with pytest.raises(NotFound):
        access_case_for_applicant(blind_index("person", "11010519491231002X"), case.pk)
    with pytest.raises(NotFound):
        access_case_for_applicant("", case.pk)


def test_region_prefixes_follow_the_code_structure() -> None:
    from onego.cases.access import region_prefix

    assert (region_prefix("520000"), region_prefix("520100"), region_prefix("520110")) == (
        "52",
        "5201",
        "520110",
    )
