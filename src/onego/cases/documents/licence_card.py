"""An e-licence rendered for showing (亮证): one A4 landscape page with the licence's face and a QR code.

This is a view of a record of the e-licence library, not a document of its own: it is not signed, and
says so; the QR code opens the public check of the licence (`cases.licence_view.check_licence_token`),
which answers from the library itself, so a printed copy can never outlive a revocation unnoticed.
The holder is printed as the viewer may see it (in full for the holder, masked otherwise).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fpdf.enums import Align, XPos, YPos

from onego.cases.documents.fonts import SANS, SERIF
from onego.cases.documents.qr import draw_qr
from onego.cases.documents.render import (
    _TEMPLATE_CHARACTERS,
    GREY,
    RED,
    _check_url,
    _literal_characters,
    _Pdf,
    _produce,
)

_CHARACTERS = _TEMPLATE_CHARACTERS | _literal_characters(Path(__file__).read_text(encoding="utf-8"))


STATUS_LABELS = {"valid": "有效", "revoked": "已注销", "expired": "已过期"}


@dataclass(frozen=True)
class LicenceShown:
    """What the licence page and its PDF print, with the holder already full or masked for the viewer."""

    identifier: str
    name: str
    number: str
    holder_name: str
    holder_code: str
    holder_code_word: str
    holder_kind: str  # person | enterprise
    issuer: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    status: str  # valid | revoked | expired (an expiry date passed counts as expired)
    case_reference: str
    item_name: str
    full: bool  # the holder is shown in full
    token: str  # for the QR code's verification URL

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def _day(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def validity(lic: LicenceShown) -> str:
    start = _day(lic.valid_from)
    return f"{start} 至 {_day(lic.valid_until)}" if lic.valid_until else f"自 {start} 起长期有效"


def render_licence_card_pdf(lic: LicenceShown, *, verify_url: str, printed_at: dt.datetime) -> bytes:
    """The licence's face as a PDF, with a QR code to `verify_url` (the public check of this licence)."""
    _check_url(verify_url)
    texts = (
        lic.identifier, lic.name, lic.number, lic.holder_name, lic.holder_code, lic.holder_code_word,
        lic.issuer, lic.case_reference, lic.item_name, lic.status_label,
    )  # fmt: skip

    def layout(pdf: _Pdf) -> None:
        pdf.add_page()
        with pdf.local_context(draw_color=RED, line_width=1.2):
            pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
        with pdf.local_context(draw_color=RED, line_width=0.3):
            pdf.rect(10.5, 10.5, pdf.w - 21, pdf.h - 21)
        pdf.set_y(18)
        with pdf.typeset(SERIF, 26), pdf.bold(weight=0.4):
            pdf.cell(0, 13, lic.name, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        with pdf.typeset(SERIF, 11, text_color=GREY):
            pdf.cell(
                0,
                6,
                f"（电子证照）　状态：{lic.status_label}",
                align=Align.C,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        pdf.ln(4)
        rows: list[tuple[tuple[str, str], ...]] = [
            (("持证主体", lic.holder_name), (lic.holder_code_word, lic.holder_code)),
            (("证照编号", lic.number or "—"), ("颁发机构", lic.issuer)),
            (("颁证日期", _day(lic.issued_on)), ("有效期", validity(lic))),
        ]
        if lic.item_name or lic.case_reference:
            rows.append((("办理事项", lic.item_name or "—"), ("办件编号", lic.case_reference or "—")))
        rows.append((("电子证照标识", lic.identifier),))
        qr_size = 42.0
        pdf.set_right_margin(20 + qr_size + 8)
        pdf.fields_table(rows)
        pdf.set_right_margin(20)
        qr_x, qr_y = pdf.w - 20 - qr_size, 42.0
        draw_qr(pdf, verify_url, x=qr_x, y=qr_y, size=qr_size)
        with pdf.typeset(SANS, 8.5, text_color=GREY):
            pdf.set_xy(qr_x - 4, qr_y + qr_size + 1)
            pdf.multi_cell(qr_size + 8, 4.2, "扫码核验本证状态", align=Align.C)
        pdf.set_y(max(pdf.get_y(), qr_y + qr_size + 12))
        with pdf.typeset(SANS, 8.5, text_color=GREY):
            pdf.multi_cell(
                0,
                4.4,
                "本页为电子证照库所存证照的展示件（亮证），不另行签章；证照以电子证照库记录为准，"
                f"扫描二维码可查询其当前状态。生成时间：{printed_at:%Y-%m-%d %H:%M}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )

    return _produce(
        layout,
        orientation="landscape",
        footer_left=f"电子证照　{lic.name}",
        characters=_CHARACTERS | frozenset("".join(texts)),
        title=f"{lic.name} {lic.number}".strip(),
        author=lic.issuer,
        subject=f"{lic.name}（电子证照展示件）",
        issued_at=printed_at,
    )
