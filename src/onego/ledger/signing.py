"""Signing tree heads.

Ed25519 from `cryptography`, because that library offers no SM2 signatures; the `Signer` protocol is
the seam where an SM2 signer (e.g. from an HSM or GmSSL binding) can be swapped in later without
touching the ledger. See docs/ledger.md.

The key comes from the setting or environment variable ONEGO_LEDGER_SIGNING_KEY: the base64 of a raw
32-byte Ed25519 private key. Only in DEBUG or under a test runner, when none is set, a development key
is derived from SECRET_KEY — deterministic so heads survive a restart, and announced once in the log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

SETTING = "ONEGO_LEDGER_SIGNING_KEY"
# Public keys (base64, raw 32 bytes) of retired signing keys, so heads they signed still verify.
RETIRED_SETTING = "ONEGO_LEDGER_RETIRED_PUBLIC_KEYS"
_DEV_KEY_CONTEXT = b"onego-ledger-development-signing-key\x00"

_warned_development_key = False


class Verifier(Protocol):
    @property
    def algorithm(self) -> str: ...

    @property
    def key_id(self) -> str: ...

    def public_key_bytes(self) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


class Signer(Verifier, Protocol):
    def sign(self, message: bytes) -> bytes: ...


def key_id_for(public_key: bytes) -> str:
    """A short, stable name for a public key: the first 8 bytes of its SM3 hash, in hex."""
    return hashlib.new("sm3", public_key).hexdigest()[:16]


@dataclass(frozen=True)
class Ed25519Verifier:
    public_key: Ed25519PublicKey

    @property
    def algorithm(self) -> str:
        return "Ed25519"

    def public_key_bytes(self) -> bytes:
        return self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id_for(self.public_key_bytes())

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Ed25519Signer(Ed25519Verifier):
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


@lru_cache(maxsize=8)
def _signer_from_seed(seed: bytes) -> Ed25519Signer:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return Ed25519Signer(public_key=private.public_key(), private_key=private)


def development_key_allowed() -> bool:
    # Django's test set-up turns DEBUG off, so tests are recognised by the outbox it installs.
    return bool(settings.DEBUG) or hasattr(mail, "outbox")


def configured_key() -> str | None:
    value = getattr(settings, SETTING, None)
    return str(value) if value else None


def _decode_key(value: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{what} is not valid base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{what} must be the base64 of 32 raw bytes, got {len(raw)} bytes")
    return raw


def get_signer() -> Signer:
    global _warned_development_key
    value = configured_key()
    if value:
        return _signer_from_seed(_decode_key(value, SETTING))
    if not development_key_allowed():
        raise ImproperlyConfigured(
            f"{SETTING} is not set: the ledger cannot sign tree heads. "
            'Generate one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"'
        )
    seed = hashlib.new("sm3", _DEV_KEY_CONTEXT + settings.SECRET_KEY.encode("utf-8")).digest()
    signer = _signer_from_seed(seed)
    if not _warned_development_key:
        _warned_development_key = True
        logger.warning(
            "%s is not set; signing ledger tree heads with a development key derived from SECRET_KEY "
            "(key id %s). Never use this in production.",
            SETTING,
            signer.key_id,
        )
    return signer


def verifiers() -> dict[str, Verifier]:
    """Every key a stored head may have been signed with, by key id: the current one and retired ones."""
    current = get_signer()
    found: dict[str, Verifier] = {current.key_id: current}
    for value in getattr(settings, RETIRED_SETTING, None) or ():
        verifier = Ed25519Verifier(Ed25519PublicKey.from_public_bytes(_decode_key(value, RETIRED_SETTING)))
        found[verifier.key_id] = verifier
    return found


def verify_signature(key_id: str, message: bytes, signature: bytes) -> bool | None:
    """True/False for a known key; None when the key id is unknown here."""
    verifier = verifiers().get(key_id)
    if verifier is None:
        return None
    return verifier.verify(message, signature)
