from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured

from onego.cases.documents import DocumentSigner, public_keys, signer_for
from onego.cases.documents import signing as signing_module

SECRET = bytes(range(32))
SECRET_B64 = base64.b64encode(SECRET).decode()


def test_a_development_key_is_stable_per_department_and_differs_between_departments() -> None:
    assert signer_for("520102-market").key_id == signer_for("520102-market").key_id
    assert signer_for("520102-market").key_id != signer_for("520102-fire").key_id


def test_a_configured_key_is_used_from_settings(settings: Any) -> None:
    settings.ONEGO_DOCUMENT_SIGNING_KEYS = {"520102-market": SECRET_B64}
    configured = signer_for("520102-market", name="贵阳市南明区市场监督管理局")
    assert configured.key_id == DocumentSigner(SECRET, department="520102-market").key_id
    assert configured.name == "贵阳市南明区市场监督管理局"


def test_configured_keys_given_as_the_environment_gives_them_code_colon_base64(settings: Any) -> None:
    other = base64.b64encode(bytes(32)).decode()
    settings.ONEGO_DOCUMENT_SIGNING_KEYS = f"520102-market:{SECRET_B64}, 520102-fire:{other}"
    assert signer_for("520102-fire").key_id == DocumentSigner(bytes(32), department="x").key_id


@pytest.mark.parametrize("value", [{"520102-market": "not base64!"}, {"520102-market": "AAAA"}])
def test_a_malformed_configured_key_is_a_configuration_error(settings: Any, value: object) -> None:
    settings.ONEGO_DOCUMENT_SIGNING_KEYS = value
    with pytest.raises(ImproperlyConfigured):
        signer_for("520102-market")


def test_without_a_key_outside_development_a_department_cannot_sign(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing_module, "development_key_allowed", lambda: False)
    with pytest.raises(ImproperlyConfigured, match="520102-market"):
        signer_for("520102-market")


def test_tokens_are_signed_with_ed25519_and_pdfs_with_p256_from_one_secret() -> None:
    signer = DocumentSigner(SECRET, department="d")
    Ed25519PublicKey.from_public_bytes(signer.public_key_raw).verify(signer.sign(b"payload"), b"payload")
    assert isinstance(signer.pdf_private_key.curve, ec.SECP256R1)
    assert signer.public_key_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    # The same secret always gives the same keys (a restart must not orphan issued documents).
    assert DocumentSigner(SECRET, department="d").public_key_raw == signer.public_key_raw


def test_the_certificate_is_the_same_in_every_process_and_names_the_department() -> None:
    one = DocumentSigner(SECRET, department="520102-market", name="贵阳市南明区市场监督管理局")
    two = DocumentSigner(SECRET, department="520102-market", name="贵阳市南明区市场监督管理局")
    assert one.certificate_pem == two.certificate_pem  # deterministic ECDSA, fixed dates and serial
    cert = one.certificate
    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == "贵阳市南明区市场监督管理局"
    assert cert.issuer == cert.subject
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.signature_hash_algorithm is not None
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert cert.not_valid_before_utc <= dt.datetime(2026, 3, 5, tzinfo=dt.UTC) <= cert.not_valid_after_utc


def test_a_secret_is_32_bytes_and_never_shown() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        DocumentSigner(b"short", department="d")
    signer = DocumentSigner(SECRET, department="d")
    assert SECRET.hex() not in repr(signer)
    assert signer.key_id in repr(signer)


def test_public_keys_cover_configured_retired_and_named_departments(settings: Any) -> None:
    retired = DocumentSigner(bytes(32), department="old")
    settings.ONEGO_DOCUMENT_SIGNING_KEYS = {"520102-market": SECRET_B64}
    settings.ONEGO_DOCUMENT_RETIRED_PUBLIC_KEYS = [base64.b64encode(retired.public_key_raw).decode()]
    keys = public_keys(departments=["520102-fire"])
    assert keys[signer_for("520102-market").key_id] == signer_for("520102-market").public_key_raw
    assert keys[retired.key_id] == retired.public_key_raw
    assert signer_for("520102-fire").key_id in keys
    assert len(keys) == 3
