"""Staff sign-in throttling: failed passwords counted per account and per client address.

`ONEGO_LOGIN_ACCOUNT_FAILURES` wrong passwords for one username, or `ONEGO_LOGIN_ADDRESS_FAILURES`
from one address, within `ONEGO_LOGIN_WINDOW_MINUTES` lock that account or address for
`ONEGO_LOGIN_LOCKOUT_MINUTES`. While locked, even the right password is refused. A lockout is a row
(`LoginLockout`) administrators see in the admin and can release; time releases it too. A successful
sign-in forgets the account's failures (not the address's: one right password must not reset a
guesser working through many names from one address).

`StaffAuthenticationForm` is the one sign-in form for staff (workbench and admin): it asks here first,
then Django's authentication.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onego.accounts.models import LockoutScope, LoginFailure, LoginLockout
from onego.core import clock


def client_address(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR as the server saw it (a proxy in front must set it; headers a client sends are not trusted)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def active_lockout(*, username: str, address: str | None) -> LoginLockout | None:
    """The lockout that refuses this attempt now, if any (account first, then address)."""
    now = clock.now()
    current = LoginLockout.objects.filter(locked_until__gt=now, released_at__isnull=True)
    found = current.filter(scope=LockoutScope.ACCOUNT, key=_norm(username)).order_by("-locked_until").first()
    if found is None and address:
        found = current.filter(scope=LockoutScope.ADDRESS, key=address).order_by("-locked_until").first()
    return found


@transaction.atomic
def record_failure(*, username: str, address: str | None) -> LoginLockout | None:
    """Count one wrong password; lock the account and/or the address when a limit is reached."""
    now = clock.now()
    since = now - dt.timedelta(minutes=settings.ONEGO_LOGIN_WINDOW_MINUTES)
    until = now + dt.timedelta(minutes=settings.ONEGO_LOGIN_LOCKOUT_MINUTES)
    name = _norm(username)
    LoginFailure.objects.create(username=name, address=address)
    LoginFailure.objects.filter(created_at__lt=since).delete()
    lockout = None
    by_account = LoginFailure.objects.filter(username=name, created_at__gte=since)
    count = by_account.count()
    if count >= settings.ONEGO_LOGIN_ACCOUNT_FAILURES:
        lockout = LoginLockout.objects.create(
            scope=LockoutScope.ACCOUNT, key=name, failures=count, locked_until=until
        )
        by_account.delete()  # the lockout now stands for them; after it ends, counting starts afresh
    if address:
        by_address = LoginFailure.objects.filter(address=address, created_at__gte=since)
        count = by_address.count()
        if count >= settings.ONEGO_LOGIN_ADDRESS_FAILURES:
            lockout = LoginLockout.objects.create(
                scope=LockoutScope.ADDRESS, key=address, failures=count, locked_until=until
            )
            by_address.delete()
    return lockout


def record_success(*, username: str) -> None:
    LoginFailure.objects.filter(username=_norm(username)).delete()


@transaction.atomic
def release_lockouts(*, lockouts: Iterable[LoginLockout], by: Any) -> int:
    """An administrator lifts lockouts early; the row stays, naming who released it and when."""
    ids = [lockout.pk for lockout in lockouts]
    return LoginLockout.objects.filter(pk__in=ids, released_at__isnull=True).update(
        released_at=clock.now(), released_by=by
    )


def lockout_message(lockout: LoginLockout) -> str:
    minutes = max(1, math.ceil((lockout.locked_until - clock.now()).total_seconds() / 60))
    if lockout.scope == LockoutScope.ADDRESS:
        return _(
            "此网络地址登录失败次数过多，已暂停登录，请 %(minutes)d 分钟后再试或联系服务中心管理员。"
        ) % {"minutes": minutes}
    return _("该账号密码错误次数过多，已锁定，请 %(minutes)d 分钟后再试或联系服务中心管理员解锁。") % {
        "minutes": minutes
    }


def _norm(username: str) -> str:
    return (username or "").strip()[:150]


class StaffAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with the lockout checked before the password and failures counted after."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        lockout = active_lockout(username=username, address=address)
        if lockout is not None:
            raise forms.ValidationError(lockout_message(lockout), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username and self.cleaned_data.get("password"):
                lockout = record_failure(username=username, address=address)
                if lockout is not None:
                    raise forms.ValidationError(lockout_message(lockout), code="locked") from None
            raise
        record_success(username=username)
        return cleaned
