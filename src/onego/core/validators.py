"""Validators for Chinese identifiers, used everywhere (models, forms, API, import, synthetic data).

- 居民身份证号码, GB 11643-1999: 17 digits + ISO 7064 MOD 11-2 check character.
- 统一社会信用代码, GB 32100-2015: 18 characters, organisation code check (GB 11714) at 9–17,
  MOD 31 check character at 18.
- 行政区划代码, GB/T 2260: 6 digits (province PP0000, prefecture PPCC00, county PPCCDD); 12-digit
  statistical codes below county level.
- 电子证照标识, GB/T 36904: dotted identifier with an ISO 7064 MOD 37,36 hybrid check character.

Each `check_*` returns None when valid or a Chinese message saying what is wrong; each
`validate_*` raises Django's ValidationError with that message.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

# --- 居民身份证号码 -----------------------------------------------------------------------
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
# GB/T 2260 province-level prefixes (current and historical, e.g. 23 黑龙江 existed throughout).
_PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}


def id_number_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def check_id_number(value: str, *, today: dt.date | None = None) -> str | None:
    v = (value or "").strip().upper()
    if len(v) != 18:
        return f"居民身份证号码应为18位，当前为{len(v)}位"
    if not _ID_RE.match(v):
        return "居民身份证号码前17位应为数字，第18位为数字或X"
    if v[:2] not in _PROVINCES:
        return f"居民身份证号码的地址码“{v[:6]}”不是有效的行政区划代码"
    try:
        born = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return f"居民身份证号码中的出生日期“{v[6:14]}”不是有效日期"
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date bound only
    if born > today or born.year < 1850:
        return f"居民身份证号码中的出生日期“{v[6:14]}”不合理"
    expected = id_number_check_char(v[:17])
    if v[17] != expected:
        return "居民身份证号码校验位不正确，请核对号码"
    return None


def validate_id_number(value: str) -> None:
    if msg := check_id_number(value):
        raise ValidationError(msg, code="id_number")


def id_number_birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_is_male(value: str) -> bool:
    return int(value[16]) % 2 == 1


# --- 统一社会信用代码 -----------------------------------------------------------------------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_CATEGORIES = {
    "1": "123456789",  # 机构编制: 1 机关 2 事业单位 3 中央编办直接管理 9 其他
    "2": "19",
    "3": "12345689",
    "4": "19",
    "5": "1239",  # 民政: 1 社会团体 2 民办非企业 3 基金会 9 其他
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",  # 市场监管: 1 企业 2 个体工商户 3 农民专业合作社
    "A": "19",
    "N": "12345679",
    "Y": "1",
}


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character over the 8-character organisation code body."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def check_uscc(value: str) -> str | None:
    v = (value or "").strip().upper()
    if len(v) != 18:
        return f"统一社会信用代码应为18位，当前为{len(v)}位"
    bad = sorted({c for c in v if c not in USCC_ALPHABET})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）"
    if v[0] not in _USCC_CATEGORIES:
        return f"统一社会信用代码第1位登记管理部门代码“{v[0]}”无效"
    if v[1] not in _USCC_CATEGORIES[v[0]]:
        return f"统一社会信用代码第2位机构类别代码“{v[1]}”与登记管理部门不符"
    if not v[2:8].isdigit():
        return "统一社会信用代码第3–8位应为行政区划代码"
    # As for an ID number's address code: the registering authority's division must be a real one
    # (GB/T 2260 structure); 100000 is the code of bodies registered at national level.
    if v[2:8] != "100000" and check_region_code(v[2:8]) is not None:
        return f"统一社会信用代码第3–8位“{v[2:8]}”不是有效的行政区划代码"
    body = v[8:16]
    if all(c in "0123456789ABCDEFGHJKLMNPQRTUWXY" for c in body) and v[16] != org_code_check_char(body):
        return "统一社会信用代码中的组织机构代码校验位（第17位）不正确"
    if v[17] != uscc_check_char(v[:17]):
        return "统一社会信用代码校验位（第18位）不正确，请核对"
    return None


def validate_uscc(value: str) -> None:
    if msg := check_uscc(value):
        raise ValidationError(msg, code="uscc")


def make_uscc(region6: str, org_body8: str, *, department: str = "9", category: str = "1") -> str:
    """Build a valid code from its parts (used by synthetic data and tests)."""
    first16 = department + category + region6 + org_body8
    first17 = first16 + org_code_check_char(org_body8)
    return first17 + uscc_check_char(first17)


# --- 行政区划代码 ----------------------------------------------------------------------------
def region_level_of(code: str) -> str | None:
    """The level a well-formed code denotes, or None when malformed."""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        return None
    if len(code) == 6:
        if code[2:] == "0000":
            return "province"
        if code[4:] == "00":
            return "city"
        return "county"
    if len(code) == 9 or code[9:] == "000":
        return "township"
    return "village"


def check_region_code(value: str) -> str | None:
    v = (value or "").strip()
    if not v.isdigit():
        return f"行政区划代码“{v}”应全部为数字"
    if len(v) not in (6, 9, 12):
        return f"行政区划代码“{v}”应为6位（县级及以上）或9/12位（乡镇、村级）"
    if v[:2] not in _PROVINCES:
        return f"行政区划代码“{v}”的省级代码“{v[:2]}”不存在"
    if v[2:4] == "00" and v[4:6] != "00":
        return f"行政区划代码“{v}”缺少地市级代码"
    if len(v) > 6 and v[4:6] == "00":
        return f"乡镇、村级代码“{v}”必须位于县级区划之下"
    return None


def validate_region_code(value: str) -> None:
    if msg := check_region_code(value):
        raise ValidationError(msg, code="region_code")


def region_parent_code(code: str) -> str | None:
    """The code of the enclosing division, derived from the code's structure."""
    level = region_level_of(code)
    if level == "province" or level is None:
        return None
    if level == "city":
        return code[:2] + "0000"
    if level == "county":
        return code[:4] + "00"
    if level == "township":
        return code[:6]
    return code[:9] + "000"


