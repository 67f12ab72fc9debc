"""One typing of form values for every channel (the counter's and the wizard's copies are gone)."""

from __future__ import annotations

from typing import Any

import pytest

from onego.applications.values import field_error, typed_form, typed_value


@pytest.mark.parametrize(
    ("data_type", "raw", "typed"),
    [
        ("integer", " 500 ", 500),
        ("number", "12.5", 12.5),
        ("number", "五百", "五百"),
        ("number", "NaN", "NaN"),
        ("bool", "是", True),
        ("bool", "false", False),
        ("uscc", "91520102ma6d7x8k0x", "91520102MA6D7X8K0X"),
        ("string", "  张三 ", "张三"),
        ("string", "", ""),
    ],
)
def test_a_typed_string_becomes_what_the_case_stores(data_type: str, raw: str, typed: Any) -> None:
    assert typed_value(data_type, raw) == typed


def test_only_posted_fields_of_the_form_are_typed() -> None:
    snapshot = {
        "form": [
            {
                "title": "经营场所",
                "fields": [
                    {"element": "premises.area", "name": "面积", "type": "integer", "required": True},
                    {"element": "person.name", "name": "姓名", "type": "string", "required": True},
                ],
            }
        ]
    }
    posted = {"f:premises.area": "480", "f:unknown": "x", "premises.area": "1"}
    assert typed_form(snapshot, posted, prefix="f:") == {"premises.area": 480}


def test_a_field_error_names_the_field() -> None:
    f = {"element": "premises.area", "name": "经营场所建筑面积", "type": "integer", "required": True}
    assert field_error(f, "") == "请填写“经营场所建筑面积”"
    assert "经营场所建筑面积" in (field_error(f, "很大") or "")
    assert field_error(f, 480) is None
