"""Personal data protection: encryption at rest, blind indexes, masking (个人信息保护).

ID numbers and phone numbers never reach the database in the clear:

- `encrypt` / `decrypt`: AES-256-GCM (authenticated). A token reads `pii1.<key id>.<base64url(nonce ‖
  ciphertext ‖ tag)>`; the key id travels with the token, so old tokens stay readable after a new key is
  added and `onego pii rotate` re-encrypts them to the current key (docs/pii.md). The key id is bound
  into the authenticated data, so a token cannot be replayed under another key id.
- `blind_index`: keyed HMAC-SM3 over the normalised value, the only way to look a person up.
- `mask_*`: what pages, API responses and logs show (`5201**********1234`, `138****5678`, `张*`);
  `MaskingFilter` masks ID and phone numbers that slip into log messages.

Keys: settings or environment `ONEGO_PII_KEYS` — "kid:base64(32 bytes)", the first is current (a list in
settings, comma-separated in the environment) — and `ONEGO_BLIND_INDEX_KEY` (base64 of 32 bytes). With
DEBUG on, or under the test runner, development keys are derived from SECRET_KEY when these are unset.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from onego.core.validators import id_number_check_char, uscc_check_char

KEYS_SETTING = "ONEGO_PII_KEYS"
INDEX_KEY_SETTING = "ONEGO_BLIND_INDEX_KEY"
TOKEN_PREFIX = "pii1."  # noqa: S105 - a format marker, not a secret
DEV_KEY_ID = "dev"
_NONCE_BYTES = 12
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class PIIError(Exception):
    """A token that cannot be decrypted: unknown key id, tampered or not a token at all."""


# --- keys -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Keyring:
    current_kid: str
    ciphers: dict[str, AESGCM]

    def cipher(self, kid: str) -> AESGCM:
        try:
            return self.ciphers[kid]
        except KeyError:
            raise PIIError(f"unknown personal-data key id {kid!r} (is it still in {KEYS_SETTING}?)") from None


def development_key_allowed() -> bool:
    # Django's test set-up turns DEBUG off, so tests are recognised by the outbox it installs.
    return bool(settings.DEBUG) or hasattr(mail, "outbox")


def _decode_key(value: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{what}: the key is not valid base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{what}: the key must be the base64 of 32 random bytes, got {len(raw)}")
    return raw


def _configured(name: str) -> tuple[str, ...]:
    value = getattr(settings, name, None) or ""
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(str(v).strip() for v in value if str(v).strip())


def _dev_key(context: bytes) -> bytes:
    return _derive(context, settings.SECRET_KEY)


@lru_cache(maxsize=8)
def _derive(context: bytes, secret: str) -> bytes:
    return hashlib.new("sm3", context + secret.encode("utf-8")).digest()


@lru_cache(maxsize=8)
def _keyring(entries: tuple[str, ...], dev_key: bytes | None) -> Keyring:
    ciphers: dict[str, AESGCM] = {}
    current = ""
    for entry in entries:
        kid, sep, b64 = entry.partition(":")
        if not sep or not _KID_RE.match(kid):
            raise ImproperlyConfigured(
                f"{KEYS_SETTING}: each key is 'kid:base64key' with a short key id of letters, digits, - or _"
            )
        if kid in ciphers:
            raise ImproperlyConfigured(f"{KEYS_SETTING}: key id {kid!r} appears twice")
        ciphers[kid] = AESGCM(_decode_key(b64, f"{KEYS_SETTING} {kid}"))
        current = current or kid
    if dev_key is not None:
        # Kept readable after real keys are configured, so a development database can be rotated.
        ciphers.setdefault(DEV_KEY_ID, AESGCM(dev_key))
        current = current or DEV_KEY_ID
    return Keyring(current_kid=current, ciphers=ciphers)


def keyring() -> Keyring:
    entries = _configured(KEYS_SETTING)
    dev = _dev_key(b"onego-pii-encryption:") if development_key_allowed() else None
    if not entries and dev is None:
        raise ImproperlyConfigured(
            f"{KEYS_SETTING} is not set: personal data cannot be encrypted. See docs/pii.md to generate a key."
        )
    return _keyring(entries, dev)


@lru_cache(maxsize=8)
def _index_key(value: tuple[str, ...], dev: bytes | None) -> bytes:
    if value:
        return _decode_key(value[0], INDEX_KEY_SETTING)
    if dev is None:
        raise ImproperlyConfigured(f"{INDEX_KEY_SETTING} is not set: see docs/pii.md to generate a key.")
    return dev


def index_key() -> bytes:
    dev = _dev_key(b"onego-pii-blind-index:") if development_key_allowed() else None
    return _index_key(_configured(INDEX_KEY_SETTING), dev)


# --- encryption -------------------------------------------------------------------------------------
def _aad(kid: str) -> bytes:
    return b"onego-pii-v1:" + kid.encode("ascii")


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def token_key_id(token: str) -> str:
    if not is_token(token):
        raise PIIError("not an encrypted personal-data token")
    return token[len(TOKEN_PREFIX) :].split(".", 1)[0]


def encrypt(value: str) -> str:
    ring = keyring()
    return _encrypt_with(ring, value)


def _encrypt_with(ring: Keyring, value: str) -> str:
    kid = ring.current_kid
    nonce = os.urandom(_NONCE_BYTES)
    sealed = ring.ciphers[kid].encrypt(nonce, value.encode("utf-8"), _aad(kid))
    return f"{TOKEN_PREFIX}{kid}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def encrypt_many(values: Iterable[str]) -> list[str]:
    """Encrypt a batch with one key look-up (bulk loading: synthetic data, imports)."""
    ring = keyring()
    return [_encrypt_with(ring, v) for v in values]


def decrypt(token: str) -> str:
    kid = token_key_id(token)
    body = token[len(TOKEN_PREFIX) + len(kid) + 1 :]
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise PIIError("malformed personal-data token") from exc
    if len(raw) < _NONCE_BYTES + 16:
        raise PIIError("malformed personal-data token")
    try:
        plain = keyring().cipher(kid).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(kid))
    except InvalidTag as exc:
        raise PIIError("personal-data token failed authentication (tampered, or wrong key)") from exc
    return plain.decode("utf-8")


def reencrypt(token: str) -> str:
    """The same value under the current key (unchanged if it already is)."""
    if token_key_id(token) == keyring().current_kid:
        return token
    return encrypt(decrypt(token))


# --- blind index -------------------------------------------------------------------------------------
def normalise(value: str) -> str:
    return (value or "").strip().upper()


def blind_index(value: str, *, kind: str) -> str:
    """Keyed HMAC-SM3 of the normalised value; `kind` separates e.g. person IDs from phone numbers."""
    message = kind.encode("utf-8") + b"\x00" + normalise(value).encode("utf-8")
    return hmac.new(index_key(), message, "sm3").hexdigest()


def blind_index_many(values: Iterable[str], *, kind: str) -> list[str]:
    key = index_key()
    prefix = kind.encode("utf-8") + b"\x00"
    return [hmac.digest(key, prefix + normalise(v).encode("utf-8"), "sm3").hex() for v in values]


# --- masking -----------------------------------------------------------------------------------------
# Two-character surnames: the name is masked after the surname, so 欧阳娜娜 reads 欧阳**.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "百里",
        "呼延",
        "南宫",
        "西门",
        "独孤",
    ]
)


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    v = value or ""
    if len(v) <= keep_start + keep_end:
        return "*" * len(v)
    return v[:keep_start] + "*" * (len(v) - keep_start - keep_end) + v[len(v) - keep_end :]


def mask_id_number(value: str) -> str:
    """`520102199001011234` → `5201**********1234`."""
    return _mask_middle(normalise(value), 4, 4)


def mask_uscc(value: str) -> str:
    """`91520102MA6D7XXX1X` → `915201********XX1X` (department, category and province stay visible)."""
    return _mask_middle(normalise(value), 6, 4)


def mask_phone(value: str) -> str:
    """`13812345678` → `138****5678`."""
    v = (value or "").strip().replace(" ", "").replace("-", "")
    return _mask_middle(v, 3, 4)


def mask_name(value: str) -> str:
    """`张伟` → `张*`, `王小明` → `王**`, `欧阳娜娜` → `欧阳**`."""
    v = (value or "").strip()
    if len(v) <= 1:
        return "*" * len(v)
    keep = 2 if v[:2] in COMPOUND_SURNAMES and len(v) > 2 else 1
    return v[:keep] + "*" * (len(v) - keep)


def mask_email(value: str) -> str:
    local, at, domain = (value or "").strip().partition("@")
    if not at:
        return _mask_middle(local, 1, 0)
    return f"{local[:1]}***@{domain}"


def mask_address(value: str) -> str:
    """Keep the region part (first 6 characters), hide the street and house number."""
    v = (value or "").strip()
    return v[:6] + "****" if len(v) > 6 else v


def mask_value(data_type: str, value: object) -> str:
    """Mask by data type (catalog DataType codes, plus 'name' and 'address'); other types are shown."""
    if value is None:
        return ""
    text = str(value)
    masker = {
        "id_number": mask_id_number,
        "uscc": mask_uscc,
        "phone": mask_phone,
        "email": mask_email,
        "name": mask_name,
        "address": mask_address,
    }.get(data_type)
    return masker(text) if masker else text


# --- logs ---------------------------------------------------------------------------------------------
# An 18-character ID number or an 11-digit mobile number standing on its own (not inside a longer run
# of letters or digits, so hashes, UUIDs and licence identifiers are left alone).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")


def _mask_id_match(m: re.Match[str]) -> str:
    v = m.group(1)
    # Only real ID numbers (valid check character): order numbers and the like pass through.
    return mask_id_number(v) if id_number_check_char(v[:17]) == v[17].upper() else v


# A unified social credit code (USCC) standing on its own, kept only when its check character is right.
_USCC_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([0-9A-HJ-NPQRTUWXY]{18})(?![0-9A-Za-z])")


def _mask_uscc_match(m: re.Match[str]) -> str:
    v = m.group(1)
    return mask_uscc(v) if uscc_check_char(v[:17]) == v[17] else v


def mask_text(text: str) -> str:
    """Mask every valid ID number, USCC and mobile number in free text (logs, URLs)."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _USCC_IN_TEXT.sub(_mask_uscc_match, _ID_IN_TEXT.sub(_mask_id_match, text))
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)


class MaskingFilter(logging.Filter):
    """Logging filter: masks ID numbers and mobile numbers in the formatted message (installed in LOGGING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is reported by the handler, not here
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
