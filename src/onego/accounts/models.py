"""Staff roles and department membership.

A user (django.contrib.auth) becomes staff of a department through a `Membership` that names the
role. One user may hold several memberships (a clerk of the service centre who also signs for the
lead department). Applicants are not modelled here yet: they sign in with the web issue; a case
records the applicant's identity itself (blind index, masked name) and, once they can sign in, the
user who submitted it.

Layering: accounts sits above catalog (a membership points at `catalog.Department`) and below
exchange and cases, which both decide access by department.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from onego.catalog.models import Department
from onego.core.models import BaseModel


class Role(models.TextChoices):
    CLERK = "clerk", "综合受理员"  # accepts any item at the comprehensive window (无差别受理)
    OFFICER = "officer", "审批人员"  # decides the department's sub-cases
    LEAD_OFFICER = "lead_officer", "牵头负责人"  # officer who also issues conclusions and reassigns
    SUPERVISOR = "supervisor", "监督员"  # reads across departments of its region, changes nothing
    ADMIN = "admin", "管理员"


# Roles that may decide sub-cases of their department.
DECIDING_ROLES = frozenset({Role.OFFICER, Role.LEAD_OFFICER})


class Membership(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    active = models.BooleanField("有效", default=True)

    class Meta:
        ordering = ["department__code", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_once"),
        ]
        verbose_name = verbose_name_plural = "部门成员 Membership"

    def __str__(self) -> str:
        return f"{self.user} @ {self.department} ({self.get_role_display()})"
