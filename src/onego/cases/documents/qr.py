"""The verification QR code, drawn as vector squares (crisp at any zoom and in print) with a link."""

from __future__ import annotations

import segno
from fpdf import FPDF

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks


def draw_qr(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> segno.QRCode:
    """Draw a QR code for `data` in the square (x, y, size) and make the square a link to it.

    Error correction M (15 %) keeps a printed, folded or stamped-over code readable while a licence's
    longer token still fits a scannable version."""
    qr = segno.make(data, error="m", micro=False, boost_error=False)
    matrix = qr.matrix
    count = len(matrix) + 2 * QUIET_ZONE
    module = size / count
    with pdf.local_context(fill_color=(255, 255, 255)):
        pdf.rect(x, y, size, size, style="F")
    with pdf.local_context(fill_color=(0, 0, 0)):
        for row_index, row in enumerate(matrix):
            top = y + (row_index + QUIET_ZONE) * module
            col = 0
            while col < len(row):
                if not row[col]:
                    col += 1
                    continue
                start = col
                while col < len(row) and row[col]:
                    col += 1
                # One rectangle per horizontal run; a hair of overlap hides anti-aliasing seams in viewers.
                pdf.rect(
                    x + (start + QUIET_ZONE) * module,
                    top,
                    (col - start) * module + 0.01,
                    module + 0.01,
                    style="F",
                )
    pdf.link(x, y, size, size, data, alt_text="扫码核验")
    return qr


def qr_svg(data: str, *, title: str) -> str:
    """The same code as inline SVG markup for a web page (no script, no external request)."""
    qr = segno.make(data, error="m", micro=False, boost_error=False)
    return str(qr.svg_inline(scale=4, border=QUIET_ZONE, title=title, dark="#000", light="#fff"))
