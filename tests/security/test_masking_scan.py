"""The masking scan's detector (tests/security/masking_scan.py): what counts as a full ID number, phone or
bank account in a page or a log line."""

from __future__ import annotations

from onego.core.pii import mask_text
from onego.core.validators import id_number_check_char
from tests.security.masking_scan import Finding, scan_text

FIRST17 = "52010219900307123"
ID = FIRST17 + id_number_check_char(FIRST17)
WRONG_CHECK = FIRST17 + ("0" if ID[-1] != "0" else "1")


def test_a_full_id_number_is_found_only_with_its_right_check_character() -> None:
    assert scan_text(f"<td>{ID}</td>") == [Finding("id_number", ID)]
    assert scan_text(f"<td>{WRONG_CHECK}</td>") == []  # an 18-digit reference, not an ID number
    assert scan_text(f"ref-{ID}x") == []  # part of a longer token


def test_masked_values_are_not_findings() -> None:
    text = mask_text(f"申请人 {ID}，电话 13812345678")
    assert scan_text(text) == []
    assert scan_text("5201**********1234 138****5678") == []


def test_phone_numbers_and_luhn_valid_card_numbers_are_found() -> None:
    assert scan_text("电话：13812345678") == [Finding("phone", "13812345678")]
    assert scan_text("账号 6222020200112345678") == []  # fails the Luhn check
    card = "4111111111111111"
    assert scan_text(f"账号 {card}") == [Finding("bank_account", card)]
