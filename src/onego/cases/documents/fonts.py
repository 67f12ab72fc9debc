"""The Chinese fonts embedded in every document: Noto Serif SC and Noto Sans SC (SIL OFL 1.1).

They come from the PyPI package `pylopdf-fonts-zh-cn` (the notofonts/noto-cjk region-specific OpenType
files), so `make run` needs no Debian font package. They are CFF-flavoured OpenType, which ReportLab cannot
embed; fpdf2 can: it subsets each font with fontTools to the glyphs the document uses and embeds the subset
as a CIDFontType0 (FontFile3/OpenType) with a ToUnicode map, so the text reads right — and can be copied and
searched — on any device, and a document weighs tens of kilobytes, not megabytes (docs/documents.md).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pylopdf_fonts_zh_cn
from fpdf import FPDF

SERIF = "NotoSerifSC"  # body and headings: a Song (宋体) style, as official documents are set
SANS = "NotoSansSC"  # tables, identifiers and small print: a Hei (黑体) style, clearer at small sizes

# fontTools reports every table it subsets at INFO: dozens of lines per document in the server log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def font_files() -> dict[str, Path]:
    return {SERIF: pylopdf_fonts_zh_cn.serif_path(), SANS: pylopdf_fonts_zh_cn.sans_path()}


def register_fonts(pdf: FPDF) -> None:
    for family, path in font_files().items():
        pdf.add_font(family, "", path)
