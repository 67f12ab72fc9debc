"""Instant-approval rules: declared checks over verified data, without a database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

import onego.catalog
from onego.accounts.models import Role
from onego.cases.instant import InstantRule, evaluate, rule_for
from onego.cases.models import Case, InstantDecision, SubCase
from onego.cases.services.acceptance import case_accept
from onego.cases.services.submission import ApplicantIn, MaterialIn, case_submit, case_submit_draft
from onego.cases.workflow import CaseStatus, SubCaseStatus
from onego.catalog.instant_rules import RuleCheck
from onego.catalog.models import PackageItem, ServiceItem
from onego.catalog.rules.package import FormField
from onego.catalog.selectors import compile_for, main_scenario
from onego.catalog.services import catalog_import
from onego.core.validators import id_number_check_char, make_uscc
from tests.cases.factories import ENTERPRISE_USCC, make_staff, prefilled


def rule(*checks: tuple[str, str], types: dict[str, str] | None = None) -> InstantRule:
    return InstantRule(
        item="demo",
        version=1,
        explanation="示例",
        explanation_en="Example",
        checks=tuple(RuleCheck(source, label) for source, label in checks),
        types=types or {"enterprise.uscc": "uscc", "premises.area": "number"},
    )


RULE = rule(
    ('enterprise.uscc != ""', "统一社会信用代码有效"),
    ("premises.area <= 300", "面积不超过300平方米"),
)
USCC = make_uscc("520102", "MA6D7X8K")


def test_a_rule_names_the_data_it_uses_and_its_versioned_code() -> None:
    assert RULE.uses == ("enterprise.uscc", "premises.area")
    assert RULE.code == "demo.v1"


def test_the_elements_of_one_check_are_named_in_the_order_it_reads_them() -> None:
    both = rule(('premises.area <= 300 and enterprise.uscc != ""', "两项"))
    assert both.uses == ("premises.area", "enterprise.uscc")


def test_verified_data_that_passes_every_check_is_approved_with_inputs_and_sources() -> None:
    result = evaluate(
        RULE,
        {"enterprise.uscc": USCC, "premises.area": 120, "other": "x"},
        {"enterprise.uscc": "prefill:run-1", "premises.area": "prefill:run-1"},
    )
    assert result.approved
    assert result.inputs == {"enterprise.uscc": USCC, "premises.area": 120}
    assert result.sources == {"enterprise.uscc": "prefill:run-1", "premises.area": "prefill:run-1"}
    assert result.reasons == ["满足：统一社会信用代码有效", "满足：面积不超过300平方米"]


def test_unverified_data_is_absent_to_the_rule_and_referred_to_an_officer() -> None:
    result = evaluate(RULE, {"enterprise.uscc": USCC, "premises.area": 120}, {"enterprise.uscc": "prefill:1"})
    assert not result.approved
    assert result.reasons == ["数据未经共享核验，转人工办理：premises.area", "不满足：面积不超过300平方米"]
    assert result.sources == {"enterprise.uscc": "prefill:1"}


@pytest.mark.parametrize("mark", ["", "applicant:typed", "typed:1", "declared", None, 7])
def test_a_self_declared_or_missing_mark_is_not_verification(mark: Any) -> None:
    # A rule that would approve on absence still cannot see the typed value: `not` of it holds,
    # but a value the applicant typed to pass a check never counts.
    result = evaluate(
        RULE, {"enterprise.uscc": USCC, "premises.area": 120}, {"enterprise.uscc": "r", "premises.area": mark}
    )
    assert not result.approved
    assert "premises.area" not in result.sources


def test_an_identity_number_or_uscc_failing_its_check_digit_is_treated_as_absent() -> None:
    bad = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    result = evaluate(
        RULE, {"enterprise.uscc": bad, "premises.area": 120}, {"enterprise.uscc": "r", "premises.area": "r"}
    )
    assert not result.approved
    assert result.reasons == ["核验数据格式无效，转人工办理：enterprise.uscc", "不满足：统一社会信用代码有效"]


def test_a_failing_check_is_referred_with_its_reason() -> None:
    sources = {"enterprise.uscc": "r", "premises.area": "r"}
    result = evaluate(RULE, {"enterprise.uscc": USCC, "premises.area": 500}, sources)
    assert not result.approved
    assert result.reasons == ["不满足：面积不超过300平方米"]


def test_a_check_without_a_label_is_described_from_the_element_names() -> None:
    described = InstantRule(
        item="demo",
        version=1,
        explanation="示例",
        explanation_en="",
        checks=(RuleCheck("premises.area <= 300"),),
        names={"premises.area": "经营场所面积"},
    )
    result = evaluate(described, {"premises.area": 500}, {"premises.area": "r"})
    assert result.reasons == ["不满足：“经营场所面积”小于或等于300"]


def test_a_rule_survives_its_stored_form() -> None:
    stored = RULE.to_json()
    assert stored["version"] == 1
    assert InstantRule.from_json("demo", stored) == RULE


# --- the starter catalog: every item flagged 秒批 has a rule that verified data can really pass ---------

STARTER = Path(onego.catalog.__file__).parent / "starter"
CLERK_DEPARTMENT = "nm-government-service"  # 南明区 window in the starter catalog
PERSON_ID = "52010219900307" + "123"
PERSON_ID += id_number_check_char(PERSON_ID)


@pytest.fixture(scope="module")
def starter(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        catalog_import(path=STARTER)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def _instant_items() -> list[ServiceItem]:
    return list(
        ServiceItem.objects.filter(instant_approval_eligible=True).prefetch_related(
            "fields__data_element__registry"
        )
    )


@pytest.mark.django_db
def test_every_starter_item_flagged_instant_has_a_declared_rule(starter: None) -> None:
    flagged = {i.code for i in _instant_items()}
    assert len(flagged) >= 15
    declared = {code for code in flagged if rule_for(code) is not None}
    assert flagged - declared == set()
    # No stray rule either: only eligible items declare one (the import refuses the others).
    with_rule = set(ServiceItem.objects.exclude(instant_rule={}).values_list("code", flat=True))
    assert with_rule == flagged
    for code in flagged:
        stored = rule_for(code)
        assert stored is not None
        assert stored.explanation, code
        assert stored.explanation_en, code
        assert {x.expect for x in stored.examples} == {"approve", "refer"}, code


@pytest.mark.django_db
def test_every_element_a_rule_reads_is_in_its_item_form_and_filled_by_a_registry(starter: None) -> None:
    for item in _instant_items():
        rule = rule_for(item.code)
        assert rule is not None
        assert rule.code == f"{item.code}.v1"
        form = {f.data_element.code: f.data_element for f in item.fields.all()}
        for element in rule.uses:
            assert element in form, f"{rule.code} reads {element}, which {item.code}'s form does not have"
            registry = form[element].registry
            never = f"{rule.code} reads {element}, which no connected registry verifies: it could never pass"
            assert registry is not None, never
            assert registry.connected, never
        # and the compiled form of every package holding the item offers it, prefilled
        for pi in PackageItem.objects.filter(item=item).select_related("package"):
            add = [item.code] if pi.binding == "optional" else []
            compiled = compile_for(
                package_code=pi.package.code,
                region_code="520102",
                answers=main_scenario(pi.package),
                add=add,
            )
            if item.code not in {e.code for e in compiled.items}:
                continue  # not in this scenario; the item's own form was checked above
            fields = {f.element: f for g in compiled.form for f in g.fields}
            for element in rule.uses:
                assert fields[element].prefill_registry, f"{pi.package.code}: {element} is not prefilled"


def _id_of(subject: str) -> str:
    """The applicant's own number, or a distinct valid number for each other person (pre-review refuses
    one number for two people, and a child given the applicant's number)."""
    if subject == "applicant":
        return PERSON_ID
    serial = 200 + sum(ord(c) for c in subject) % 700
    body = f"52010219850101{serial:03d}"
    return body + id_number_check_char(body)


