"""The burden report's typed-field figures come from submitted cases' provenance (issue 12, deliver 2)."""

from __future__ import annotations

from typing import Any

import pytest

from onego.cases.burden import observed_typing, with_observed_typing
from onego.catalog.burden import burden_report, burden_table_markdown
from tests.cases.conftest import Staff
from tests.cases.factories import full_form, submit

pytestmark = pytest.mark.django_db


def restaurant_row(report: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in report["packages"] if r["code"] == "open-restaurant")


def test_without_cases_the_compiled_estimate_stays_and_is_labelled(staff: Staff, monday_morning: Any) -> None:
    compiled = burden_report(region_code="520102")
    report = with_observed_typing(compiled)
    row = restaurant_row(report)
    assert row["fields_source"] == "compiled"
    assert row["observed"] is None
    assert row["fields_to_type"] == restaurant_row(compiled)["fields_to_type"]
    assert "无已提交办件，按编译估算" in burden_table_markdown(report)


def test_typed_fields_are_measured_from_what_the_exchange_filled_in_real_cases(
    staff: Staff, monday_morning: Any
) -> None:
    filled = len(full_form())
    submit(staff.clerk, key="burden-key-0001", verified=["enterprise.name", "enterprise.uscc"])
    submit(staff.clerk, key="burden-key-0002")  # nothing prefilled: every value typed
    seen = observed_typing("open-restaurant")
    assert seen is not None
    assert seen.cases == 2
    assert seen.fields_filled == filled
    assert seen.from_registries == 1.0  # (2 + 0) / 2
    assert seen.typed == filled - 1.0

    report = with_observed_typing(burden_report(region_code="520102"))
    row = restaurant_row(report)
    assert row["fields_source"] == "cases"
    assert row["fields_to_type"] == round(filled - 1.0)
    assert row["observed"]["cases"] == 2
    assert report["totals"]["fields_to_type"] == sum(r["fields_to_type"] for r in report["packages"])
    assert "按 2 件已提交办件的核验来源实测" in burden_table_markdown(report)


def test_a_draft_never_submitted_is_not_counted(staff: Staff, monday_morning: Any) -> None:
    submit(staff.clerk, key="burden-key-0003", draft=True, form_data={}, materials=[])
    assert observed_typing("open-restaurant") is None
