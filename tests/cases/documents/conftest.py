from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import segno

from onego.cases.documents import (
    ConclusionDocument,
    DocumentSigner,
    IntegratedLicence,
    render_conclusion_pdf,
    render_integrated_licence_pdf,
    verification_token,
)
from tests.cases.documents.factories import a_conclusion, an_integrated_licence

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "documents"
VERIFY_BASE = "http://127.0.0.1:8000/verify/"


@dataclass(frozen=True)
class Rendered:
    """A document rendered once for the session, with what went into its QR code."""

    doc: ConclusionDocument | IntegratedLicence
    signer: DocumentSigner
    token: str
    verify_url: str
    pdf: bytes
    qr_data: tuple[str, ...]  # every string handed to segno.make while rendering


def _render(doc: ConclusionDocument | IntegratedLicence, signer: DocumentSigner, name: str) -> Rendered:
    token = verification_token(doc, signer)
    url = VERIFY_BASE + token
    seen: list[str] = []
    real_make = segno.make

    def spy(content: str, *args: object, **kwargs: object) -> segno.QRCode:
        seen.append(content)
        return real_make(content, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(segno, "make", spy)
        if isinstance(doc, ConclusionDocument):
            pdf = render_conclusion_pdf(doc, verify_url=url, signer=signer)
        else:
            pdf = render_integrated_licence_pdf(doc, verify_url=url, signer=signer)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf)  # for a person to open (make test keeps test-artifacts/)
    return Rendered(doc, signer, token, url, pdf, tuple(seen))


@pytest.fixture(scope="session")
def lead_signer() -> DocumentSigner:
    return DocumentSigner.generate(department="520102-gov-service", name="贵阳市南明区政务服务中心")


@pytest.fixture(scope="session")
def licence_signer() -> DocumentSigner:
    return DocumentSigner.generate(department="520102-market", name="贵阳市南明区市场监督管理局")


@pytest.fixture(scope="session")
def conclusion(lead_signer: DocumentSigner) -> Rendered:
    return _render(a_conclusion(), lead_signer, "conclusion-example.pdf")


@pytest.fixture(scope="session")
def licence(licence_signer: DocumentSigner) -> Rendered:
    return _render(an_integrated_licence(), licence_signer, "integrated-licence-example.pdf")
