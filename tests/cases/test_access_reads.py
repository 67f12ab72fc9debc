"""What an access check reads: the guarded row once, the actor's memberships at most once, nothing
remembered between calls; the narrow refs for services keep the rule and the errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from pytest_django import DjangoAssertNumQueries

from onego.accounts.models import Membership
from onego.accounts.selectors import staff_of
from onego.cases.access import (
    CaseRef,
    DepartmentRef,
    RegionRef,
    SubCaseRef,
    access_case_by_id,
    access_case_ref_by_id,
    access_subcase_for_officer,
    access_subcase_ref_for_officer,
    ensure_applicant_or_clerk,
)
from onego.cases.models import Case
from onego.cases.services.acceptance import case_accept
from onego.catalog.models import Department
from onego.core.errors import NotFound, OneGoError, PermissionDenied
from tests.cases.conftest import Staff
from tests.cases.factories import make_staff, subcase, submit
from tests.cases.partner_builders import import_partner_catalog, started_case

pytestmark = pytest.mark.django_db

SUBCASE_CHECKS: list[Callable[..., Any]] = [access_subcase_for_officer, access_subcase_ref_for_officer]
CASE_CHECKS: list[Callable[..., Any]] = [access_case_by_id, access_case_ref_by_id]


@pytest.fixture
def case(staff: Staff) -> Case:
    return case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)


def refusal(check: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(OneGoError) as caught:
        check(*args, **kwargs)
    return {"type": type(caught.value).__name__, **caught.value.as_dict()}


# --- sub-cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("check", SUBCASE_CHECKS)
def test_an_officer_of_the_sub_cases_department_is_let_through_in_one_query(
    check: Callable[..., Any], staff: Staff, case: Case, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    licence = subcase(case, "business_licence")  # the lead department's own item
    fire = subcase(case, "fire_safety_inspection")  # a department the case reaches only by this item
    with django_assert_num_queries(1):
        assert check(staff.officer, licence.pk).pk == licence.pk
    with django_assert_num_queries(1):
        assert check(staff.fire, fire.pk).pk == fire.pk


@pytest.mark.parametrize("check", SUBCASE_CHECKS)
def test_with_the_callers_staff_a_sub_case_check_reads_only_the_sub_case(
    check: Callable[..., Any], staff: Staff, case: Case, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    fire = subcase(case, "fire_safety_inspection")
    seats = staff_of(staff.fire)
    with django_assert_num_queries(1):
        assert check(staff.fire, fire.pk, staff=seats).pk == fire.pk
    market = staff_of(staff.officer)
    with django_assert_num_queries(1), pytest.raises(PermissionDenied):
        check(staff.officer, fire.pk, staff=market)


def test_both_sub_case_checks_refuse_alike_and_read_the_memberships_once(
    staff: Staff, case: Case, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    fire = subcase(case, "fire_safety_inspection")
    stranger = make_staff("stranger", "gz-yc", "officer")
    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", None)
    not_theirs = "只能办理本部门的子件：“公众聚集场所投入使用营业前消防安全检查”由贵阳市消防救援支队办理"
    for check in SUBCASE_CHECKS:
        # The market officer sees the case (their department leads it), not the fire item.
        with django_assert_num_queries(2):  # the sub-case, then the memberships to word the refusal
            assert refusal(check, staff.officer, fire.pk) == {
                "type": "PermissionDenied",
                "code": "forbidden",
                "message": not_theirs,
                "field": "subcase",
            }
        # A superuser sees every case but decides for no department.
        assert refusal(check, admin, fire.pk)["message"] == not_theirs
        not_found = {"type": "NotFound", "code": "not_found", "message": "没有找到该子件", "field": "subcase"}
        assert refusal(check, stranger, fire.pk) == not_found
        assert refusal(check, stranger, uuid.uuid4()) == not_found
        assert refusal(check, stranger, "not-a-uuid") == not_found
        assert refusal(check, None, fire.pk) == not_found


def test_a_revoked_membership_counts_from_the_next_check(staff: Staff, case: Case) -> None:
    licence = subcase(case, "business_licence")
    for check in [*SUBCASE_CHECKS, *CASE_CHECKS]:
        target = licence.pk if check in SUBCASE_CHECKS else case.pk
        Membership.objects.filter(user=staff.officer).update(active=True)
        check(staff.officer, target)
        Membership.objects.filter(user=staff.officer).update(active=False)
        with pytest.raises(NotFound):
            check(staff.officer, target)


def test_a_membership_moved_to_another_department_counts_from_the_next_check(
    staff: Staff, case: Case
) -> None:
    fire = subcase(case, "fire_safety_inspection")
    assert access_subcase_ref_for_officer(staff.fire, fire.pk).pk == fire.pk
    Membership.objects.filter(user=staff.fire).update(department=Department.objects.get(code="gz-yc"))
    with pytest.raises(NotFound):
        access_subcase_ref_for_officer(staff.fire, fire.pk)


def test_the_sub_case_ref_holds_what_a_service_locks_and_names(staff: Staff, case: Case) -> None:
    licence = subcase(case, "business_licence")
    ref = access_subcase_ref_for_officer(staff.officer, licence.pk)
    market = licence.department
    assert market is not None
    assert ref == SubCaseRef(
        pk=licence.pk,
        case_id=case.pk,
        kind="item",
        name="营业执照（设立登记）",
        department=DepartmentRef(pk=market.pk, code="nm-scjg", name=market.name),
        assignee_id=None,
    )
    assert ref.department_id == licence.department_id


@pytest.fixture
def partner_staff(db: None, tmp_path: Path) -> Staff:
    import_partner_catalog(tmp_path)
    return Staff()


def test_nobody_acts_for_a_partner_on_its_step(partner_staff: Staff) -> None:
    bank = subcase(started_case(partner_staff), "bank_account")
    for check in SUBCASE_CHECKS:
        for officer in (partner_staff.officer, partner_staff.lead):
            assert (
                refusal(check, officer, bank.pk)["message"]
                == "合作机构环节由合作机构通过接口办理，部门人员不能代办"
            )
        assert refusal(check, partner_staff.fire, bank.pk)["type"] == "PermissionDenied"


# --- cases --------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", CASE_CHECKS)
def test_the_applicant_is_let_through_without_reading_memberships(
    check: Callable[..., Any], staff: Staff, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    applicant = get_user_model().objects.create_user(username="zhangsan", password=None)
    case = submit(applicant, channel="web").case
    with django_assert_num_queries(1):
        assert check(applicant, case.pk).pk == case.pk
    with django_assert_num_queries(0):
        ensure_applicant_or_clerk(applicant, case)


@pytest.mark.parametrize("check", CASE_CHECKS)
def test_with_the_callers_staff_a_case_check_is_one_query(
    check: Callable[..., Any], staff: Staff, case: Case, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    seats = staff_of(staff.clerk)
    with django_assert_num_queries(1):
        seen = check(staff.clerk, case.pk, staff=seats)
    with django_assert_num_queries(0):
        ensure_applicant_or_clerk(staff.clerk, seen, staff=seats)
    officer = staff_of(staff.officer)
    with django_assert_num_queries(0), pytest.raises(PermissionDenied):
        ensure_applicant_or_clerk(staff.officer, seen, staff=officer)


def test_both_case_checks_refuse_alike(staff: Staff, case: Case) -> None:
    stranger = make_staff("stranger", "gz-yc", "officer")
    not_found = {"type": "NotFound", "code": "not_found", "message": "没有找到该办件", "field": "case"}
    for check in CASE_CHECKS:
        assert refusal(check, stranger, case.pk) == not_found
        assert refusal(check, stranger, uuid.uuid4()) == not_found
        assert refusal(check, stranger, "not-a-uuid") == not_found
        assert refusal(check, staff.other_clerk, case.pk) == not_found  # a clerk of another region
        assert check(staff.supervisor, case.pk).pk == case.pk
        assert check(staff.fire, case.pk).pk == case.pk  # through its sub-case


def test_the_case_ref_holds_what_a_service_locks_and_names(staff: Staff, case: Case) -> None:
    ref = access_case_ref_by_id(staff.lead, case.pk)
    lead, window = case.lead_department, case.accepting_department
    assert lead is not None
    assert window is not None
    assert ref == CaseRef(
        pk=case.pk,
        applicant_user_id=None,
        region=RegionRef(code="520102", name=case.region.name),
        lead_department=DepartmentRef(pk=lead.pk, code="nm-scjg", name=lead.name),
        accepting_department=DepartmentRef(pk=window.pk, code="nm-zwfw", name="南明区政务服务中心"),
    )
    assert (ref.lead_department_id, ref.accepting_department_id) == (lead.pk, window.pk)
