from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from onego.cases.documents import (
    DocumentSigner,
    document_digest,
    public_keys,
    signer_for,
    verification_token,
    verify_token,
)
from onego.core.validators import check_licence_identifier
from tests.cases.documents.factories import a_conclusion, an_integrated_licence, changed


@pytest.fixture(scope="module")
def signer() -> DocumentSigner:
    return DocumentSigner.generate(department="520102-gov-service", name="贵阳市南明区政务服务中心")


@pytest.fixture(scope="module")
def keys(signer: DocumentSigner) -> dict[str, bytes]:
    return {signer.key_id: signer.public_key_raw}


def _swap_char(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def test_a_conclusion_token_verifies_and_names_what_it_signed(
    signer: DocumentSigner, keys: dict[str, bytes]
) -> None:
    doc = a_conclusion()
    token = verification_token(doc, signer)
    result = verify_token(token, public_keys=keys, expected_digest=document_digest(doc))
    assert result.ok, result.why
    assert result.code == "ok"
    assert result.kind == "conclusion"
    assert result.key_id == signer.key_id
    assert result.digest == document_digest(doc)
    assert result.permits == ()
    assert "核验通过" in result.why


def test_a_token_is_compact_and_a_single_url_path_segment(signer: DocumentSigner) -> None:
    token = verification_token(a_conclusion(), signer)
    assert re.fullmatch(r"C1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{86}", token)
    assert verification_token(a_conclusion(), signer) == token  # Ed25519 is deterministic


def test_a_licence_token_lists_every_permit_and_verifies_them(
    signer: DocumentSigner, keys: dict[str, bytes]
) -> None:
    lic = an_integrated_licence()
    token = verification_token(lic, signer)
    result = verify_token(token, public_keys=keys, expected_digest=document_digest(lic))
    assert result.ok, result.why
    assert result.kind == "integrated_licence"
    assert result.permits == tuple(p.identifier for p in lic.permits)
    for identifier in result.permits:
        assert check_licence_identifier(identifier) is None, identifier


def test_without_the_document_a_valid_token_is_reported_as_authentic_only(
    signer: DocumentSigner, keys: dict[str, bytes]
) -> None:
    result = verify_token(verification_token(a_conclusion(), signer), public_keys=keys)
    assert result.ok
    assert "核验码有效" in result.why


def test_a_tampered_digest_is_rejected(signer: DocumentSigner, keys: dict[str, bytes]) -> None:
    kind, key_id, digest, signature = verification_token(a_conclusion(), signer).split(".")
    tampered = ".".join([kind, key_id, _swap_char(digest, 0), signature])
    result = verify_token(tampered, public_keys=keys)
    assert not result.ok
    assert result.code == "bad_signature"
    assert result.digest == ""  # nothing the token claims is shown back until its signature holds


def test_a_tampered_signature_is_rejected(signer: DocumentSigner, keys: dict[str, bytes]) -> None:
    token = verification_token(a_conclusion(), signer)
    head, signature = token.rsplit(".", 1)
    assert verify_token(f"{head}.{_swap_char(signature, 0)}", public_keys=keys).code == "bad_signature"


def test_a_licence_with_a_permit_removed_from_its_token_is_rejected(
    signer: DocumentSigner, keys: dict[str, bytes]
) -> None:
    lic = an_integrated_licence()
    kind, key_id, digest, permits, signature = verification_token(lic, signer).split(".")
    fewer = "\n".join(p.identifier for p in lic.permits[:-1]).encode()
    forged_permits = base64.urlsafe_b64encode(fewer).rstrip(b"=").decode()
    result = verify_token(".".join([kind, key_id, digest, forged_permits, signature]), public_keys=keys)
    assert result.code == "bad_signature"
    assert result.permits == ()


def test_a_token_naming_another_known_key_is_rejected(signer: DocumentSigner, keys: dict[str, bytes]) -> None:
    other = DocumentSigner.generate(department="520102-fire")
    kind, _key_id, digest, signature = verification_token(a_conclusion(), signer).split(".")
    both = {**keys, other.key_id: other.public_key_raw}
    assert (
        verify_token(".".join([kind, other.key_id, digest, signature]), public_keys=both).code
        == "bad_signature"
    )


def test_a_token_signed_by_an_unregistered_key_is_rejected(keys: dict[str, bytes]) -> None:
    stranger = DocumentSigner.generate(department="somewhere-else")
    result = verify_token(verification_token(a_conclusion(), stranger), public_keys=keys)
    assert result.code == "unknown_key"
    assert "未登记" in result.why


def test_a_genuine_token_for_another_document_does_not_vouch_for_this_one(
    signer: DocumentSigner, keys: dict[str, bytes]
) -> None:
    genuine = verification_token(a_conclusion(), signer)
    altered = changed(a_conclusion(), outcome="rejected")
    result = verify_token(genuine, public_keys=keys, expected_digest=document_digest(altered))
    assert result.code == "digest_mismatch"
    assert not result.ok


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "C1.0123456789abcdef.AAAA.AAAA",
        "X1.0123456789abcdef." + "A" * 43 + "." + "A" * 86,
        "L1.0123456789abcdef." + "A" * 43 + "." + "A" * 86,  # a licence token without its permits
        "C1.0123456789ABCDEF." + "A" * 43 + "." + "A" * 86,  # key ids are lowercase hex
        "C1.0123456789abcdef\n." + "A" * 43 + "." + "A" * 86,
        "C1.0123456789abcdef." + "A" * 43 + "=." + "A" * 86,
        "C1.0123456789abcdef." + "A" * 42 + "B." + "A" * 86,  # non-canonical base64url (stray bits)
        "C1.0123456789abcdef.贵阳." + "A" * 86,
        "C1." + "a" * 5000,
    ],
)
def test_malformed_tokens_are_reported_as_such(token: str, keys: dict[str, bytes]) -> None:
    result = verify_token(token, public_keys=keys)
    assert (result.ok, result.code) == (False, "malformed")


def test_public_keys_may_be_given_as_pem(signer: DocumentSigner) -> None:
    token = verification_token(a_conclusion(), signer)
    assert verify_token(token, public_keys={signer.key_id: signer.public_key_pem}).ok


def test_a_token_signed_with_a_retired_key_still_verifies(settings: Any) -> None:
    old = DocumentSigner.generate(department="520102-market")
    token = verification_token(a_conclusion(), old)
    assert verify_token(token, public_keys=public_keys()).code == "unknown_key"
    settings.ONEGO_DOCUMENT_RETIRED_PUBLIC_KEYS = [base64.b64encode(old.public_key_raw).decode()]
    assert verify_token(token, public_keys=public_keys()).ok


def test_a_development_signed_token_verifies_with_the_departments_public_keys() -> None:
    token = verification_token(a_conclusion(), signer_for("520102-gov-service"))
    assert verify_token(token, public_keys=public_keys(departments=["520102-gov-service"])).ok
