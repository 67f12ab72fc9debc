"""Contract policy as pure rules: default deny, the most specific grant, and reasons people can act on."""

from __future__ import annotations

import datetime as dt

from onego.exchange.rules import ContractTerms, explain_denial, find_grant

DAY = dt.date(2026, 3, 1)
PURPOSE = "办理「开办餐饮店」"


def terms(code: str = "pkg.r", **overrides: object) -> ContractTerms:
    base: dict[str, object] = {
        "code": code,
        "version": 1,
        "consumer_kind": "package",
        "consumer_code": "open-restaurant",
        "purpose": PURPOSE,
        "elements": frozenset({"person.name"}),
        "materials": frozenset({"resident_id_card"}),
        "licence_types": frozenset(),
        "valid_from": dt.date(2025, 1, 1),
        "valid_until": None,
    }
    base.update(overrides)
    return ContractTerms(**base)  # type: ignore[arg-type]


CONSUMERS = [
    ("package", "open-restaurant"),
    ("item", "business_licence"),
    ("department_type", "market_regulation"),
]


def grant(contracts: list[ContractTerms], code: str = "person.name", what: str = "element", **kw: object):
    args = {"consumers": CONSUMERS, "purpose": PURPOSE, "what": what, "code": code, "day": DAY, **kw}
    return find_grant(contracts, **args)  # type: ignore[arg-type]


def test_nothing_is_allowed_without_a_contract() -> None:
    assert grant([]) is None
    reason = explain_denial(
        [], consumers=CONSUMERS, purpose=PURPOSE, what="element", code="person.name", name="姓名", day=DAY
    )
    assert "没有共享协议" in reason
    assert "姓名" in reason


def test_a_contract_allows_only_what_it_names() -> None:
    contract = terms()
    assert grant([contract]) == contract
    assert grant([contract], code="person.id_number") is None
    assert grant([contract], code="resident_id_card", what="material") == contract
    assert grant([contract], code="resident_id_card", what="licence_type") is None
    reason = explain_denial(
        [contract],
        consumers=CONSUMERS,
        purpose=PURPOSE,
        what="element",
        code="person.id_number",
        name="公民身份号码",
        day=DAY,
    )
    assert reason == "共享协议 pkg.r@v1 未授权读取数据元“公民身份号码”"


def test_another_consumers_contract_does_not_help() -> None:
    other = terms(consumer_code="newborn-birth")
    assert grant([other]) is None


def test_purpose_must_match_the_consent() -> None:
    contract = terms(purpose="办理「新生儿出生」")
    assert grant([contract]) is None
    reason = explain_denial(
        [contract],
        consumers=CONSUMERS,
        purpose=PURPOSE,
        what="element",
        code="person.name",
        name="姓名",
        day=DAY,
    )
    assert "与本次用途“办理「开办餐饮店」”不符" in reason


def test_validity_dates_bound_the_grant() -> None:
    expired = terms(valid_until=dt.date(2026, 2, 28))
    future = terms(valid_from=dt.date(2026, 3, 2))
    assert grant([expired]) is None
    assert grant([future]) is None
    assert "已于 2026-02-28 到期" in explain_denial(
        [expired],
        consumers=CONSUMERS,
        purpose=PURPOSE,
        what="element",
        code="person.name",
        name="姓名",
        day=DAY,
    )
    assert "自 2026-03-02 起才生效" in explain_denial(
        [future],
        consumers=CONSUMERS,
        purpose=PURPOSE,
        what="element",
        code="person.name",
        name="姓名",
        day=DAY,
    )
    assert grant([terms(valid_until=DAY)]) is not None  # the last day still counts


def test_inactive_versions_grant_nothing() -> None:
    assert grant([terms(active=False)]) is None


def test_the_most_specific_consumer_wins() -> None:
    by_department = terms("dept.m", consumer_kind="department_type", consumer_code="market_regulation")
    by_package = terms("pkg.r")
    by_item = terms("item.b", consumer_kind="item", consumer_code="business_licence")
    assert grant([by_department, by_item, by_package]) == by_package
    assert grant([by_department, by_item]) == by_item
    assert grant([by_department]) == by_department
