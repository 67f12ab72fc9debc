"""Personal data protection: encryption at rest, key rotation, blind index, masking, log filter."""

from __future__ import annotations

import base64
import logging
import os
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from onego.core import pii

ID = "52010219940312902X"  # synthetic (docs/demo-identities.md)
PHONE = "13908510001"


def key(seed: int) -> str:
    return base64.b64encode(bytes([seed]) * 32).decode()


# --- encryption -------------------------------------------------------------------------------------
def test_encrypt_round_trips_and_the_token_names_its_key() -> None:
    token = pii.encrypt(ID)
    assert token.startswith("pii1.dev.")
    assert ID not in token
    assert pii.decrypt(token) == ID


def test_the_same_value_encrypts_differently_each_time() -> None:
    assert pii.encrypt(ID) != pii.encrypt(ID)


def test_encrypt_many_equals_encrypt_one_by_one() -> None:
    tokens = pii.encrypt_many([ID, PHONE, "张三"])
    assert [pii.decrypt(t) for t in tokens] == [ID, PHONE, "张三"]


def test_a_tampered_token_is_refused() -> None:
    token = pii.encrypt(ID)
    body = bytearray(base64.urlsafe_b64decode(token.split(".", 2)[2]))
    body[-1] ^= 1
    forged = "pii1.dev." + base64.urlsafe_b64encode(bytes(body)).decode()
    with pytest.raises(pii.PIIError, match="authentication"):
        pii.decrypt(forged)


def test_a_token_cannot_be_relabelled_with_another_key_id() -> None:
    with override_settings(ONEGO_PII_KEYS=[f"k1:{key(1)}"]):
        token = pii.encrypt(ID)
        # k1's ciphertext presented as the development key's: the key id is authenticated data
        relabelled = token.replace("pii1.k1.", "pii1.dev.")
        with pytest.raises(pii.PIIError):
            pii.decrypt(relabelled)


def test_old_tokens_stay_readable_after_a_new_key_is_added_and_reencrypt_moves_them() -> None:
    with override_settings(ONEGO_PII_KEYS=[f"k1:{key(1)}"]):
        old = pii.encrypt(ID)
    with override_settings(ONEGO_PII_KEYS=[f"k2:{key(2)}", f"k1:{key(1)}"]):
        assert pii.keyring().current_kid == "k2"
        assert pii.decrypt(old) == ID
        new = pii.reencrypt(old)
        assert pii.token_key_id(new) == "k2"
        assert pii.decrypt(new) == ID
        assert pii.reencrypt(new) == new  # already current: unchanged
    with override_settings(ONEGO_PII_KEYS=[f"k2:{key(2)}"]):
        assert pii.decrypt(new) == ID  # k1 can be retired once rotation is done
        with pytest.raises(pii.PIIError, match="unknown personal-data key id 'k1'"):
            pii.decrypt(old)


def test_keys_given_as_one_comma_separated_string_are_read_in_order() -> None:
    with override_settings(ONEGO_PII_KEYS=f"env1:{key(7)}, env0:{key(8)}"):
        assert pii.keyring().current_kid == "env1"
        assert pii.token_key_id(pii.encrypt(ID)) == "env1"


def test_without_keys_outside_development_encryption_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pii, "development_key_allowed", lambda: False)
    monkeypatch.delenv("ONEGO_PII_KEYS", raising=False)
    monkeypatch.delenv("ONEGO_BLIND_INDEX_KEY", raising=False)
    with override_settings(ONEGO_PII_KEYS=None, ONEGO_BLIND_INDEX_KEY=None):
        with pytest.raises(ImproperlyConfigured, match="ONEGO_PII_KEYS is not set"):
            pii.encrypt(ID)
        with pytest.raises(ImproperlyConfigured, match="ONEGO_BLIND_INDEX_KEY is not set"):
            pii.blind_index(ID, kind="person")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("nokey", "kid:base64key"),
        (f"bad id!:{key(1)}", "kid:base64key"),
        ("k1:not-base64!", "not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "32 random bytes"),
    ],
)
def test_malformed_keys_are_refused(entry: str, message: str) -> None:
    with override_settings(ONEGO_PII_KEYS=[entry]), pytest.raises(ImproperlyConfigured, match=message):
        pii.encrypt(ID)


def test_not_a_token_is_refused() -> None:
    with pytest.raises(pii.PIIError):
        pii.decrypt(ID)


