"""The verification token in a document's QR code: digest, key id and signature, compact and URL-safe.

    C1.<key id>.<digest>.<signature>                    a conclusion document
    L1.<key id>.<digest>.<permits>.<signature>          an integrated licence (一业一证)

`key id` is 16 hex digits (signing.py); `digest` is the document's SM3 digest, `permits` the licence's
GB/T 36904 identifiers joined by newlines and `signature` the Ed25519 signature, each in base64url without
padding. The signature covers the ASCII of everything before its own dot, behind a fixed prefix, so it
binds the kind, the key id, the digest and (for a licence) every permit: a scanner can list the permits
from the code itself and know the issuing department vouched for exactly those. All of it is made of
URL-unreserved characters, so the token is a single path segment of the verification URL.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from onego.cases.documents.digest import KIND_CONCLUSION, KIND_LICENCE, document_digest, document_kind
from onego.cases.documents.model import Document, IntegratedLicence
from onego.cases.documents.signing import DocumentSigner

_SIGNING_PREFIX = b"onego-document-token\x00"
_KIND_CODES = {KIND_CONCLUSION: "C1", KIND_LICENCE: "L1"}
_CODE_KINDS = {v: k for k, v in _KIND_CODES.items()}
_KEY_ID_RE = re.compile(r"[0-9a-f]{16}")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
MAX_TOKEN_LENGTH = 2048  # a QR code holds less; longer input is refused before any decoding


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL_RE.fullmatch(text):
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:  # one spelling per value: no stray padding bits
        raise ValueError("not canonical base64url")
    return raw


def _signing_input(unsigned: str) -> bytes:
    return _SIGNING_PREFIX + unsigned.encode("ascii")


def _permit_identifiers(doc: Document) -> tuple[str, ...]:
    if not isinstance(doc, IntegratedLicence):
        return ()
    ids = tuple(p.identifier for p in doc.permits)
    for identifier in ids:
        if not identifier or "\n" in identifier:
            raise ValueError(f"a permit identifier cannot be empty or hold a newline: {identifier!r}")
    return ids


def verification_token(doc: Document, signer: DocumentSigner) -> str:
    """The token for the QR code's URL, signed with the issuing department's key."""
    parts = [_KIND_CODES[document_kind(doc)], signer.key_id, _b64(bytes.fromhex(document_digest(doc)))]
    permits = _permit_identifiers(doc)
    if permits:
        parts.append(_b64("\n".join(permits).encode("utf-8")))
    unsigned = ".".join(parts)
    return f"{unsigned}.{_b64(signer.sign(_signing_input(unsigned)))}"


@dataclass(frozen=True)
class VerificationResult:
    """What a token says and whether to believe it. `code` is for programs, `why` for people."""

    ok: bool
    code: str  # ok | malformed | unknown_key | bad_signature | digest_mismatch
    why: str
    kind: str = ""  # conclusion | integrated_licence
    key_id: str = ""
    digest: str = ""  # hex, as document_digest spells it
    permits: tuple[str, ...] = ()  # a licence's permit identifiers, as signed

    def __bool__(self) -> bool:
        return self.ok


def _load_public_key(value: bytes) -> Ed25519PublicKey:
    if value.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(value)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("a document public key is an Ed25519 key")
        return key
    return Ed25519PublicKey.from_public_bytes(value)


def verify_token(
    token: str, *, public_keys: Mapping[str, bytes], expected_digest: str | None = None
) -> VerificationResult:
    """Check a token's signature against the known keys (key id → raw or PEM Ed25519 public key) and,
    when the verifier holds the document, that its digest is the one signed."""
    malformed = VerificationResult(ok=False, code="malformed", why="核验码格式不正确，无法识别")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return malformed
    parts = token.split(".")
    kind = _CODE_KINDS.get(parts[0])
    if kind is None or len(parts) != (5 if kind == KIND_LICENCE else 4):
        return malformed
    key_id = parts[1]
    try:
        digest = _unb64(parts[2])
        permits = tuple(_unb64(parts[3]).decode("utf-8").split("\n")) if kind == KIND_LICENCE else ()
        signature = _unb64(parts[-1])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return malformed
    if not _KEY_ID_RE.fullmatch(key_id) or len(digest) != 32 or len(signature) != 64:
        return malformed
    signed = VerificationResult(
        ok=False, code="", why="", kind=kind, key_id=key_id, digest=digest.hex(), permits=permits
    )

    # Until the signature holds, nothing the token claims is shown back but its kind and key id.
    unverified = replace(signed, digest="", permits=())
    raw_key = public_keys.get(key_id)
    if raw_key is None:
        return replace(
            unverified, code="unknown_key", why="签名密钥未登记：该文书不是由本平台登记的签发部门签发"
        )
    try:
        public_key = _load_public_key(raw_key)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"public key {key_id} is not an Ed25519 public key") from exc
    try:
        public_key.verify(signature, _signing_input(token.rsplit(".", 1)[0]))
    except InvalidSignature:
        return replace(unverified, code="bad_signature", why="签名无效：核验码被改动，或不是签发部门所签")

    what = "许可证" if kind == KIND_LICENCE else "办理结论"
    if expected_digest is None:
        return replace(signed, ok=True, code="ok", why=f"核验码有效：该{what}的核验码由签发部门签名")
    if not hmac.compare_digest(expected_digest.strip().lower().encode(), digest.hex().encode()):
        return replace(signed, code="digest_mismatch", why="文书内容与核验码不符：文书可能被改动")
    return replace(signed, ok=True, code="ok", why=f"核验通过：该{what}由签发部门签名，内容与存档一致")
