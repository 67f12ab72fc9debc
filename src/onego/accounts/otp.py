"""The staff second factor: TOTP devices (django-otp), enrolled by scanning a QR code drawn by segno.

Whether staff must pass it is `ONEGO_STAFF_OTP_REQUIRED` (on by default when DEBUG is off; off in
development so the demo logins keep working — set ONEGO_STAFF_OTP=1 to try it locally). Who counts as
staff: a Django `is_staff` user or anyone holding an active membership.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from onego.accounts.models import Membership
from onego.core.errors import ValidationFailed

DEVICE_NAME = "工作台动态口令"


def is_staff_user(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        bool(getattr(user, "is_staff", False)) or Membership.objects.filter(user=user, active=True).exists()
    )


def second_factor_required(user: Any) -> bool:
    return bool(settings.ONEGO_STAFF_OTP_REQUIRED) and is_staff_user(user)


def is_verified(user: Any) -> bool:
    """True once this session passed the second factor (OTPMiddleware sets `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def pending_device(*, user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user; the same secret until it is confirmed)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(*, user: Any, token: str) -> TOTPDevice:
    """The first code from the authenticator app proves the secret was copied; older devices go."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationFailed("没有正在绑定的动态口令，请重新开始绑定。", field="token")
    if not _clean(token) or not device.verify_token(_clean(token)):
        raise ValidationFailed("动态口令不正确，请输入验证器当前显示的6位数字。", field="token")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def verify(*, user: Any, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts `token` now, or None (django-otp throttles repeated failures)."""
    device = confirmed_device(user)
    if device is None or not _clean(token):
        return None
    return device if device.verify_token(_clean(token)) else None


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no external service sees the secret)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, title=DEVICE_NAME))


def _clean(token: str) -> str:
    token = (token or "").strip().replace(" ", "")
    return token if token.isdigit() and 6 <= len(token) <= 8 else ""
