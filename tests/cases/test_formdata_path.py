"""What the form asks once the path has answered: cases/formdata.py (asked_groups, fill_from_path)."""

from __future__ import annotations

from typing import Any

from onego.cases.formdata import asked_groups, fill_from_path


def field(element: str, **extra: Any) -> dict[str, Any]:
    return {"element": element, "name": element, "type": extra.pop("type", "string"), **extra}


def snapshot(*fields: dict[str, Any], answers: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "form": [{"group": "g", "title": "组", "fields": list(fields)}],
        "answers": answers or {},
        **extra,
    }


def asked(snap: dict[str, Any], delivery_method: str | None = None) -> list[str]:
    return [f["element"] for _, fs in asked_groups(snap, delivery_method=delivery_method) for f in fs]


def test_a_field_answering_a_question_is_not_asked_again_once_answered() -> None:
    snap = snapshot(field("premises.area", answers_question="floor_area"), answers={"floor_area": 80})
    assert asked(snap) == []
    assert asked(snapshot(field("premises.area", answers_question="floor_area"))) == ["premises.area"]


def test_the_contact_steps_phone_is_not_asked_in_the_form() -> None:
    assert asked(snapshot(field("person.phone", type="phone"), field("seller.phone", type="phone"))) == [
        "seller.phone"
    ]


def test_the_mailing_address_is_asked_only_when_something_may_be_posted() -> None:
    snap = snapshot(field("address.detail"), field("person.name"))
    assert asked(snap, "electronic") == ["person.name"]
    assert asked(snap, "post") == ["address.detail", "person.name"]
    assert asked(snap) == ["address.detail", "person.name"]  # delivery unknown: as declared
    card = field("social_security_card.delivery", type="choice", post_choices=["邮寄到家"])
    assert asked(snapshot(field("address.detail"), card), "electronic") == [
        "address.detail",
        "social_security_card.delivery",
    ]


def test_the_path_fills_blank_fields_and_keeps_what_was_typed() -> None:
    snap = snapshot(
        field("premises.area", answers_question="floor_area"),
        field("person.phone", type="phone"),
        answers={"floor_area": 80},
        bound_values={"premises.area": 80},
    )
    filled = fill_from_path(snap, {"premises.area": ""}, phone="13812345678")
    assert filled == {"premises.area": 80, "person.phone": "13812345678"}
    assert fill_from_path(snap, {"person.phone": "13900000000"}, phone="13812345678")["person.phone"] == (
        "13900000000"
    )
