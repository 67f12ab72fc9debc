from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from onego.cases.documents import (
    ConclusionDocument,
    DocumentSigner,
    IntegratedLicence,
    document_digest,
    render_conclusion_pdf,
    verify_token,
)
from onego.cases.documents.fonts import SANS, SERIF, supported_characters
from onego.cases.documents.render import _TEMPLATE_CHARACTERS
from tests.cases.documents.conftest import VERIFY_BASE, Rendered, _render
from tests.cases.documents.factories import a_conclusion, an_opinion


def _text(pdf: bytes) -> str:
    """All the text of the document, whitespace removed (table cells wrap inside their column)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _embedded_fonts(pdf: bytes) -> dict[str, bytes]:
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, bytes] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            found[str(descendant["/BaseFont"])] = descriptor["/FontFile2"].get_object().get_data()
    return found


def _link_uris(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [
        str(annot.get_object()["/A"]["/URI"])
        for page in reader.pages
        for annot in page.get("/Annots", [])
        if annot.get_object().get("/Subtype") == "/Link"
    ]


@pytest.mark.parametrize("which", ["conclusion", "licence"])
def test_the_document_is_a_pdf(which: str, request: pytest.FixtureRequest) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    assert rendered.pdf.startswith(b"%PDF-")
    assert rendered.pdf.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("which", ["conclusion", "licence"])
def test_the_chinese_fonts_are_embedded_as_small_truetype_subsets(
    which: str, request: pytest.FixtureRequest
) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    fonts = _embedded_fonts(rendered.pdf)
    names = sorted(re.sub(r"^/[A-Z]{6}\+", "", name) for name in fonts)
    assert names == sorted([SANS, SERIF])
    for name, data in fonts.items():
        assert re.match(r"^/[A-Z]{6}\+", name), f"{name} has no subset tag"
        assert data[:4] == b"\x00\x01\x00\x00"  # TrueType outlines (FontFile2)
        assert len(data) < 150_000, f"{name} is {len(data)} bytes: not subset"
    assert len(rendered.pdf) < 300_000


def test_the_conclusion_reads_back_as_chinese_text(conclusion: Rendered) -> None:
    text = _text(conclusion.pdf)
    doc = conclusion.doc
    assert isinstance(doc, ConclusionDocument)
    assert "“一件事一次办”办理结论通知书" in text
    for value in (
        doc.package_name,
        doc.number,
        doc.case_reference,
        doc.applicant_name_masked,
        doc.lead_department,
    ):
        assert _squeeze(value) in text, value
    assert "2026年3月5日14:30" in text  # issued_at in Beijing time
    assert "准予" in text
    assert _squeeze(doc.outcome_text) in text
    for opinion in doc.opinions:
        for value in (opinion.department, opinion.item, opinion.decision, opinion.opinion):
            assert _squeeze(value) in text, value
        assert opinion.decided_at.strftime("%Y-%m-%d%H:%M") in text
    for result in doc.results:
        assert _squeeze(result) in text
    assert _squeeze(doc.delivery) in text


def test_the_licence_lists_each_permit_with_its_identifier(licence: Rendered) -> None:
    text = _text(licence.pdf)
    lic = licence.doc
    assert isinstance(lic, IntegratedLicence)
    assert "行业综合许可证" in text
    for value in (lic.holder_name, lic.holder_code_masked, lic.business_address, lic.number, lic.issuer):
        assert _squeeze(value) in text, value
    for permit in lic.permits:
        assert _squeeze(permit.name) in text
        assert permit.identifier in text
    assert "2031年3月4日" in text
    assert "长期" in text
    assert f"所载{len(lic.permits)}项许可" in text


@pytest.mark.parametrize("which", ["conclusion", "licence"])
def test_the_page_shows_the_digest_and_key_the_qr_token_carries(
    which: str, request: pytest.FixtureRequest
) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    text = _text(rendered.pdf)
    assert document_digest(rendered.doc) in text
    assert rendered.signer.key_id in text


@pytest.mark.parametrize("which", ["conclusion", "licence"])
def test_the_qr_code_encodes_the_verify_url_whose_token_verifies(
    which: str, request: pytest.FixtureRequest
) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    assert rendered.qr_data == (rendered.verify_url,)  # the one string handed to segno
    assert _link_uris(rendered.pdf) == [rendered.verify_url]  # and the code is a link to it
    token = rendered.verify_url.removeprefix(VERIFY_BASE)
    result = verify_token(
        token,
        public_keys={rendered.signer.key_id: rendered.signer.public_key_raw},
        expected_digest=document_digest(rendered.doc),
    )
    assert result.ok, result.why


def test_the_metadata_names_the_document_and_its_issuer(conclusion: Rendered) -> None:
    info = PdfReader(io.BytesIO(conclusion.pdf)).metadata
    doc = conclusion.doc
    assert isinstance(doc, ConclusionDocument)
    assert info is not None
    assert doc.package_name in str(info.title)
    assert info.author == doc.lead_department


def test_every_character_of_the_template_has_a_glyph_in_both_fonts() -> None:
    missing = {
        c for c in _TEMPLATE_CHARACTERS if c not in supported_characters(SERIF) & supported_characters(SANS)
    }
    assert missing <= {"\n"}, "".join(sorted(missing))


def test_a_long_rejected_conclusion_flows_onto_more_pages_and_ends_with_the_signature(
    lead_signer: DocumentSigner,
) -> None:
    opinions = tuple(
        an_opinion(
            department=f"贵阳市南明区第{i}部门",
            item=f"第{i}项许可事项",
            decision="不予",
            opinion="经审查，申请材料不符合法定条件，不予许可。申请人可自收到本通知之日起六十日内申请行政复议。",
        )
        for i in range(1, 26)
    )
    doc = a_conclusion(outcome="rejected", opinions=opinions, results=())
    rendered = _render(doc, lead_signer, "conclusion-long-example.pdf")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) >= 2
    last = _squeeze(reader.pages[-1].extract_text())
    assert f"签发：{doc.lead_department}" in last
    assert f"共{len(reader.pages)}页" in last
    if "第25项许可事项" not in last:  # the signature block had a page to itself
        assert "（此页无正文）" in last
    text = _text(rendered.pdf)
    assert "第25项许可事项" in text
    assert "不予" in text


def test_a_relative_verify_url_is_refused(lead_signer: DocumentSigner) -> None:
    with pytest.raises(ValueError, match="absolute"):
        render_conclusion_pdf(a_conclusion(), verify_url="/verify/abc", signer=lead_signer)


def test_the_issue_time_not_the_render_time_is_the_creation_date(conclusion: Rendered) -> None:
    info = PdfReader(io.BytesIO(conclusion.pdf)).metadata
    assert info is not None
    assert info.creation_date is not None
    assert info.creation_date.astimezone(dt.UTC) == conclusion.doc.issued_at.astimezone(dt.UTC)


def test_the_conclusion_prints_the_applicants_full_name(lead_signer: DocumentSigner) -> None:
    rendered = _render(a_conclusion(applicant_name="张三丰"), lead_signer, "conclusion-full-name")
    text = _text(rendered.pdf)
    assert "申请人张三丰" in text
    assert "张*" not in text
