"""The walks' “no datum asked twice” check fails when a later step asks again (without a browser)."""

from __future__ import annotations

import pytest

from tests.e2e.asked_once import AskedOnce


class FakePage:
    def __init__(self, inputs: list[list[str]]) -> None:
        self.inputs = inputs

    def evaluate(self, _script: str) -> list[list[str]]:
        return self.inputs


def test_the_phone_asked_again_in_the_form_is_caught_by_name() -> None:
    asked = AskedOnce()
    asked.record(FakePage([["phone", "手机号码"]]), "contact")
    asked.record(FakePage([["phone", "手机号码"]]), "contact")  # the same step shown again is fine
    with pytest.raises(AssertionError, match="name:phone"):
        asked.record(FakePage([["person.phone", "联系电话"]]), "merged form")


def test_a_question_asked_again_as_a_field_is_caught_by_label() -> None:
    asked = AskedOnce()
    asked.record(FakePage([["q_floor_area", "经营场所建筑面积（平方米）"]]), "questions")
    with pytest.raises(AssertionError, match="label:经营场所建筑面积"):
        asked.record(FakePage([["f:premises.area", "经营场所建筑面积 *"]]), "merged form")
