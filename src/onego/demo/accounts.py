"""Demo logins for `make run`. Development only: the passwords are public in the README."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    url: str


DEMO_LOGINS = (
    DemoLogin(
        "admin",
        "onego-demo-admin",
        "服务中心管理员 service-centre administrator (catalog, packages)",
        "/admin/",
    ),
)


@transaction.atomic
def ensure_demo_logins() -> list[DemoLogin]:
    User = get_user_model()
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(username=login.username)
        if created:
            user.set_password(login.password)
            user.is_staff = user.is_superuser = login.username == "admin"
            user.save()
    return list(DEMO_LOGINS)
