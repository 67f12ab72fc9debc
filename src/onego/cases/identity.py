"""Applicant identity and sensitive values inside a case.

- `blind_index(kind, identifier)`: a keyed hash of the normalised ID number or USCC. Cases are found
  and idempotency keys are scoped by it; the identifier itself is never stored in clear or logged.
- `mask_name` / `mask_identifier`: what lists and timelines show (张*明, 5201**********123X).
- `seal` / `unseal`: AES-GCM for sensitive form values (数据元 marked sensitive), the applicant's
  identifier and contact details, so a database dump does not read as a list of ID numbers.

Keys are derived from `ONEGO_PII_KEY` when set, else from Django's SECRET_KEY (HKDF, one key per
purpose). Rotating the key makes earlier sealed values unreadable: set ONEGO_PII_KEY once in
production and keep it. When a core PII module lands, this file is the one place to switch.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SEAL_PREFIX = "sealed:v1:"


@functools.cache
def _key(purpose: bytes) -> bytes:
    secret = getattr(settings, "ONEGO_PII_KEY", "") or os.environ.get("ONEGO_PII_KEY", "") or settings.SECRET_KEY
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"onego.cases", info=purpose).derive(
        secret.encode("utf-8")
    )


def normalise_identifier(identifier: str) -> str:
    return identifier.strip().upper().replace(" ", "")


def blind_index(kind: str, identifier: str) -> str:
    message = f"{kind}:{normalise_identifier(identifier)}".encode()
    return hmac.new(_key(b"blind-index"), message, hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    if len(name) <= 4:
        return name[0] + "*" * (len(name) - 2) + name[-1]
    # Enterprise names: keep the head and tail, which is how they are usually recognised.
    return name[:2] + "*" * min(4, len(name) - 4) + name[-2:]


def mask_identifier(identifier: str) -> str:
    v = normalise_identifier(identifier)
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def seal(value: Any) -> str:
    """Encrypt any JSON value; the result is a string safe to keep in a JSON field."""
    nonce = os.urandom(12)
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    box = AESGCM(_key(b"seal")).encrypt(nonce, plain, b"onego.cases")
    return SEAL_PREFIX + base64.urlsafe_b64encode(nonce + box).decode("ascii")


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEAL_PREFIX)


def unseal(value: Any) -> Any:
    """The plain value of a sealed string; anything else is returned as it is."""
    if not is_sealed(value):
        return value
    raw = base64.urlsafe_b64decode(value[len(SEAL_PREFIX) :].encode("ascii"))
    plain = AESGCM(_key(b"seal")).decrypt(raw[:12], raw[12:], b"onego.cases")
    return json.loads(plain.decode("utf-8"))
