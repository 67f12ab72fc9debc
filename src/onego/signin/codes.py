"""Applicant sign-in: an ID number and a one-time code sent to the mobile number the population register holds.

    challenge = code_request(id_number="5201…", client_address="203.0.113.9")
    person = code_verify(challenge_id=challenge.id, code="123456", pending=challenge.pending, …)

Codes are 6 digits, stored only as a keyed hash, valid 5 minutes, single use, 5 attempts. Requests are
limited per ID number (one per 60 s, 5 per hour) and per client address (3 per minute, 20 per hour —
looser, because a service hall or a mobile carrier puts many people behind one address); the limits
are counted from the code rows themselves, so they hold across processes.

The page says the same thing whether or not the register knows the number or holds a mobile number for
it (a code row is written either way, and no code can match one that was never sent), so the form
cannot be used to find out who is registered. Each look-up of the phone is written to the ledger as a
`registry.read` about the person, so it appears under "谁查看了我的数据".

Delivery goes through the cases app's SMS channel (`onego.cases.channels`: `ONEGO_SMS_BACKEND` = file,
the default, appending to ONEGO_DATA_DIR/sms.log, or console). With DEBUG on and the file backend, the
message is printed to the console as well, for the demo.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from onego.cases.channels import ConsoleSmsBackend, Message, channel_for, sms_backend_name
from onego.core import clock, pii
from onego.core.errors import OneGoError, ValidationFailed
from onego.core.validators import check_id_number
from onego.ledger.models import Kind
from onego.ledger.services import ledger_record
from onego.registries.gateway import RegistryUnavailable, Subject, SubjectNotFound, fetch_elements
from onego.signin.models import ApplicantAccount, OneTimeCode
from onego.signin.session import ActingSubject

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
# (window, how many requests it allows)
PER_ID_LIMITS = ((dt.timedelta(seconds=60), 1), (dt.timedelta(hours=1), 5))
PER_CLIENT_LIMITS = ((dt.timedelta(minutes=1), 3), (dt.timedelta(hours=1), 20))
SIGNIN_ACTOR = "platform:signin"
SIGNIN_PURPOSE = "申请人登录：向户籍登记的手机号码发送验证码"


class TooManyRequests(OneGoError):
    code = "rate_limited"

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


@dataclass(frozen=True)
class CodeChallenge:
    """What the sign-in page keeps between the two steps: the code row and the sealed person."""

    id: str
    pending: str  # pii token: {"key", "name", "phone"} — for the session, never shown
    expires_at: dt.datetime


def _hash(challenge_id: Any, code: str) -> str:
    return salted_hmac("onego.signin.code", f"{challenge_id}:{code}", algorithm="sha256").hexdigest()


def client_ref(address: str) -> str:
    return pii.blind_index(address or "unknown", kind="client-address")


def _wait_words(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 120 else f"{(seconds + 59) // 60} 分钟"


def _check_limits(*, index: str, client: str, now: dt.datetime) -> None:
    checks = (
        ("subject_index", index, PER_ID_LIMITS, "该身份证号码"),
        ("client_ref", client, PER_CLIENT_LIMITS, "您所在的网络"),
    )
    for column, value, limits, who in checks:
        for window, allowed in limits:
            recent = list(
                OneTimeCode.objects.filter(**{column: value, "requested_at__gt": now - window})
                .order_by("-requested_at")
                .values_list("requested_at", flat=True)[:allowed]
            )
            if len(recent) >= allowed:
                wait = max(1, math.ceil((recent[-1] + window - now).total_seconds()))
                if window <= dt.timedelta(seconds=60) and allowed == 1:
                    message = f"验证码已发送，请在 {_wait_words(wait)}后再重新获取"
                else:
                    message = f"{who}获取验证码过于频繁，请在 {_wait_words(wait)}后再试"
                raise TooManyRequests(message, field="id_number", retry_after=wait)


def _record_lookup(index: str) -> None:
    ledger_record(
        kind=Kind.REGISTRY_READ,
        actor=SIGNIN_ACTOR,
        subject_ref=index,
        payload={
            "registry": "population",
            "registry_name": "户籍库",
            "elements": ["person.name", "person.phone"],
            "missing": [],
            "materials": [],
            "contracts": [],
            "purpose": SIGNIN_PURPOSE,
            "department": "政务服务平台",
        },
    )


def _deliver(row: OneTimeCode, phone: str, code: str) -> None:
    minutes = int(CODE_TTL.total_seconds() // 60)
    message = Message(
        key=f"signin-{row.pk}",
        to=phone,
        subject="登录验证码",
        body=f"【一件事一次办】您的登录验证码是 {code}，{minutes}分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。",
    )
    channel_for("sms").send(message)
    if settings.DEBUG and sms_backend_name() == "file":
        ConsoleSmsBackend().send(message)  # the demo: the code is on the console too


def code_request(*, id_number: str, client_address: str) -> CodeChallenge:
    """Send a code to the registered mobile number of this ID number (or pretend to, if there is none)."""
    number = (id_number or "").strip().upper()
    if msg := check_id_number(number, today=clock.today()):
        raise ValidationFailed(msg, field="id_number")
    subject = Subject(kind="person", key=number)
    index, client = subject.index, client_ref(client_address)
    now = clock.now()
    _check_limits(index=index, client=client, now=now)

    name = phone = ""
    try:
        found = fetch_elements("population", subject, ["person.name", "person.phone"])
    except RegistryUnavailable as exc:
        raise ValidationFailed("户籍库暂时无法访问，暂不能发送验证码，请稍后再试", field="id_number") from exc
    except SubjectNotFound:
        found = None
    if found is not None:
        name, phone = str(found.get("person.name", "")), str(found.get("person.phone", ""))

    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        _check_limits(index=index, client=client, now=now)
        row = OneTimeCode(
            subject_index=index,
            client_ref=client,
            delivered=bool(phone),
            requested_at=now,
            expires_at=now + CODE_TTL,
        )
        row.code_hash = _hash(row.pk, code) if phone else _hash(row.pk, secrets.token_hex(16))
        row.save()
        if found is not None:
            _record_lookup(index)
    if phone:
        _deliver(row, phone, code)
    else:
        logger.info("sign-in code requested for a number without a registered mobile (%s)", index[:12])
    pending = pii.encrypt(json.dumps({"key": number, "name": name, "phone": phone}, ensure_ascii=False))
    return CodeChallenge(id=str(row.pk), pending=pending, expires_at=row.expires_at)


def _refusal(row: OneTimeCode | None, now: dt.datetime) -> str | None:
    if row is None:
        return "验证码已失效，请重新获取"
    if row.used_at is not None:
        return "该验证码已使用过，请重新获取"
    if row.expires_at <= now:
        return "验证码已过期（有效期5分钟），请重新获取"
    if row.attempts >= MAX_ATTEMPTS:
        return "验证码输错次数过多，已失效，请重新获取"
    return None


def code_verify(*, challenge_id: str, code: str, pending: str) -> tuple[Any, ActingSubject]:
    """Check the code; on success the person's user (created on first sign-in) and their sealed identity."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) != CODE_DIGITS:
        raise ValidationFailed(f"请输入短信中的{CODE_DIGITS}位数字验证码", field="code")
    try:
        person = json.loads(pii.decrypt(pending))
    except (pii.PIIError, ValueError, TypeError) as exc:
        raise ValidationFailed("登录已超时，请重新输入身份证号码", field="id_number") from exc
    subject = Subject(kind="person", key=person["key"])
    now = clock.now()
    # The attempt is counted in its own transaction, committed whether or not the code was right.
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(pk=challenge_id, subject_index=subject.index)
            .first()
            if _is_uuid(challenge_id)
            else None
        )
        refusal = _refusal(row, now)
        matched = False
        if row is not None and refusal is None:
            row.attempts += 1
            matched = row.delivered and constant_time_compare(_hash(row.pk, code), row.code_hash)
            if matched:
                row.used_at = now
            row.save(update_fields=["attempts", "used_at", "updated_at"])
    if refusal is not None:
        raise ValidationFailed(refusal, field="code")
    assert row is not None
    if not matched:
        left = MAX_ATTEMPTS - row.attempts
        if left <= 0:
            raise ValidationFailed("验证码输错次数过多，已失效，请重新获取", field="code")
        raise ValidationFailed(f"验证码不正确，还可以再试 {left} 次", field="code")
    acting = ActingSubject.seal(kind="person", key=subject.key, name=person["name"], phone=person["phone"])
    return applicant_user(acting, now=now), acting


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@transaction.atomic
def applicant_user(person: ActingSubject, *, now: dt.datetime | None = None) -> Any:
    """The person's user: created on first sign-in, without a password (they sign in with codes only)."""
    account = ApplicantAccount.objects.select_related("user").filter(subject_index=person.index).first()
    if account is None:
        user = get_user_model()(username=f"applicant-{person.index[:40]}", first_name=person.display)
        user.set_unusable_password()
        user.save()
        account = ApplicantAccount.objects.create(
            user=user, subject_index=person.index, name_masked=person.display, id_masked=person.id_masked
        )
    account.last_signed_in_at = now or clock.now()
    account.save(update_fields=["last_signed_in_at", "updated_at"])
    return account.user


def code_resend(*, pending: str, client_address: str) -> CodeChallenge:
    """A new code for the number being signed in with (the same limits apply)."""
    try:
        person = json.loads(pii.decrypt(pending))
    except (pii.PIIError, ValueError, TypeError) as exc:
        raise ValidationFailed("登录已超时，请重新输入身份证号码", field="id_number") from exc
    return code_request(id_number=person["key"], client_address=client_address)
