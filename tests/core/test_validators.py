"""Identifier validators with known good and bad numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from onego.core import validators as v


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "520102199003071234"])
def test_valid_id_numbers_pass(number: str) -> None:
    if number == "520102199003071234":  # build a correct one from its body
        number = number[:17] + v.id_number_check_char(number[:17])
    assert v.check_id_number(number) is None


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18位"),
        ("11010519491331002X", "出生日期"),
        ("99010519491231002X", "地址码"),
        ("1101051949123100AX", "前17位应为数字"),
        ("110105209912310021", "不合理"),
    ],
)
def test_invalid_id_numbers_say_what_is_wrong(number: str, fragment: str) -> None:
    message = v.check_id_number(number)
    assert message is not None
    assert fragment in message


def test_id_number_lowercase_x_is_accepted() -> None:
    assert v.check_id_number("11010519491231002x") is None


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_body_with_its_check_char_validates_its_checksum(body: str) -> None:
    number = "52" + body[2:] + ""
    number = number[:17] + v.id_number_check_char(number[:17])
    message = v.check_id_number(number)
    assert message is None or "校验位" not in message


@pytest.mark.parametrize(
    "code",
    [
        "9144030071526726XG",
        "91330100716105852F",
        "914403001922038216",
        "91110000100010433L",
        "91350100M000100Y43",
    ],
)
def test_real_unified_social_credit_codes_pass(code: str) -> None:
    assert v.check_uscc(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("9144030071526726XH", "第18位"),
        ("9144030071526725XG", "第17位"),
        ("9144030071526726X", "18位"),
        ("91440300715267I6XG", "不允许的字符"),
        ("0144030071526726XG", "第1位"),
        ("9544030071526726XG", "第2位"),
    ],
)
def test_bad_unified_social_credit_codes_are_refused(code: str, fragment: str) -> None:
    message = v.check_uscc(code)
    assert message is not None
    assert fragment in message


def test_made_uscc_is_valid() -> None:
    assert v.check_uscc(v.make_uscc("520102", "MA6H2K1P")) is None


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("520000", "province"),
        ("520100", "city"),
        ("520523", "county"),
        ("520102001", "township"),
        ("520102001001", "village"),
    ],
)
def test_region_levels_follow_the_code(code: str, level: str) -> None:
    assert v.check_region_code(code) is None
    assert v.region_level_of(code) == level


@pytest.mark.parametrize("code", ["5201", "990000", "520012", "52010a", "520100001"])
def test_bad_region_codes_are_refused(code: str) -> None:
    assert v.check_region_code(code) is not None


def test_region_parent_codes() -> None:
    assert v.region_parent_code("520523") == "520500"
    assert v.region_parent_code("520500") == "520000"
    assert v.region_parent_code("520000") is None
    assert v.region_parent_code("520102001") == "520102"


def test_iso7064_mod37_36_published_example() -> None:
    assert v.iso7064_mod37_36_check_char("A12425GABC1234002") == "M"


def test_licence_identifier_round_trip_and_tamper() -> None:
    ident = v.licence_identifier("11100000000013338W011", "11430000006122244L", "20230000403")
    assert v.check_licence_identifier(ident) is None
    tampered = ident.replace("20230000403", "20230000404")
    assert "校验位" in (v.check_licence_identifier(tampered) or "")


def test_validate_functions_raise_django_validation_errors() -> None:
    with pytest.raises(ValidationError):
        v.validate_id_number("1")
    with pytest.raises(ValidationError):
        v.validate_uscc("1")
    with pytest.raises(ValidationError):
        v.validate_phone("2381234567")
    v.validate_phone("13812345678")


def test_birth_date_and_sex_from_id_number() -> None:
    assert v.id_number_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert v.id_number_is_male("11010519491231002X") is False


@pytest.mark.parametrize("region", ["000000", "990000", "520012", "5201AB"])
def test_a_uscc_whose_region_part_is_not_a_real_division_is_refused(region: str) -> None:
    if region.isdigit():
        code = v.make_uscc(region, "MA6D7X8K")  # every check character right: only the region is wrong
        assert v.check_uscc(code) == f"统一社会信用代码第3–8位“{region}”不是有效的行政区划代码"
    else:
        first17 = "91" + region + "MA6D7X8K" + v.org_code_check_char("MA6D7X8K")
        assert v.check_uscc(first17 + v.uscc_check_char(first17)) == "统一社会信用代码第3–8位应为行政区划代码"


@pytest.mark.parametrize("region", ["520102", "520100", "520000", "100000"])
def test_a_uscc_registered_in_a_real_division_or_nationally_is_accepted(region: str) -> None:
    assert v.check_uscc(v.make_uscc(region, "MA6D7X8K")) is None
