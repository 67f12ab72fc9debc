"""Who a staff user is: their active memberships, read once per request or service call.

Nothing here is cached beyond the `Staff` value a caller holds: a revoked membership counts from the
next read, so a caller keeps a `Staff` for one action (a request, a service call) and passes it down
instead of reading it again, and never keeps it longer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists

from onego.accounts.models import DECIDING_ROLES, Membership, Role


@dataclass(frozen=True)
class StaffSeat:
    """One active membership, flattened: department id/code/name, its region code, the role."""

    department_id: Any
    department_code: str
    department_name: str
    region_code: str
    role: Role


@dataclass(frozen=True)
class Staff:
    """Everything access checks need to know about a user, in memory."""

    user_id: Any
    seats: tuple[StaffSeat, ...]

    def departments(self, roles: Iterable[Role] | None = None) -> set[Any]:
        wanted = set(roles) if roles is not None else None
        return {s.department_id for s in self.seats if wanted is None or s.role in wanted}

    def has(self, department_id: Any, roles: Iterable[Role]) -> bool:
        wanted = set(roles)
        return any(s.department_id == department_id and s.role in wanted for s in self.seats)

    def can_decide_for(self, department_id: Any) -> bool:
        return self.has(department_id, DECIDING_ROLES)

    def regions(self, roles: Iterable[Role]) -> set[str]:
        wanted = set(roles)
        return {s.region_code for s in self.seats if s.role in wanted}

    @property
    def is_staff(self) -> bool:
        return bool(self.seats)


def staff_of(user: Any) -> Staff:
    """The user's active memberships; an anonymous or unknown user has none. One query.

    Only the five values a seat holds are read (no model instances): this runs on every staff
    request and on many service calls.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return Staff(user_id=None, seats=())
    rows = (
        Membership.objects.filter(user=user, active=True)
        .order_by("department__code", "role")
        .values_list(
            "department_id", "department__code", "department__name", "department__region__code", "role"
        )
    )
    return Staff(
        user_id=user.pk,
        seats=tuple(
            StaffSeat(
                department_id=department_id,
                department_code=code,
                department_name=name,
                region_code=region_code,
                role=Role(role),
            )
            for department_id, code, name, region_code, role in rows
        ),
    )


def holds_role(user: Any, department: Any, roles: Iterable[Role]) -> Exists:
    """An EXISTS expression: `user` holds one of `roles`, actively, in `department`.

    `department` is a department id or an `OuterRef` to one, so a query that reads a row with a
    department (a sub-case) learns in the same statement whether the user decides for it, without
    reading the user's memberships first. The caller checks that the user is signed in.
    """
    return Exists(
        Membership.objects.filter(
            user_id=user.pk, department_id=department, role__in=list(roles), active=True
        )
    )


def members_of(department_id: Any, roles: Iterable[Role]) -> list[Any]:
    """Active users of a department holding one of `roles` (for notifications and reassignment)."""
    return [
        m.user
        for m in Membership.objects.filter(department_id=department_id, role__in=list(roles), active=True)
        .select_related("user")
        .order_by("user__username")
    ]
