"""Laying out the conclusion document and the integrated licence as PDF (fpdf2), then signing them.

Everything printed comes from the document's fields; the digest and key id printed in the signature
block are the ones the QR token carries, so a person can compare what the verification page shows with
the paper in hand.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes
from fpdf import FPDF, FontFace
from fpdf.enums import Align, MethodReturnValue, WrapMode, XPos, YPos

from onego.cases.documents.digest import canonical_document_bytes, document_digest
from onego.cases.documents.fonts import SANS, SERIF, supported_characters, truetype_subset
from onego.cases.documents.model import OUTCOME_LABELS, ConclusionDocument, Document, IntegratedLicence
from onego.cases.documents.pades import sign_pdf
from onego.cases.documents.qr import draw_qr
from onego.cases.documents.signing import DocumentSigner

# Documents are dated in Beijing time whatever the server's zone (发文日期 is a local date).
CHINA = ZoneInfo("Asia/Shanghai")
RED = (200, 16, 46)  # the red of a 红头 header and of a seal
INK = (20, 20, 20)
GREY = (100, 100, 100)
RULE = (170, 170, 170)
HEAD_FILL = (242, 242, 242)
CREATOR = "OneGo 一件事一次办"
PAGE_BOTTOM_MARGIN = 22  # mm; the running footer sits below it
logger = logging.getLogger(__name__)


def _literal_characters(source: str) -> frozenset[str]:
    """Every character in the string literals (f-string parts included) of a module's source."""
    return frozenset(
        "".join(
            node.value
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        )
    )


# What a document can print: its own fields, its signer's name, and the fixed wording, which is all in
# this module's string literals — so those stand in for the template, and the font subsets are cut to
# them plus the document's own characters before layout.
_TEMPLATE_CHARACTERS = (
    _literal_characters(Path(__file__).read_text(encoding="utf-8"))
    | frozenset(map(chr, range(0x20, 0x7F)))
    | frozenset("".join(OUTCOME_LABELS.values()))
)


def _characters(doc: Document, signer: DocumentSigner) -> frozenset[str]:
    return _TEMPLATE_CHARACTERS | frozenset(canonical_document_bytes(doc).decode("utf-8") + signer.name)


def _date(value: dt.datetime) -> str:
    d = value.astimezone(CHINA)
    return f"{d.year}年{d.month}月{d.day}日"


def _short_date_time(value: dt.datetime) -> str:
    return f"{value.astimezone(CHINA):%Y-%m-%d %H:%M}"


def _date_time(value: dt.datetime) -> str:
    d = value.astimezone(CHINA)
    return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}"


def _check_url(verify_url: str) -> None:
    parts = urlsplit(verify_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"verify_url must be an absolute http(s) URL, got {verify_url!r}")


