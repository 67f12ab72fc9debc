"""Form values as every channel types them: one conversion from what a person typed to what the case
stores, one check per field (the pre-review's), for the portal wizard, the counter and the API."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from onego.cases import prereview
from onego.cases.formdata import form_fields
from onego.core.validators import CHECKS


def typed_value(data_type: str, raw: Any) -> Any:
    """A form string as the case stores it: numbers as numbers, yes/no as booleans, ID numbers and USCC
    upper-case, text stripped. Anything unparsable is kept as typed, for pre-review to name."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if text == "":
        return ""
    if data_type in ("integer", "number"):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        if not number.is_finite():
            return text
        return int(number) if number == number.to_integral_value() else float(number)
    if data_type == "bool":
        return {"true": True, "是": True, "false": False, "否": False}.get(text, text)
    if data_type in ("id_number", "uscc"):
        return text.upper()
    return text


def typed_form(snapshot: Mapping[str, Any], posted: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """The values of the case's form fields found in `posted` (under `prefix` + element), typed; fields
    not posted are left out (kept as they are)."""
    out: dict[str, Any] = {}
    for code, spec in form_fields(snapshot).items():
        raw = posted.get(f"{prefix}{code}")
        if raw is None:
            continue
        out[code] = typed_value(spec["type"], raw)
    return out


def field_error(f: Mapping[str, Any], value: Any) -> str | None:
    """What is wrong with one field's (typed) value, as pre-review will say it, naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"请填写“{f['name']}”" if f["required"] else None
    rule = prereview.FieldRule(
        element=f["element"], name=f["name"], type=f["type"], required=bool(f["required"]),
        choices=tuple(f.get("choices") or ()),
    )  # fmt: skip
    message = prereview.check_value(rule, value)
    if message and f["type"] in CHECKS:  # the validators' words do not name the field
        message = f"“{f['name']}”：{message}"
    return message


__all__ = ["field_error", "typed_form", "typed_value"]
