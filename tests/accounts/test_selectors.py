from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef
from pytest_django import DjangoAssertNumQueries

from onego.accounts.models import Membership, Role
from onego.accounts.selectors import StaffSeat, holds_role, members_of, staff_of
from onego.catalog.models import Department


@pytest.mark.django_db
def test_staff_of_lists_active_memberships(small_catalog: Path) -> None:
    user = get_user_model().objects.create_user(username="wang", password=None)
    market = Department.objects.get(code="nm-scjg")
    fire = Department.objects.get(code="gy-xf")
    Membership.objects.create(user=user, department=market, role=Role.OFFICER)
    Membership.objects.create(user=user, department=fire, role=Role.SUPERVISOR, active=False)
    staff = staff_of(user)
    assert [(s.department_code, s.role, s.region_code) for s in staff.seats] == [
        ("nm-scjg", "officer", "520102")
    ]
    assert staff.can_decide_for(market.pk)
    assert not staff.can_decide_for(fire.pk)
    assert members_of(market.pk, [Role.OFFICER]) == [user]
    assert not staff_of(AnonymousUser()).is_staff


@pytest.mark.django_db
def test_staff_of_is_one_query_and_sees_a_revocation_on_the_next_read(
    small_catalog: Path, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    user = get_user_model().objects.create_user(username="li", password=None)
    market = Department.objects.get(code="nm-scjg")
    seat = Membership.objects.create(user=user, department=market, role=Role.LEAD_OFFICER)
    with django_assert_num_queries(1):
        staff = staff_of(user)
    assert staff.seats == (
        StaffSeat(
            department_id=market.pk,
            department_code="nm-scjg",
            department_name=market.name,
            region_code="520102",
            role=Role.LEAD_OFFICER,
        ),
    )
    seat.active = False
    seat.save()
    assert staff.can_decide_for(market.pk)  # a value read once: the caller keeps it for one action
    assert not staff_of(user).is_staff
    with django_assert_num_queries(0):
        assert staff_of(None).seats == ()


@pytest.mark.django_db
def test_holds_role_asks_in_the_same_statement_for_active_seats_only(small_catalog: Path) -> None:
    user = get_user_model().objects.create_user(username="zhao", password=None)
    market = Department.objects.get(code="nm-scjg")
    fire = Department.objects.get(code="gy-xf")
    Membership.objects.create(user=user, department=market, role=Role.OFFICER)
    Membership.objects.create(user=user, department=fire, role=Role.OFFICER, active=False)
    decides = Department.objects.annotate(
        decides=holds_role(user, OuterRef("pk"), [Role.OFFICER, Role.LEAD_OFFICER])
    ).filter(code__in=["nm-scjg", "gy-xf"])
    assert dict(decides.values_list("code", "decides")) == {"nm-scjg": True, "gy-xf": False}
    assert Department.objects.filter(holds_role(user, market.pk, [Role.OFFICER])).exists()
    assert not Department.objects.filter(holds_role(user, market.pk, [Role.CLERK])).exists()
