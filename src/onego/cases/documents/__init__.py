"""Conclusion documents and integrated licences: signed PDFs with a verifying QR code (issue #4 item 6).

Independent of the cases models: the engine builds the dataclasses and calls the renderers.

    doc = ConclusionDocument(...)
    signer = signer_for(department.code, name=department.name)
    token = verification_token(doc, signer)
    pdf = render_conclusion_pdf(doc, verify_url=f"{base}/verify/{token}", signer=signer)
    ...
    verify_token(token, public_keys=public_keys(departments=[...]), expected_digest=document_digest(doc))

See docs/documents.md for the font, the token format and what a verifier checks.
"""

from onego.cases.documents.digest import canonical_document_bytes, document_digest
from onego.cases.documents.model import (
    OUTCOME_LABELS,
    ConclusionDocument,
    IntegratedLicence,
    Opinion,
    PermitLine,
)
from onego.cases.documents.pades import PdfSignatureCheck, check_pdf_signature
from onego.cases.documents.render import render_conclusion_pdf, render_integrated_licence_pdf
from onego.cases.documents.signing import DocumentSigner, public_keys, signer_for
from onego.cases.documents.tokens import VerificationResult, verification_token, verify_token

__all__ = [
    "OUTCOME_LABELS",
    "ConclusionDocument",
    "DocumentSigner",
    "IntegratedLicence",
    "Opinion",
    "PdfSignatureCheck",
    "PermitLine",
    "VerificationResult",
    "canonical_document_bytes",
    "check_pdf_signature",
    "document_digest",
    "public_keys",
    "render_conclusion_pdf",
    "render_integrated_licence_pdf",
    "signer_for",
    "verification_token",
    "verify_token",
]