def _value(field: FormField) -> Any:
    if field.type == "id_number":
        return _id_of(field.subject)
    return {
        "uscc": ENTERPRISE_USCC,
        "phone": "13812345678",
        "email": "a@example.com",
        "date": "2020-05-01",
        "number": 100,
        "integer": 1,
        "bool": True,
        "choice": (field.choices or ["是"])[0],
        "region_code": "520102",
    }.get(field.type, "贵州测试数据")


def _accepted(
    package: str, answers: dict[str, Any], *, applicant: ApplicantIn, verify: Callable[[str], bool], **kw: Any
) -> Case:
    """A complete submission of a starter package, accepted at the 南明区 window: instant items run now."""
    compiled = compile_for(package_code=package, region_code="520102", answers=answers, **kw)
    fields = [f for g in compiled.form for f in g.fields]
    form = {f.element: _value(f) for f in fields}
    verified = [f.element for f in fields if f.prefill_registry and verify(f.element)]
    materials = [
        MaterialIn(code=m.material, file=ContentFile(b"%PDF-1.4 x", name="m.pdf"), filename="m.pdf")
        for m in compiled.materials
        # Exempt only where the exchange verified it, which this prefill does not record: uploaded.
        if m.required and not m.verified_by.startswith("package:")
    ]
    clerk = make_staff("clerk", CLERK_DEPARTMENT, Role.CLERK)
    # Verified values are the server's: a draft, prefilled by the exchange (as recorded), then submitted.
    draft = case_submit(
        actor=clerk,
        package_code=package,
        region_code="520102",
        applicant=applicant,
        idempotency_key="instant-starter-0001",
        channel="counter",
        answers=answers,
        draft=True,
        **kw,
    ).case
    prefilled(draft, {element: form[element] for element in verified})
    case = case_submit_draft(actor=clerk, case_id=draft.pk, form_data=form, materials=materials)
    assert case.status == CaseStatus.PRE_REVIEWED, case.status
    return case_accept(actor=clerk, case_id=case.pk)


