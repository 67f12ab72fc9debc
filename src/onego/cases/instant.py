"""Instant approval (秒批): declared rules over verified data, evaluated without a database.

A rule belongs to one item code and is a list of checks, each naming the data element it reads
and what it requires. A rule decides only when every element it reads was verified by the data
exchange (the case records the verification reference per element); otherwise, or when a check
fails, the sub-case goes to the department's inbox like any other, with the reasons recorded.
Rules only ever approve: a refusal always comes from an officer.

The registry is plain code (`RULES`), reviewed like code; an item is instant-approved only when its
catalog entry is eligible (即办件, no site inspection) *and* it has a rule here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from onego.core.validators import check_id_number, check_uscc

Test = Literal["present", "uscc", "id_number", "equals", "in", "at_most", "at_least"]


@dataclass(frozen=True)
class Check:
    element: str
    test: Test
    value: Any = None
    label: str = ""  # how the check reads to an officer reviewing the decision

    def describe(self) -> str:
        if self.label:
            return self.label
        words = {
            "present": "已登记",
            "uscc": "为有效的统一社会信用代码",
            "id_number": "为有效的公民身份号码",
            "equals": f"等于 {self.value!r}",
            "in": f"属于 {self.value!r}",
            "at_most": f"不超过 {self.value}",
            "at_least": f"不少于 {self.value}",
        }
        return f"{self.element} {words[self.test]}"


@dataclass(frozen=True)
class InstantRule:
    code: str  # versioned: a changed rule gets a new code, so old decisions still name what decided them
    item: str
    title: str
    checks: tuple[Check, ...]

    @property
    def uses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.element for c in self.checks))


@dataclass(frozen=True)
class InstantResult:
    approved: bool
    reasons: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _passes(check: Check, value: Any) -> bool:
    if check.test == "present":
        return value not in (None, "", [], {})
    if check.test == "uscc":
        return isinstance(value, str) and check_uscc(value) is None
    if check.test == "id_number":
        return isinstance(value, str) and check_id_number(value) is None
    if check.test == "equals":
        return bool(value == check.value)
    if check.test == "in":
        return value in check.value
    number = _number(value)
    if number is None:
        return False
    if check.test == "at_most":
        return number <= float(check.value)
    return number >= float(check.value)


def evaluate(rule: InstantRule, values: Mapping[str, Any], sources: Mapping[str, str]) -> InstantResult:
    """Approve when every element the rule reads is verified and every check passes."""
    inputs = {e: values.get(e) for e in rule.uses}
    used_sources = {e: sources[e] for e in rule.uses if sources.get(e)}
    unverified = [e for e in rule.uses if not sources.get(e)]
    if unverified:
        return InstantResult(
            approved=False,
            reasons=[f"数据未经共享核验，转人工办理：{'、'.join(unverified)}"],
            inputs=inputs,
            sources=used_sources,
        )
    failed = [c.describe() for c in rule.checks if not _passes(c, inputs[c.element])]
    if failed:
        return InstantResult(
            approved=False,
            reasons=[f"不满足：{d}" for d in failed],
            inputs=inputs,
            sources=used_sources,
        )
    return InstantResult(
        approved=True,
        reasons=[f"满足：{c.describe()}" for c in rule.checks],
        inputs=inputs,
        sources=used_sources,
    )


def _enterprise(*, registered_with: tuple[Check, ...] = ()) -> tuple[Check, ...]:
    """The market entity is registered: its code and name as the register of market entities holds them."""
    return (
        Check("enterprise.uscc", "uscc", label="统一社会信用代码有效（市场主体库核验）"),
        Check("enterprise.name", "present", label="市场主体名称已登记"),
        *registered_with,
    )


def _person(prefix: str = "person", who: str = "申请人") -> tuple[Check, ...]:
    """The person is in the population register: a valid ID number and a registered name."""
    return (
        Check(f"{prefix}.id_number", "id_number", label=f"{who}公民身份号码有效（人口库核验）"),
        Check(f"{prefix}.name", "present", label=f"{who}姓名已登记"),
    )


def _rule(item: str, title: str, checks: tuple[Check, ...]) -> InstantRule:
    """A rule of the starter catalog, first version: its code is `<item>.v1`."""
    return InstantRule(code=f"{item}.v1", item=item, title=title, checks=checks)


_UNIT_FUND_ACCOUNT = Check(
    "housing_fund.unit_account", "present", label="单位住房公积金账户已开立（公积金库核验）"
)
_FUND_ACCOUNT = Check(
    "housing_fund.account_number", "present", label="个人住房公积金账户已开立（公积金库核验）"
)
_NEWBORN_NAME = Check("newborn.name", "present", label="新生儿姓名已登记（出生医学证明库核验）")
_CARD_HELD = Check("social_security_card.number", "present", label="持有社会保障卡（社会保险库核验）")


# One rule per starter item flagged instant_approval. A rule reads only elements the item's form has
# and a registry fills (tests/cases/test_instant_rules.py checks both), so verified data can pass it.
# What a rule does not read is either guaranteed by the package order (a prerequisite item approved
# before this sub-case starts) or recorded as the applicant declared it (lists of staff, seal types,
# change items); docs/catalog-choices.md names the items un-flagged because their deciding condition
# is not shared data.
_DECLARED = (
    _rule(
        item="seal_engraving",
        title="公章刻制备案：市场主体已登记且法定代表人身份有效",
        checks=(
            *_enterprise(),
            Check("enterprise.legal_representative_name", "present", label="法定代表人已登记"),
            Check(
                "enterprise.legal_representative_id_number",
                "id_number",
                label="法定代表人公民身份号码有效",
            ),
        ),
    ),
    _rule(
        item="special_credit_report",
        title="企业专项信用报告：市场主体已登记（报告按公共信用信息平台记录如实出具）",
        checks=_enterprise(),
    ),
    _rule(
        item="vaccination_check",
        title="预防接种证查验：入托、入学儿童户籍信息已核验",
        checks=(
            *_person("child", "儿童"),
            Check("child.birth_date", "present", label="儿童出生日期已登记（人口库核验）"),
        ),
    ),
    _rule(
        item="fertility_registration",
        title="生育登记：母亲户籍身份信息已核验",
        checks=_person("mother", "母亲"),
    ),
    _rule(
        item="housing_fund_unit_change",
        title="单位公积金缴存登记变更：市场主体已登记且已有单位公积金账户",
        checks=_enterprise(registered_with=(_UNIT_FUND_ACCOUNT,)),
    ),
    _rule(
        item="housing_fund_withdraw_retirement",
        title="退休提取公积金：职工身份有效且有个人公积金账户（退休审批准予后启动）",
        checks=(
            *_person(),
            _FUND_ACCOUNT,
        ),
    ),
    _rule(
        item="housing_fund_withdraw_purchase",
        title="购房提取公积金：网签备案合同和成交价格已核验且有个人公积金账户（完税后启动）",
        checks=(
            Check("house.contract_number", "present", label="存量房买卖合同已网签备案（网签备案库核验）"),
            Check("house.price", "at_least", 1, label="网签备案成交价格已登记"),
            _FUND_ACCOUNT,
        ),
    ),
    _rule(
        item="housing_fund_compliance_certificate",
        title="单位公积金缴存情况证明：市场主体已登记且已有单位公积金账户（证明按记录如实出具）",
        checks=_enterprise(registered_with=(_UNIT_FUND_ACCOUNT,)),
    ),
    _rule(
        item="resident_medical_insurance_enrolment",
        title="新生儿居民医保参保：出生医学证明信息和本省户籍监护人已核验（出生登记准予后启动）",
        checks=(
            _NEWBORN_NAME,
            Check("newborn.birth_date", "present", label="新生儿出生日期已登记（出生医学证明库核验）"),
            *_person(who="监护人"),
            Check("person.household_address", "present", label="监护人为本省户籍（人口库核验）"),
        ),
    ),
    _rule(
        item="medical_insurance_unit_registration",
        title="单位医保参保登记：用人单位已办理设立登记",
        checks=_enterprise(
            registered_with=(
                Check("enterprise.legal_representative_name", "present", label="法定代表人已登记"),
                Check("enterprise.address", "present", label="住所已登记"),
            )
        ),
    ),
    _rule(
        item="medical_insurance_unit_change",
        title="单位医保参保信息变更：市场主体已登记且单位已参保",
        checks=_enterprise(
            registered_with=(
                Check("medical_insurance.unit_number", "present", label="单位医疗保险已参保（医保库核验）"),
            )
        ),
    ),
    _rule(
        item="social_security_card_apply",
        title="社会保障卡申领：申领人身份信息经人口库核验一致",
        checks=(
            *_person(who="申领人"),
            Check("person.gender", "present", label="性别已登记（人口库核验）"),
            Check("person.ethnicity", "present", label="民族已登记（人口库核验）"),
        ),
    ),
    _rule(
        item="social_security_card_apply_newborn",
        title="新生儿社会保障卡申领：出生医学证明信息和监护人身份已核验（出生登记准予后启动）",
        checks=(
            _NEWBORN_NAME,
            Check("newborn.gender", "present", label="新生儿性别已登记（出生医学证明库核验）"),
            *_person(who="监护人"),
        ),
    ),
    _rule(
        item="social_security_card_loss",
        title="社会保障卡挂失：持卡人身份有效且持有社会保障卡",
        checks=(
            *_person(who="持卡人"),
            _CARD_HELD,
        ),
    ),
    _rule(
        item="social_security_card_replace",
        title="社会保障卡补换：持卡人身份有效且持有社会保障卡",
        checks=(
            *_person(who="持卡人"),
            _CARD_HELD,
        ),
    ),
    _rule(
        item="electronic_social_security_card",
        title="电子社会保障卡签发：实名身份经人口库核验",
        checks=_person(who="持卡人"),
    ),
    _rule(
        item="employee_social_insurance_registration",
        title="职工参保登记：用人单位已办理设立登记",
        checks=_enterprise(),
    ),
    _rule(
        item="social_insurance_unit_change",
        title="单位社保登记变更：市场主体已登记且单位已参保",
        checks=_enterprise(
            registered_with=(
                Check(
                    "social_insurance.unit_number", "present", label="单位社会保险已登记（社会保险库核验）"
                ),
            )
        ),
    ),
    _rule(
        item="social_insurance_payment_certificate",
        title="单位社保缴费证明：市场主体已登记（证明按记录如实出具）",
        checks=_enterprise(),
    ),
    _rule(
        item="tax_registration_change",
        title="税务登记信息变更：市场主体已登记（市场主体变更登记准予后启动）",
        checks=_enterprise(),
    ),
)

RULES: dict[str, InstantRule] = {rule.item: rule for rule in _DECLARED}


def rule_for(item_code: str) -> InstantRule | None:
    return RULES.get(item_code)
