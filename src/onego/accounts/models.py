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


# --- staff sign-in: failed attempts and lockouts (onego.accounts.login, SECURITY.md) ------------------


class LoginFailure(BaseModel):
    """One wrong password, kept until the account signs in or the failures turn into a lockout.

    The username is stored as typed (it may name no account: counting those too keeps a guesser
    from learning which names exist), the address as the request's REMOTE_ADDR.
    """

    username = models.CharField("用户名", max_length=150, db_index=True)
    address = models.GenericIPAddressField("客户端地址", null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "登录失败 Login failure"


class LockoutScope(models.TextChoices):
    ACCOUNT = "account", "账号"
    ADDRESS = "address", "客户端地址"


class LoginLockout(BaseModel):
    """An account or a client address refused sign-in until `locked_until` or an administrator's release."""

    scope = models.CharField("范围", max_length=10, choices=LockoutScope.choices)
    key = models.CharField("账号或地址", max_length=150, db_index=True)
    failures = models.PositiveIntegerField("失败次数")
    locked_until = models.DateTimeField("锁定至")
    released_at = models.DateTimeField("解除时间", null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="解除人",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "登录锁定 Login lockout"

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key} → {self.locked_until:%Y-%m-%d %H:%M}"
