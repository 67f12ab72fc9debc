"""Issuing authorities and licence type codes for the simulated registries.

Real departments' unified social credit codes and the national e-licence type codes are not in the
catalog (the starter leaves `LicenceType.type_code` blank where the public value was not verified), so
the simulated registries use SYNTHETIC but well-formed codes, derived deterministically from the
department type and region: same input, same code, and every code passes `check_uscc`. A catalog
LicenceType with a `type_code` wins over the synthetic one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from onego.core.validators import USCC_ALPHABET, make_uscc
from onego.registries.guizhou import County


def org_body(text: str) -> str:
    """8 characters of a GB 11714 organisation code body, derived from `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "".join(USCC_ALPHABET[b % len(USCC_ALPHABET)] for b in digest[:8])


@lru_cache(maxsize=512)
def government_uscc(key: str, region: str, *, category: str = "1") -> str:
    """A synthetic code of a government organ (11…) or public institution (12…) in `region`."""
    return make_uscc(region[:6], org_body(key), department="1", category=category)


def synthetic_type_code(licence_type: str) -> str:
    """GB/T 36904 type code: the defining (national) authority's code + 3-digit sequence — synthetic."""
    return government_uscc(f"licence-type-definer:{licence_type}", "100000") + "001"


@dataclass(frozen=True)
class Authority:
    name: str
    code: str


def _short(county: County) -> str:
    return county.name[:-1] if county.is_district and len(county.name) > 2 else county.name


@lru_cache(maxsize=512)
def public_security(county: County) -> Authority:
    if county.is_district and county.city_name.endswith("市") and not county.name.endswith("特区"):
        name = f"{county.city_name}公安局{_short(county)}分局"
    else:
        name = f"{county.name}公安局"
    return Authority(name, government_uscc(f"public_security:{county.code}", county.code))


@lru_cache(maxsize=512)
def civil_affairs(county: County) -> Authority:
    return Authority(f"{county.name}民政局", government_uscc(f"civil_affairs:{county.code}", county.code))


@lru_cache(maxsize=512)
def market_regulation(county: County) -> Authority:
    return Authority(
        f"{county.name}市场监督管理局", government_uscc(f"market_regulation:{county.code}", county.code)
    )


@lru_cache(maxsize=512)
def real_estate_office(county: County) -> Authority:
    area = county.registration_area
    region = county.city_code if area == county.city_name else county.code
    return Authority(f"{area}不动产登记中心", government_uscc(f"real_estate:{region}", region, category="2"))


@lru_cache(maxsize=512)
def tax_office(county: County) -> Authority:
    return Authority(
        f"国家税务总局{county.city_name}{county.name}税务局",
        government_uscc(f"tax:{county.code}", county.code),
    )


def marriage_office(county: County) -> str:
    return f"{county.name}民政局婚姻登记处"


def hospital(county: County, n: int) -> str:
    if n % 3 == 0 and county.city_name:
        return f"{county.city_name}妇幼保健院"
    return f"{county.name}人民医院"
