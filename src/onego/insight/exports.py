"""Figures as CSV (one figure) and xlsx (one figure, or every figure one sheet each).

Values are written as numbers (shares as fractions with a percent format in xlsx, as percentages in
CSV); a text cell that a spreadsheet would take for a formula (= + - @ at the start) is prefixed with
an apostrophe, so a department or package name can never run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from onego.insight.selectors import Dashboard, Figure

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(kind: str, value: Any, *, for_csv: bool) -> Any:
    if value is None:
        return ""
    if kind == "text":
        return safe_text(value)
    if kind == "share" and for_csv:
        return round(float(value) * 100, 2)
    return value


def _header(figure: Figure, *, for_csv: bool) -> list[str]:
    labels = []
    for i, c in enumerate(figure.columns):
        label = str(c.label) or str(figure.title)
        if i == 0 and not str(c.label):
            label = str(figure.title)
        labels.append(label + (" (%)" if for_csv and c.kind == "share" else ""))
    return labels


def figure_csv(figure: Figure, dashboard: Dashboard) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [safe_text(str(figure.title)), dashboard.region.name, f"{dashboard.start}~{dashboard.end}"]
    )
    writer.writerow(_header(figure, for_csv=True))
    for row in figure.rows:
        writer.writerow([_cell(c.kind, row.get(c.key), for_csv=True) for c in figure.columns])
    # UTF-8 with BOM: Excel opens Chinese text correctly only so.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def figures_xlsx(figures: Iterable[Figure], dashboard: Dashboard) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for figure in figures:
        sheet = book.create_sheet(title=str(figure.title)[:31])
        sheet.append(
            [safe_text(str(figure.title)), dashboard.region.name, f"{dashboard.start}~{dashboard.end}"]
        )
        sheet.append(_header(figure, for_csv=False))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in figure.rows:
            sheet.append([_cell(c.kind, row.get(c.key), for_csv=False) for c in figure.columns])
        for i, c in enumerate(figure.columns, start=1):
            if c.kind == "share":
                for (cell,) in sheet.iter_rows(min_row=3, min_col=i, max_col=i):
                    cell.number_format = "0.0%"
            sheet.column_dimensions[sheet.cell(row=2, column=i).column_letter].width = 14 if i > 1 else 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