# --- 手机号码 ------------------------------------------------------------------------------
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def check_phone(value: str) -> str | None:
    v = (value or "").strip().replace(" ", "").replace("-", "")
    if not _PHONE_RE.match(v):
        return "手机号码应为以1开头的11位数字"
    return None


def validate_phone(value: str) -> None:
    if msg := check_phone(value):
        raise ValidationError(msg, code="phone")


# --- 电子证照标识 (GB/T 36904) ------------------------------------------------------------------
_MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def iso7064_mod37_36_check_char(data: str) -> str:
    """ISO/IEC 7064 MOD 37,36 hybrid system check character for alphanumeric data."""
    m = 36
    p = m
    for ch in data.upper():
        value = _MOD37_ALPHABET.index(ch)
        s = (p % (m + 1)) + value
        s = s % m or m
        p = (s * 2) % (m + 1)
    return _MOD37_ALPHABET[(m + 1 - p) % m]


def licence_identifier(type_code: str, issuer_code: str, serial: str, version: str = "001") -> str:
    body = f"1.2.156.3005.2.{type_code}.{issuer_code}.{serial}.{version}"
    return f"{body}.{iso7064_mod37_36_check_char(body.replace('.', ''))}"


_LICENCE_RE = re.compile(
    r"^1\.2\.156\.3005\.2\.([0-9A-Z]{21})\.([0-9A-Z]{18})\.([0-9A-Z]+)\.(\d{3})\.([0-9A-Z])$"
)


def check_licence_identifier(value: str) -> str | None:
    v = (value or "").strip().upper()
    m = _LICENCE_RE.match(v)
    if not m:
        return "电子证照标识格式不正确，应为 1.2.156.3005.2.类型代码.颁发机构代码.流水号.版本号.校验位"
    body = v.rsplit(".", 1)[0]
    if iso7064_mod37_36_check_char(body.replace(".", "")) != m.group(5):
        return "电子证照标识校验位不正确"
    return None


def validate_licence_identifier(value: str) -> None:
    if msg := check_licence_identifier(value):
        raise ValidationError(msg, code="licence_identifier")


# --- by data type -------------------------------------------------------------------------------
CHECKS = {
    "id_number": check_id_number,
    "uscc": check_uscc,
    "region_code": check_region_code,
    "phone": check_phone,
}
