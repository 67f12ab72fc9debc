"""The Chinese fonts embedded in every document: Noto Serif SC and Noto Sans SC (SIL OFL 1.1).

Where they come from: the PyPI package `pylopdf-fonts-zh-cn`, which ships the notofonts/noto-cjk
region-specific OpenType files, so `make run` needs no Debian font package.

How they are embedded: those files have CFF (PostScript) outlines. ReportLab cannot embed CFF at all, and
fpdf2 embeds it as a CID-keyed CFF (CIDFontType0C) behind an embedded encoding CMap, which poppler,
MuPDF and pdfium display correctly but pdfminer.six reads as no text and pypdf as text with a space
between every character. So for each document we cut the font down to the characters that document can
print and convert that subset's outlines to TrueType quadratics (fontTools cu2qu, 1/1000 em tolerance);
fpdf2 then embeds it the way almost every PDF producer embeds CJK text — a CIDFontType2 with Identity-H
and a ToUnicode map — which every reader and text extractor handles. The result is a subset: a one-page
document carries a few hundred glyphs, tens of kilobytes, not the 8–11 MB source files
(docs/documents.md).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pylopdf_fonts_zh_cn
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

SERIF = "NotoSerifSC"  # body and headings: a Song (宋体) style, as official documents are set
SANS = "NotoSansSC"  # tables, identifiers and small print: a Hei (黑体) style, clearer at small sizes

# Cubic-to-quadratic tolerance in font units (1000 per em): invisible at any print size.
_MAX_ERROR = 1.0
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx", "DSIG")

# fontTools reports every table it subsets at INFO: dozens of lines per document in the server log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def source_files() -> dict[str, Path]:
    return {SERIF: pylopdf_fonts_zh_cn.serif_path(), SANS: pylopdf_fonts_zh_cn.sans_path()}


@lru_cache(maxsize=2)
def supported_characters(family: str) -> frozenset[str]:
    """Every character the source font has a glyph for (read once per process)."""
    font = TTFont(source_files()[family], lazy=True)
    try:
        return frozenset(chr(cp) for cp in font.getBestCmap())
    finally:
        font.close()


def truetype_subset(family: str, characters: Iterable[str]) -> bytes:
    """A TrueType-outline font holding just these characters of the family (and .notdef)."""
    wanted = {ord(c) for c in characters if c in supported_characters(family)}
    font = TTFont(source_files()[family], lazy=True)
    try:
        # No shaping and no vertical text: the PDF places each glyph itself. Deleting these tables
        # before subsetting spares decompiling them (most of the time of a subset otherwise).
        for tag in _UNUSED_TABLES:
            if tag in font:
                del font[tag]
        options = subset.Options()
        options.layout_features = []
        options.drop_tables += list(_UNUSED_TABLES)
        options.notdef_outline = True
        options.name_IDs = ["*"]  # keep the OFL notice and the family name in the embedded subset
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        _cff_to_glyf(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    finally:
        font.close()


def _cff_to_glyf(font: TTFont) -> None:
    """Replace the CFF table with glyf/loca (as fontTools' otf2ttf snippet does)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, _MAX_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.compile(font)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
