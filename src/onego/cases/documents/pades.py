"""The PDF's own digital signature (PAdES baseline B-B), made and checked with pyHanko.

The signature sits in an invisible signature field and covers the whole file, so any PDF reader lists it
in its signature panel: the signer is the department's certificate (signing.py), the algorithm ECDSA P-256
with SHA-256, the container CAdES-detached (ETSI.CAdES.detached). There is no timestamp authority and no
revocation service here, so the signing time is the signer's own claim (B-B, not B-T); a deployment with
a government CA and TSA can raise the level without changing callers (docs/documents.md).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from onego.cases.documents.signing import DocumentSigner

logger = logging.getLogger(__name__)

FIELD_NAME = "OneGoDocumentSignature"


def _asn1_certificate(cert: x509.Certificate | bytes) -> asn1_x509.Certificate:
    if isinstance(cert, bytes):
        cert = (
            x509.load_pem_x509_certificate(cert)
            if cert.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_certificate(cert)
        )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, *, signer: DocumentSigner, reason: str, location: str = "") -> bytes:
    """`pdf` with the department's PAdES signature appended as an incremental update."""
    key = asn1_keys.PrivateKeyInfo.load(
        signer.pdf_private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    pdf_signer = signers.SimpleSigner(
        signing_cert=_asn1_certificate(signer.certificate),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([]),  # type: ignore[no-untyped-call]  # self-signed
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        name=signer.name,
    )
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=pdf_signer)
    return bytes(out.getvalue())


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What a verifier of the PDF signature learns. `ok` = intact, valid, trusted and covering it all."""

    ok: bool
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature is cryptographically sound
    trusted: bool  # the certificate chains to one of the trusted certificates
    covers_whole_file: bool  # nothing was appended after signing
    signer_name: str
    signed_at: dt.datetime | None
    summary: str


def check_pdf_signature(pdf: bytes, *, trusted: Iterable[x509.Certificate | bytes]) -> PdfSignatureCheck:
    """Validate the document's signature with pyHanko against the given department certificates
    (offline: no fetching of revocation information — there is none for these certificates)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    signatures = [s for s in reader.embedded_signatures if s.field_name == FIELD_NAME]
    if len(signatures) != 1:
        return PdfSignatureCheck(
            ok=False,
            intact=False,
            valid=False,
            trusted=False,
            covers_whole_file=False,
            signer_name="",
            signed_at=None,
            summary=f"expected one {FIELD_NAME} signature, found {len(signatures)}",
        )
    embedded = signatures[0]
    context = ValidationContext(trust_roots=[_asn1_certificate(c) for c in trusted], allow_fetching=False)
    status = validate_pdf_signature(embedded, context)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return PdfSignatureCheck(
        ok=bool(status.bottom_line and whole),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=whole,
        signer_name=embedded.signer_cert.subject.native.get("common_name", ""),
        signed_at=status.signer_reported_dt,
        summary=status.summary(),
    )
