"""Items kept as an .xlsx workbook: sheets `items`, `item_fields`, `item_materials` (see package-format.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onego.catalog import models as m
from onego.catalog.definitions.parse import Definitions, parse_item
from onego.catalog.definitions.reader import Issues, Reader
from onego.catalog.definitions.source import LineDict, LineList

ITEM_COLUMNS = [
    "code",
    "basic_code",
    "name",
    "name_en",
    "item_type",
    "department",
    "level",
    "legal_basis",
    "acceptance_conditions",
    "legal_limit_days",
    "promised_limit_days",
    "handling_type",
    "special_procedures",
    "fee_charged",
    "fee_description",
    "fee_basis",
    "visits",
    "visits_reason",
    "online",
    "online_depth",
    "postal",
    "result_name",
    "result_licence_type",
    "window_class",
    "sole_approver",
    "site_inspection",
    "instant_approval",
    "service_object",
    "notes",
    "produces",  # data element codes, separated by commas
]
FIELD_COLUMNS = ["item", "element", "required", "when"]
# `subject`: whose material it is (a code of the `subjects` section; empty = the applicant)
MATERIAL_COLUMNS = ["item", "material", "required", "original", "copies", "when", "note", "subject"]


def _rows(ws: Any, sheet: str, display: str, issues: Issues) -> list[tuple[int, dict[str, Any]]]:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return []
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    out = []
    for index, row in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        values = {
            h: v for h, v in zip(headers, row, strict=False) if h and v is not None and str(v).strip() != ""
        }
        out.append((index, values))
    return out


def _line_dict(values: dict[str, Any], line: int) -> LineDict:
    d = LineDict(values)
    d.line = line
    d.key_lines = dict.fromkeys(values, line)
    return d


def read_items_workbook(path: Path, *, display: str, defs: Definitions, issues: Issues) -> None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one precise error
        issues.add(display, 1, "", f"无法读取 xlsx 文件：{exc}")
        return
    if "items" not in wb.sheetnames:
        issues.add(display, 1, "", f"工作簿缺少 items 工作表（现有：{', '.join(wb.sheetnames)}）")
        return
    fields: dict[str, LineList] = {}
    materials: dict[str, LineList] = {}
    for sheet, target, columns in (
        ("item_fields", fields, FIELD_COLUMNS),
        ("item_materials", materials, MATERIAL_COLUMNS),
    ):
        if sheet not in wb.sheetnames:
            continue
        for line, values in _rows(wb[sheet], sheet, display, issues):
            unknown = sorted(set(values) - set(columns))
            for col in unknown:
                issues.add(f"{display}#{sheet}", line, col, f"未知列；可用列：{', '.join(columns)}")
            code = str(values.pop("item", "")).strip()
            if not code:
                issues.add(f"{display}#{sheet}", line, "item", "缺少事项代码")
                continue
            bucket = target.setdefault(code, LineList())
            if not hasattr(bucket, "item_lines"):
                bucket.item_lines = []
                bucket.line = line
            row = _line_dict({k: v for k, v in values.items() if k in columns}, line)
            row.file = f"{display}#{sheet}"  # errors in this row name its sheet
            bucket.append(row)
            bucket.item_lines.append(line)
    file = f"{display}#items"
    for line, values in _rows(wb["items"], "items", display, issues):
        mapping: dict[str, Any] = {}
        for key, value in values.items():
            if key.startswith("fee_") and key != "fee_charged":
                mapping.setdefault("fee", _line_dict({}, line))[key[4:]] = value
            elif key == "fee_charged":
                mapping.setdefault("fee", _line_dict({}, line))["charged"] = value
            elif key == "result_name":
                mapping.setdefault("result", _line_dict({}, line))["name"] = value
            elif key == "result_licence_type":
                mapping.setdefault("result", _line_dict({}, line))["licence_type"] = value
            elif key == "produces" and isinstance(value, str):
                codes = LineList(c.strip() for c in value.replace("，", ",").split(",") if c.strip())
                codes.item_lines = [line] * len(codes)
                mapping[key] = codes
            else:
                mapping[key] = value
        for sub in ("fee", "result"):
            if sub in mapping:
                mapping[sub].key_lines = dict.fromkeys(mapping[sub], line)
        code = str(mapping.get("code", "")).strip()
        if code in fields:
            mapping["fields"] = fields.pop(code)
        if code in materials:
            mapping["materials"] = materials.pop(code)
        reader = Reader(_line_dict(mapping, line), file=file, line=line, path=f"items[{line}]", issues=issues)
        record = parse_item(reader)
        reader.finish()
        defs.add(record, issues)
    for sheet, leftovers in (("item_fields", fields), ("item_materials", materials)):
        for code, rows in leftovers.items():
            issues.add(f"{display}#{sheet}", rows.line, "item", f"事项“{code}”不在 items 工作表中")


def write_items_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    from onego.catalog.definitions.export import item_document

    wb = Workbook()
    ws = wb.active
    ws.title = "items"
    ws.append(ITEM_COLUMNS)
    wf = wb.create_sheet("item_fields")
    wf.append(FIELD_COLUMNS)
    wm = wb.create_sheet("item_materials")
    wm.append(MATERIAL_COLUMNS)
    items = m.ServiceItem.objects.select_related("department_type", "result_licence_type").prefetch_related(
        "fields__data_element", "materials__material_type"
    )
    for item in items:
        doc = item_document(item)
        flat = {
            **doc,
            "fee_charged": item.fee_charged,
            "fee_description": item.fee_description,
            "fee_basis": item.fee_basis,
            "result_name": item.result_name,
            "result_licence_type": item.result_licence_type.code if item.result_licence_type else "",
            "sole_approver": item.sole_approver_eligible,
            "site_inspection": item.needs_site_inspection,
            "instant_approval": item.instant_approval_eligible,
            "produces": ", ".join(item.produces or []),
        }
        ws.append(
            [flat.get(c, "") if not isinstance(flat.get(c), (dict, list)) else "" for c in ITEM_COLUMNS]
        )
        for f in item.fields.all():
            wf.append([item.code, f.data_element.code, f.required, f.when])
        for u in item.materials.all():
            whose = "" if u.subject == m.APPLICANT_SUBJECT else u.subject
            wm.append(
                [item.code, u.material_type.code, u.required, u.original, u.copies, u.when, u.note, whose]
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