# --- blind index --------------------------------------------------------------------------------------
def test_blind_index_is_stable_normalised_and_separated_by_kind() -> None:
    a = pii.blind_index(ID, kind="person")
    assert a == pii.blind_index(f"  {ID.lower()} ", kind="person")
    assert len(a) == 64
    assert ID not in a
    assert a != pii.blind_index(ID, kind="phone")
    assert pii.blind_index_many([ID], kind="person") == [a]


def test_blind_index_depends_on_the_key() -> None:
    before = pii.blind_index(ID, kind="person")
    with override_settings(ONEGO_BLIND_INDEX_KEY=key(9)):
        assert pii.blind_index(ID, kind="person") != before


def test_blind_index_is_hmac_sm3() -> None:
    import hashlib
    import hmac

    with override_settings(ONEGO_BLIND_INDEX_KEY=key(9)):
        expected = hmac.new(bytes([9]) * 32, b"person\x00" + ID.encode(), "sm3").hexdigest()
        assert pii.blind_index(ID, kind="person") == expected
    assert hashlib.new("sm3")  # the platform offers SM3 (settings check it too)


# --- masking ------------------------------------------------------------------------------------------
def test_masks() -> None:
    assert pii.mask_id_number("520102199001011234") == "5201**********1234"
    assert pii.mask_id_number(ID) == "5201**********902X"
    assert pii.mask_uscc("91520103MADC00012P") == "915201********012P"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_name("张伟") == "张*"
    assert pii.mask_name("王小明") == "王**"
    assert pii.mask_name("欧阳娜娜") == "欧阳**"
    assert pii.mask_name("欧阳") == "欧*"  # a two-character name is surname + given name
    assert pii.mask_name("") == ""
    assert pii.mask_email("wangfang@example.cn") == "w***@example.cn"
    assert pii.mask_address("贵州省贵阳市南明区花果园大街1号") == "贵州省贵阳市****"


@pytest.mark.parametrize(
    ("data_type", "value", "shown"),
    [
        ("id_number", ID, "5201**********902X"),
        ("uscc", "91520103MADC00012P", "915201********012P"),
        ("phone", PHONE, "139****0001"),
        ("name", "李强", "李*"),
        ("date", "1994-03-12", "1994-03-12"),
        ("string", None, ""),
    ],
)
def test_mask_value_by_data_type(data_type: str, value: str | None, shown: str) -> None:
    assert pii.mask_value(data_type, value) == shown


def test_mask_text_masks_valid_id_numbers_and_mobiles_only() -> None:
    text = f"申请人 {ID} 手机{PHONE}，订单号 520102199403129021，流水 123456789012345678901"
    masked = pii.mask_text(text)
    assert "5201**********902X" in masked
    assert "139****0001" in masked
    assert "520102199403129021" in masked  # wrong check digit: not an ID number, left alone
    assert "123456789012345678901" in masked  # a longer run of digits is not an ID number


def test_masking_filter_masks_messages_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("onego.test.pii")
    logger.addFilter(pii.MaskingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="onego.test.pii"):
            logger.info("looked up %s, phone %s", ID, PHONE)
            try:
                raise ValueError(f"bad subject {ID}")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    assert ID not in caplog.text
    assert PHONE not in caplog.text
    assert "5201**********902X" in caplog.text
    assert "139****0001" in caplog.text


def test_settings_install_the_masking_filter_on_the_console_handler() -> None:
    from django.conf import settings

    logging_config: dict[str, Any] = settings.LOGGING
    assert logging_config["filters"]["pii"]["()"] == "onego.core.pii.MaskingFilter"
    assert "pii" in logging_config["handlers"]["console"]["filters"]


def test_development_keys_are_derived_from_the_secret_key() -> None:
    token = pii.encrypt(ID)
    with override_settings(SECRET_KEY="another-secret-" + os.urandom(4).hex()), pytest.raises(pii.PIIError):
        pii.decrypt(token)


def test_mask_text_masks_valid_usccs_in_urls_and_leaves_other_codes() -> None:
    from onego.core.validators import make_uscc

    uscc = make_uscc("520103", "MA6PT999")
    wrong = uscc[:17] + ("0" if uscc[17] != "0" else "1")
    masked = pii.mask_text(f"/api/v1/enterprises/{uscc}/cases?other={wrong}")
    assert uscc not in masked
    assert pii.mask_uscc(uscc) in masked
    assert wrong in masked  # wrong check character: not a USCC, left alone
