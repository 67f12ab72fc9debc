"""The merged form at the counter: what the clerk is asked to type."""

from __future__ import annotations

from onego.cases.models import Case
from onego.workbench.selectors import PrefillState, counter_form


def _field(element: str, *, produced_by: str = "") -> dict[str, object]:
    return {
        "element": element,
        "name": element,
        "type": "text",
        "required": not produced_by,
        "produced_by": produced_by,
    }


def test_a_field_an_earlier_item_produces_is_not_shown_to_the_clerk() -> None:
    case = Case(
        snapshot={
            "form": [
                {
                    "title": "企业",
                    "fields": [_field("enterprise.name"), _field("enterprise.uscc", produced_by="bl")],
                },
                {
                    "title": "新生儿",
                    "fields": [_field("newborn.id_number", produced_by="birth_registration")],
                },
            ]
        },
        form_data={},
    )
    groups = counter_form(case, PrefillState(None, {}, {}, {}))
    assert [g.title for g in groups] == ["企业"]  # a group left with nothing to type is dropped
    assert [r.element for r in groups[0].fields] == ["enterprise.name"]
