from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from onego.accounts.models import Membership, Role
from onego.accounts.selectors import members_of, staff_of
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