PERSON = ApplicantIn(kind="person", identifier=PERSON_ID, name="张三")
ENTERPRISE = ApplicantIn(kind="enterprise", identifier=ENTERPRISE_USCC, name="贵州好味道科技有限公司")
REPRESENTATIVE = [
    # (package, answers, add, applicant, instant items that start at acceptance)
    ("social-security-card", {"situation": "卡片遗失", "want_ecard": False}, [], PERSON,
     ["social_security_card_loss"]),
    ("listing-compliance-check", {"has_customs_record": False, "has_housing_fund_account": True},
     ["social_insurance_payment_certificate"], ENTERPRISE,
     ["special_credit_report", "housing_fund_compliance_certificate", "social_insurance_payment_certificate"]),
    ("newborn-birth", {}, ["fertility_registration"], PERSON, ["fertility_registration"]),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("package", "answers", "add", "applicant", "items"), REPRESENTATIVE)
def test_a_starter_case_with_verified_data_is_approved_by_its_rule(
    starter: None,
    package: str,
    answers: dict[str, Any],
    add: list[str],
    applicant: ApplicantIn,
    items: list[str],
) -> None:
    case = _accepted(package, answers, applicant=applicant, verify=lambda e: True, add=add)
    for code in items:
        sub = SubCase.objects.get(case=case, code=code)
        assert sub.status == SubCaseStatus.APPROVED, code
        assert sub.decided_by_label == f"秒批规则 {code}.v1"
        assert InstantDecision.objects.get(subcase=sub).approved


@pytest.mark.django_db
@pytest.mark.parametrize(("package", "answers", "add", "applicant", "items"), REPRESENTATIVE)
def test_a_starter_case_with_unverified_data_is_referred_to_an_officer(
    starter: None,
    package: str,
    answers: dict[str, Any],
    add: list[str],
    applicant: ApplicantIn,
    items: list[str],
) -> None:
    # The applicant typed the identity by hand (no authorised prefill): nothing the rules read is verified.
    typed = {e for code in items for e in _uses(code) if e.endswith((".id_number", ".uscc"))}
    case = _accepted(package, answers, applicant=applicant, verify=lambda e: e not in typed, add=add)
    for code in items:
        sub = SubCase.objects.get(case=case, code=code)
        assert sub.status == SubCaseStatus.PENDING, code
        decision = InstantDecision.objects.get(subcase=sub)
        assert not decision.approved
        assert decision.reasons[0].startswith("数据未经共享核验，转人工办理")


def _uses(code: str) -> tuple[str, ...]:
    rule = rule_for(code)
    assert rule is not None
    return rule.uses


@pytest.mark.django_db
def test_the_guide_shows_the_applicant_each_instant_rule_in_plain_language(
    starter: None, client: Any
) -> None:
    page = client.get("/packages/social-security-card/?region=520102&situation=卡片遗失").content.decode()
    assert "秒批规则：社会保障卡挂失：持卡人身份有效且持有社会保障卡" in page
    english = client.get(
        "/packages/social-security-card/?region=520102&situation=卡片遗失", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "the holder&#x27;s identity is valid and they hold a card" in english
