from __future__ import annotations

import io

from pypdf import PdfReader

from onego.cases.documents import DocumentSigner, check_pdf_signature
from onego.cases.documents.pades import FIELD_NAME
from tests.cases.documents.conftest import Rendered


def test_the_pdf_carries_a_pades_signature_that_validates_against_the_departments_certificate(
    conclusion: Rendered,
) -> None:
    check = check_pdf_signature(conclusion.pdf, trusted=[conclusion.signer.certificate])
    assert check.ok, check.summary
    assert (check.intact, check.valid, check.trusted, check.covers_whole_file) == (True, True, True, True)
    assert check.signer_name == "贵阳市南明区政务服务中心"
    assert check.signed_at is not None


def test_the_signature_is_a_pades_field_a_reader_lists(licence: Rendered) -> None:
    reader = PdfReader(io.BytesIO(licence.pdf))
    fields = reader.get_fields() or {}
    assert FIELD_NAME in fields
    value = fields[FIELD_NAME].value
    assert value is not None
    signature = value.get_object()
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
    assert check_pdf_signature(licence.pdf, trusted=[licence.signer.certificate_pem]).ok


def test_a_certificate_from_another_department_is_not_trusted(conclusion: Rendered) -> None:
    other = DocumentSigner.generate(department="520102-fire", name="贵阳市南明区消防救援大队")
    check = check_pdf_signature(conclusion.pdf, trusted=[other.certificate])
    assert (check.intact, check.valid, check.trusted) == (True, True, False)
    assert not check.ok


def test_a_changed_byte_breaks_the_signature(conclusion: Rendered) -> None:
    data = bytearray(conclusion.pdf)
    at = data.index(b"/Title")  # inside the signed range: the document information dictionary
    data[at + 10] ^= 0x01
    check = check_pdf_signature(bytes(data), trusted=[conclusion.signer.certificate])
    assert not check.intact
    assert not check.ok


def test_anything_appended_after_signing_is_noticed(conclusion: Rendered) -> None:
    check = check_pdf_signature(
        conclusion.pdf + b"\n% appended later\n", trusted=[conclusion.signer.certificate]
    )
    assert not check.covers_whole_file
    assert not check.ok


def test_a_pdf_without_our_signature_is_reported_not_ok(conclusion: Rendered) -> None:
    unsigned = conclusion.pdf[: conclusion.pdf.index(b"%%EOF") + 5]  # the bytes before the signature update
    check = check_pdf_signature(unsigned, trusted=[conclusion.signer.certificate])
    assert not check.ok
    assert "found 0" in check.summary
