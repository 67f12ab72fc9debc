"""Each issuing department's document key (文书签名密钥).

One 32-byte secret per department. Two keys are derived from it with HKDF, so the two signatures cannot
be confused with each other or with any other use of the secret:

- an Ed25519 key that signs the compact verification token in the QR code (`tokens.py`); its key id is
  the ledger's spelling (first 8 bytes of SM3 over the raw public key, in hex);
- an ECDSA P-256 key with a self-signed X.509 certificate naming the department, for the PAdES signature
  embedded in the PDF (`pades.py`). P-256 rather than Ed25519 because PDF readers (Acrobat, poppler)
  validate ECDSA signatures but mostly not EdDSA ones. The certificate is deterministic — fixed validity,
  serial from the public key, RFC 6979 signature — so every process produces byte-identical certificates
  and a verifier can pin the one the department publishes.

Neither algorithm is SM2: `cryptography` offers no SM2 signatures. `DocumentSigner` is the seam where an
SM2 key and a certificate from a government CA (e.g. in an HSM) can be put in later (docs/documents.md).

Configuration: setting or environment variable ONEGO_DOCUMENT_SIGNING_KEYS — department code → base64 of
32 random bytes (a dict in settings; "code:base64,code:base64" in the environment) — and
ONEGO_DOCUMENT_RETIRED_PUBLIC_KEYS (base64 raw Ed25519 public keys whose tokens must still verify). Only in
DEBUG or under the test runner, for a department with no configured key, a development key is derived
from SECRET_KEY and the department code, deterministic so documents survive a restart.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Iterable
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from onego.ledger.signing import development_key_allowed, key_id_for

logger = logging.getLogger(__name__)

KEYS_SETTING = "ONEGO_DOCUMENT_SIGNING_KEYS"
RETIRED_SETTING = "ONEGO_DOCUMENT_RETIRED_PUBLIC_KEYS"
_DEV_KEY_CONTEXT = b"onego-document-development-signing-key\x00"
_TOKEN_KEY_INFO = b"onego-document-token-key-ed25519-v1"
_PDF_KEY_INFO = b"onego-document-pdf-key-p256-v1"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# Fixed so the certificate is the same in every process; the key, not the dates, is what a verifier pins.
CERT_NOT_BEFORE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
CERT_NOT_AFTER = dt.datetime(2050, 1, 1, tzinfo=dt.UTC)

_warned_departments: set[str] = set()


def _derive(secret: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


class DocumentSigner:
    """Signs documents for one issuing department. Never logs or shows its secret."""

    algorithm = "Ed25519"

    def __init__(self, secret: bytes, *, department: str, name: str = "") -> None:
        if len(secret) != 32:
            raise ValueError("a department's document secret is 32 bytes")
        if not department:
            raise ValueError("a document signer belongs to a department")
        self.department = department
        self.name = name or department
        self._token_key = Ed25519PrivateKey.from_private_bytes(_derive(secret, _TOKEN_KEY_INFO, 32))
        # Reduced from 48 bytes so the scalar is uniform enough in [1, n-1] (FIPS 186-5 A.2.1 style).
        scalar = int.from_bytes(_derive(secret, _PDF_KEY_INFO, 48), "big") % (_P256_ORDER - 1) + 1
        self._pdf_key = ec.derive_private_key(scalar, ec.SECP256R1())

    @classmethod
    def generate(cls, *, department: str, name: str = "") -> DocumentSigner:
        """A signer with a fresh random secret (tests, or to mint a key for configuration)."""
        return cls(os.urandom(32), department=department, name=name)

    def __repr__(self) -> str:
        return f"<DocumentSigner {self.department} key {self.key_id}>"

    # --- the token key ---------------------------------------------------------------------------
    @cached_property
    def public_key_raw(self) -> bytes:
        return self._token_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @cached_property
    def public_key_pem(self) -> bytes:
        return self._token_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @cached_property
    def key_id(self) -> str:
        return key_id_for(self.public_key_raw)

    def sign(self, payload: bytes) -> bytes:
        return self._token_key.sign(payload)

    # --- the PDF (PAdES) key and certificate -----------------------------------------------------
    @property
    def pdf_private_key(self) -> ec.EllipticCurvePrivateKey:
        return self._pdf_key

    @cached_property
    def certificate(self) -> x509.Certificate:
        public = self._pdf_key.public_key()
        spki = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        serial = int.from_bytes(hashlib.new("sm3", spki).digest()[:16], "big") >> 1 or 1
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.name),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"文书签名 {self.department}"),
                x509.NameAttribute(NameOID.COMMON_NAME, self.name),
            ]
        )
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(public)
            .serial_number(serial)
            .not_valid_before(CERT_NOT_BEFORE)
            .not_valid_after(CERT_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,  # non-repudiation: the department stands by the document
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._pdf_key, hashes.SHA256(), ecdsa_deterministic=True)
        )

    @cached_property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


# --- from configuration ----------------------------------------------------------------------------
def _decode_b64(value: str, what: str, length: int) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{what} is not valid base64") from exc
    if len(raw) != length:
        raise ImproperlyConfigured(f"{what} must be the base64 of {length} raw bytes, got {len(raw)}")
    return raw


def configured_secrets() -> dict[str, bytes]:
    """Department code → secret, from settings (a dict) or the environment ("code:b64,code:b64")."""
    value = getattr(settings, KEYS_SETTING, None) or ""
    items: Iterable[tuple[str, str]]
    if isinstance(value, dict):
        items = value.items()
    else:
        items = []
        for part in str(value).split(","):
            if part.strip():
                code, sep, b64 = part.strip().partition(":")
                if not sep:
                    raise ImproperlyConfigured(f"{KEYS_SETTING}: expected code:base64, got {code!r}")
                items.append((code.strip(), b64))
    return {str(code): _decode_b64(str(b64), f"{KEYS_SETTING}[{code}]", 32) for code, b64 in items}


def signer_for(department: str, *, name: str = "") -> DocumentSigner:
    """The signer of the department with this code; `name` is what its certificate says (全称)."""
    secret = configured_secrets().get(department)
    if secret is None:
        if not development_key_allowed():
            raise ImproperlyConfigured(
                f"{KEYS_SETTING} has no key for department {department!r}: it cannot sign documents. "
                'Generate one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"'
            )
        secret = hashlib.new(
            "sm3", _DEV_KEY_CONTEXT + settings.SECRET_KEY.encode() + b"\x00" + department.encode()
        ).digest()
        signer = DocumentSigner(secret, department=department, name=name)
        if department not in _warned_departments:
            _warned_departments.add(department)
            logger.warning(
                "%s has no key for %s; signing its documents with a development key derived from "
                "SECRET_KEY (key id %s). Never use this in production.",
                KEYS_SETTING,
                department,
                signer.key_id,
            )
        return signer
    return DocumentSigner(secret, department=department, name=name)


def public_keys(*, departments: Iterable[str] = ()) -> dict[str, bytes]:
    """Key id → raw Ed25519 public key, for `verify_token`: every configured department, the retired
    keys, and the named departments (whose development keys are only known by deriving them)."""
    found: dict[str, bytes] = {}
    for code in [*configured_secrets(), *departments]:
        signer = signer_for(code)
        found[signer.key_id] = signer.public_key_raw
    retired = getattr(settings, RETIRED_SETTING, None) or ""
    if isinstance(retired, str):
        retired = [v for v in retired.split(",") if v.strip()]
    for value in retired:
        raw = _decode_b64(str(value), RETIRED_SETTING, 32)
        Ed25519PublicKey.from_public_bytes(raw)  # refuses what is not a key, at configuration time
        found[key_id_for(raw)] = raw
    return found