class _Pdf(FPDF):
    """A page with the running footer every document carries."""

    def __init__(self, *, orientation: str, footer_left: str, fonts: dict[str, Path]) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.footer_left = footer_left
        for family, path in fonts.items():
            self.add_font(family, "", path)
        self.set_auto_page_break(auto=True, margin=PAGE_BOTTOM_MARGIN)
        self.set_margins(20, 18, 20)
        self.set_text_color(*INK)
        self.set_draw_color(*INK)

    def footer(self) -> None:
        self.set_y(-14)
        with self.typeset(SANS, 8, text_color=GREY):
            self.cell(self.epw / 2, 5, self.footer_left, align=Align.L)
            self.cell(self.epw / 2, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.R)

    @contextmanager
    def typeset(self, family: str, size: float, **graphics: Any) -> Iterator[None]:
        # fpdf2's local_context(font_family=…) leaves the font unmeasured in tables (their line breaking
        # then never ends), so the font is set explicitly; local_context restores it on the way out.
        with self.local_context(**graphics):
            self.set_font(family, size=size)
            yield

    @contextmanager
    def bold(self, color: tuple[int, int, int] = INK, weight: float = 0.25) -> Iterator[None]:
        # The OFL Noto SC files carry one weight; a stroked outline gives headings the 小标宋 heft.
        with self.local_context(
            text_mode="FILL_STROKE", line_width=weight, draw_color=color, text_color=color
        ):
            yield

    def heading(self, text: str) -> None:
        self.ln(2)
        with self.typeset(SERIF, 13), self.bold(weight=0.15):
            self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 11.5, indent: bool = True) -> None:
        with self.typeset(SERIF, size):
            # Chinese paragraphs start with two full-width spaces (首行缩进两字). WORD wrapping breaks at a
            # space where there is one and between any two characters where there is not (CJK runs);
            # fpdf2's CHAR mode never ends when a column is narrower than one glyph, WORD mode raises.
            self.multi_cell(
                0,
                size * 0.62,
                ("\u3000\u3000" if indent else "") + text,
                align=Align.J,
                wrapmode=WrapMode.WORD,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )

    def fields_table(self, rows: list[tuple[tuple[str, str], ...]]) -> None:
        """Label–value pairs, two to a row (a lone pair spans the row), to keep the page compact."""
        with (
            self.typeset(SERIF, 11),
            self.table(
                col_widths=(0.12, 0.38, 0.16, 0.34),
                first_row_as_headings=False,
                borders_layout="HORIZONTAL_LINES",
                text_align=(Align.L, Align.L, Align.L, Align.L),
                line_height=6,
                wrapmode=WrapMode.WORD,
                padding=(0.8, 2),
                v_align="TOP",
            ) as table,
        ):
            label_style = FontFace(color=GREY)
            for pairs in rows:
                row = table.row()
                for label, value in pairs:
                    row.cell(label, style=label_style)
                    row.cell(value, colspan=3 if len(pairs) == 1 else 1)

    def grid(self, headings: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[float, ...]) -> None:
        with (
            self.typeset(SANS, 9.5, draw_color=RULE),
            self.table(
                col_widths=widths,
                text_align=tuple(Align.L for _ in widths),
                line_height=5.2,
                wrapmode=WrapMode.WORD,
                padding=(1.2, 1.5),
                v_align="TOP",
                headings_style=FontFace(emphasis="", fill_color=HEAD_FILL),
                repeat_headings=1,
            ) as table,
        ):
            head = table.row()
            for text in headings:
                head.cell(text)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(text)

    def signature_block(
        self,
        *,
        issuer: str,
        issued_at: dt.datetime,
        verify_url: str,
        digest: str,
        signer: DocumentSigner,
        qr_caption: str,
        qr_size: float,
        notes: tuple[str, ...],
    ) -> None:
        """Issuer, date, the signature's particulars and the QR code, kept together at the page foot."""
        fingerprint = signer.certificate.fingerprint(hashes.SHA256()).hex().upper()
        lines = [
            f"电子签名：{signer.name}（PAdES，ECDSA P-256，证书指纹 {fingerprint[:16]}）",
            f"二维码核验码：Ed25519 签名，密钥 {signer.key_id}；文书摘要（SM3）：",
            " ".join(digest[i : i + 16] for i in range(0, 64, 16)),
            *notes,
        ]
        line_h = 4.2
        left = self.l_margin
        qr_x = self.w - self.r_margin - qr_size
        text_w = qr_x - left - 8
        with self.typeset(SANS, 8):
            wrapped = 0
            for line in lines:
                laid = self.multi_cell(text_w - 4, line_h, line, dry_run=True, output=MethodReturnValue.LINES)
                assert isinstance(laid, list)
                wrapped += len(laid)
        height = max(qr_size + 6, 7 + 6.5 + 2 + wrapped * line_h + 3)
        bottom = self.h - 21  # above the running footer
        if self.get_y() + 4 + height <= bottom:
            top = bottom - height  # on the page it ends, at the foot, where a 落款 belongs
        else:
            # Signature and date alone on a page, marked as such (此页无正文), as official documents do.
            self.add_page()
            with self.typeset(SERIF, 11):
                self.cell(0, 7, "（此页无正文）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            top = self.get_y() + 6

        # The block is measured to fit; an automatic break inside it would tear it across two pages.
        self.set_auto_page_break(auto=False)
        draw_qr(self, verify_url, x=qr_x, y=top, size=qr_size)
        with self.typeset(SANS, 8.5, text_color=GREY):
            self.set_xy(qr_x - 6, top + qr_size + 0.5)
            self.multi_cell(qr_size + 12, 4.2, qr_caption, align=Align.C, wrapmode=WrapMode.WORD)

        # 落款: the issuer and the date, right-aligned above the particulars, red like a seal's ink.
        self.set_xy(left, top)
        with self.typeset(SERIF, 12.5), self.bold(color=RED, weight=0.15):
            self.cell(text_w, 7, f"签发：{issuer}", align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
        with self.typeset(SERIF, 11.5):
            self.cell(text_w, 6.5, _date(issued_at), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.ln(2)
        with self.typeset(SANS, 8, text_color=GREY, draw_color=RULE):
            y0 = self.get_y()
            for line in lines:
                self.set_x(left + 2)
                self.multi_cell(text_w - 4, line_h, line, align=Align.L, wrapmode=WrapMode.WORD)
            self.rect(left, y0 - 1.5, text_w, self.get_y() - y0 + 3)
        self.set_auto_page_break(auto=True, margin=PAGE_BOTTOM_MARGIN)


def _produce(
    layout: Callable[[_Pdf], None],
    *,
    orientation: str,
    footer_left: str,
    characters: Iterable[str],
    title: str,
    author: str,
    subject: str,
    issued_at: dt.datetime,
) -> bytes:
    """Lay the document out with fonts cut to `characters` and return the unsigned PDF.

    Should the layout print a character the estimate missed (a glyph fpdf2 reports missing although
    the font has it), it is laid out once more with that character added, never shipped as a box."""
    wanted = set(characters)
    for _attempt in range(2):
        with tempfile.TemporaryDirectory(prefix="onego-fonts-") as tmp:
            fonts = {}
            for family in (SERIF, SANS):
                fonts[family] = Path(tmp) / f"{family}.ttf"
                fonts[family].write_bytes(truetype_subset(family, wanted))
            pdf = _Pdf(orientation=orientation, footer_left=footer_left, fonts=fonts)
            layout(pdf)
            pdf.set_title(title)
            pdf.set_author(author)
            pdf.set_subject(subject)
            pdf.set_creator(CREATOR)
            pdf.set_lang("zh-CN")
            # The issue time, not the render time, so the same document renders to the same bytes.
            pdf.set_creation_date(issued_at.astimezone(dt.UTC))
            missing = {chr(cp) for font in pdf.fonts.values() for cp in getattr(font, "missing_glyphs", ())}
            data = bytes(pdf.output())
        fixable = {
            c for c in missing if c in supported_characters(SERIF) | supported_characters(SANS)
        } - wanted
        if not fixable:
            if missing:
                logger.warning("Noto SC has no glyph for %s in %s", "".join(sorted(missing)), title)
            return data
        wanted |= fixable
    return data


# --- the conclusion ---------------------------------------------------------------------------------
def render_conclusion_pdf(doc: ConclusionDocument, *, verify_url: str, signer: DocumentSigner) -> bytes:
    """The conclusion document (办理结论通知书) as a signed PDF with a QR code pointing at `verify_url`."""
    _check_url(verify_url)
    digest = document_digest(doc)
    unsigned = _produce(
        lambda pdf: _conclusion_layout(pdf, doc, verify_url=verify_url, digest=digest, signer=signer),
        orientation="portrait",
        footer_left=f"{doc.number}　{doc.package_name}",
        characters=_characters(doc, signer),
        title=f"{doc.package_name} 办理结论通知书 {doc.number}",
        author=doc.lead_department,
        subject=f"办件 {doc.case_reference} 办理结论：{doc.outcome_label}",
        issued_at=doc.issued_at,
    )
    return sign_pdf(unsigned, signer=signer, reason=f"办理结论通知书 {doc.number}")


def _conclusion_layout(
    pdf: _Pdf, doc: ConclusionDocument, *, verify_url: str, digest: str, signer: DocumentSigner
) -> None:
    pdf.add_page()

    # 红头: the lead department's name in red over a red rule.
    with pdf.typeset(SERIF, 20), pdf.bold(color=RED, weight=0.35):
        pdf.cell(0, 12, doc.lead_department, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1.5
    with pdf.local_context(draw_color=RED, line_width=0.8):
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_y(y + 6)

    with pdf.typeset(SERIF, 18), pdf.bold(weight=0.3):
        pdf.cell(0, 10, "“一件事一次办”办理结论通知书", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pdf.typeset(SERIF, 10.5, text_color=GREY):
        pdf.cell(0, 7, doc.number, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    pdf.fields_table(
        [
            (("一件事", doc.package_name), ("申请人", doc.applicant_name or doc.applicant_name_masked)),
            (("办件编号", doc.case_reference), ("办结时间", _date_time(doc.issued_at))),
            (("牵头部门", doc.lead_department),),
        ]
    )

    pdf.heading("一、办理结论")
    color = RED if doc.outcome == "rejected" else INK
    with pdf.typeset(SERIF, 14), pdf.bold(color=color, weight=0.25):
        pdf.cell(0, 8, f"　　{doc.outcome_label}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.outcome_text:
        pdf.paragraph(doc.outcome_text)

    pdf.heading("二、各部门办理意见")
    if doc.opinions:
        pdf.grid(
            ("序号", "部门", "事项", "决定", "意见", "办理时间"),
            [
                (str(i), o.department, o.item, o.decision, o.opinion or "—", _short_date_time(o.decided_at))
                for i, o in enumerate(doc.opinions, start=1)
            ],
            (0.06, 0.2, 0.2, 0.08, 0.31, 0.15),
        )
    else:
        pdf.paragraph("无。")

    pdf.heading("三、办理结果")
    if doc.results:
        for i, result in enumerate(doc.results, start=1):
            pdf.paragraph(f"{i}. {result}", size=11, indent=False)
    else:
        pdf.paragraph("无。")

    pdf.heading("四、送达")
    pdf.paragraph(doc.delivery or "—")

    pdf.signature_block(
        issuer=doc.lead_department,
        issued_at=doc.issued_at,
        verify_url=verify_url,
        digest=digest,
        signer=signer,
        qr_caption="扫码核验真伪",
        qr_size=34,
        notes=("可扫描二维码核验，或在 PDF 阅读器中查看本文件的电子签名。",),
    )


# --- the integrated licence (一业一证) ---------------------------------------------------------------
def render_integrated_licence_pdf(
    lic: IntegratedLicence, *, verify_url: str, signer: DocumentSigner
) -> bytes:
    """The integrated licence (行业综合许可证) as a signed PDF, one row per permit it carries."""
    _check_url(verify_url)
    digest = document_digest(lic)
    unsigned = _produce(
        lambda pdf: _licence_layout(pdf, lic, verify_url=verify_url, digest=digest, signer=signer),
        orientation="landscape",
        footer_left=f"行业综合许可证　{lic.number}",
        characters=_characters(lic, signer),
        title=f"行业综合许可证 {lic.number}",
        author=lic.issuer,
        subject=f"{lic.holder_name}：{len(lic.permits)} 项许可",
        issued_at=lic.issued_at,
    )
    return sign_pdf(unsigned, signer=signer, reason=f"行业综合许可证 {lic.number}")


def _licence_layout(
    pdf: _Pdf, lic: IntegratedLicence, *, verify_url: str, digest: str, signer: DocumentSigner
) -> None:
    pdf.add_page()

    # A licence's double frame: a heavy outer rule and a thin inner one.
    with pdf.local_context(draw_color=RED, line_width=1.2):
        pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    with pdf.local_context(draw_color=RED, line_width=0.3):
        pdf.rect(10.5, 10.5, pdf.w - 21, pdf.h - 21)

    pdf.set_y(16)
    with pdf.typeset(SERIF, 26), pdf.bold(weight=0.4):
        pdf.cell(0, 13, "行业综合许可证", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pdf.typeset(SERIF, 11, text_color=GREY):
        pdf.cell(
            0, 6, f"（一业一证）　编号：{lic.number}", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(3)

    pdf.fields_table(
        [
            (("持证主体", lic.holder_name), ("统一社会信用代码", lic.holder_code_masked)),
            (("经营场所", lic.business_address),),
        ]
    )
    pdf.heading(f"本证载明的许可（共 {len(lic.permits)} 项）")
    pdf.grid(
        ("序号", "许可事项", "电子证照标识（GB/T 36904）", "发证机关", "有效期至"),
        [
            (
                str(i),
                p.name,
                p.identifier,
                p.issuer,
                f"{p.valid_until.year}年{p.valid_until.month}月{p.valid_until.day}日"
                if p.valid_until
                else "长期",
            )
            for i, p in enumerate(lic.permits, start=1)
        ],
        (0.05, 0.22, 0.38, 0.22, 0.13),
    )

    pdf.signature_block(
        issuer=lic.issuer,
        issued_at=lic.issued_at,
        verify_url=verify_url,
        digest=digest,
        signer=signer,
        qr_caption=f"扫码核验本证及所载 {len(lic.permits)} 项许可",
        qr_size=40,
        notes=("二维码载有上列各项许可的电子证照标识及发证部门签名；各项许可以其电子证照为准，可逐项核验。",),
    )
