"""The starter catalog (src/onego/catalog/starter) as shipped: it imports, and every package really works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import onego.catalog
from onego.catalog import models as m
from onego.catalog.rules.graph import find_cycle
from onego.catalog.selectors import compile_for, main_scenario
from onego.catalog.services import catalog_import

STARTER = Path(onego.catalog.__file__).parent / "starter"
NATIONAL_FIRST_BATCH = {
    "社会保障卡居民服务",
    "教育入学",
    "退休",
    "信用修复",
    "残疾人服务",
    "新生儿出生",
    "企业信息变更",
    "企业注销登记",
    "开办运输企业",
    "开办餐饮店",
    "水电气网联合报装",
    "企业破产信息核查",
    "企业上市合法合规信息核查",
}
GUIZHOU_OWN = {"企业开办", "二手房转移登记及水电气联动过户"}


@pytest.fixture(scope="module")
def starter(django_db_setup: None, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        catalog_import(path=STARTER)
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter")]


def _packages() -> list[m.Package]:
    return list(m.Package.objects.prefetch_related("questions", "package_items__item").order_by("code"))


def test_all_fifteen_packages_are_there() -> None:
    names = {p.name for p in _packages()}
    assert names >= NATIONAL_FIRST_BATCH | GUIZHOU_OWN


def test_guizhou_regions_and_counties_are_real() -> None:
    assert m.Region.objects.get(code="520000").name == "贵州省"
    cities = m.Region.objects.filter(parent__code="520000", level="city")
    assert cities.count() == 9
    assert m.Region.objects.filter(parent__code="520100").count() >= 10
    assert m.Region.objects.filter(parent__code="520500").count() >= 8
    assert m.Region.objects.get(code="520523").name == "金沙县"


def test_every_package_compiles_for_its_main_scenario_in_guiyang_and_bijie() -> None:
    for package in _packages():
        assert package.scenarios, f"{package.code} has no main scenario"
        for region in ("520100", "520523"):
            compiled = compile_for(
                package_code=package.code, region_code=region, answers=main_scenario(package)
            )
            assert compiled.items, f"{package.code} has no items in {region}"
            missing = [w for w in compiled.warnings if "没有配置实施部门" in w]
            assert not missing, f"{package.code} in {region}: {missing}"


def _answer_space(package: m.Package) -> list[dict[str, Any]]:
    """A few answer combinations per question: both truth values, each choice, small and large numbers."""
    options: list[list[tuple[str, Any]]] = []
    for q in package.questions.all():
        if q.type == "bool":
            options.append([(q.ident, True), (q.ident, False)])
        elif q.type == "choice":
            options.append([(q.ident, c) for c in q.choices])
        elif q.type == "number":
            options.append([(q.ident, 0), (q.ident, 100), (q.ident, 100000)])
        else:
            options.append([(q.ident, "示例")])
    # Every option of every question appears at least once (each question varied alone from a base), which
    # is what "answers change the items" needs, without compiling the full product.
    base = dict(o[0] for o in options)
    combos = [base] + [{**base, ident: value} for option in options for ident, value in option[1:]]
    return combos


def test_scenario_answers_really_change_the_items() -> None:
    for package in _packages():
        if not package.questions.exists():
            continue
        item_sets = set()
        for answers in _answer_space(package):
            compiled = compile_for(package_code=package.code, region_code="520100", answers=answers)
            item_sets.add(tuple(e.code for e in compiled.entries))
        assert len(item_sets) > 1, f"{package.code}: no answer changes the items"


def test_prerequisites_are_acyclic() -> None:
    for package in _packages():
        after = {pi.item.code: pi.after for pi in package.package_items.all()}
        after.update({s.code: s.after for s in package.partner_steps.all()})
        assert find_cycle(after) is None, package.code


def test_guides_are_complete() -> None:
    for item in m.ServiceItem.objects.all():
        assert item.legal_basis, item.code
        assert item.acceptance_conditions, item.code
        assert item.result_name, item.code
        assert item.legal_limit_days >= item.promised_limit_days, item.code
        assert not item.fee_charged or item.fee_description, item.code
    for material in m.MaterialType.objects.all():
        assert material.source or material.registry_id or material.licence_type_id, material.code


def test_newborn_birth_orders_birth_certificate_before_household_before_insurance() -> None:
    package = m.Package.objects.get(code="newborn-birth")
    compiled = compile_for(package_code=package.code, region_code="520102", answers=main_scenario(package))
    stage = {e.code: e.stage for e in compiled.entries}
    assert stage["birth_medical_certificate"] < stage["birth_registration"]
    later = ["resident_medical_insurance_enrolment", "social_security_card_apply_newborn"]
    assert all(stage[c] > stage["birth_registration"] for c in later)


def test_open_restaurant_issue_example() -> None:
    compiled = compile_for(
        package_code="open-restaurant",
        region_code="520100",
        answers={"has_licence": False, "floor_area": 500},
    )
    codes = [e.code for e in compiled.items]
    assert {"business_licence", "food_business_permit", "fire_safety_inspection"} <= set(codes)
    stage = {e.code: e.stage for e in compiled.entries}
    assert stage["business_licence"] < stage["food_business_permit"]
    assert any(mt.exempt for mt in compiled.materials)


def test_open_company_has_a_bank_partner_step_and_house_transfer_has_utilities() -> None:
    company = compile_for(
        package_code="open-company",
        region_code="520100",
        answers=main_scenario(m.Package.objects.get(code="open-company")),
    )
    assert any(e.kind == "partner" and e.partner_kind == "bank" for e in company.entries)
    house = m.Package.objects.get(code="second-hand-house-transfer")
    kinds = {s.partner_kind for s in house.partner_steps.all()}
    assert {"water", "power", "gas"} <= kinds


def test_burden_across_packages_is_reduced() -> None:
    from onego.catalog.burden import burden_report

    report = burden_report(region_code="520100")
    assert len(report["packages"]) >= 15
    red = report["reductions"]
    assert red["fields"] > 0
    assert red["uploads"] > 0
    assert red["days"] > 0


def test_a_social_security_card_mailed_home_needs_the_mailing_address() -> None:
    from onego.cases.prereview import pre_review, rules_from_snapshot

    element = m.DataElement.objects.get(code="social_security_card.delivery")
    assert element.post_choices == ["邮寄到家"]
    package = m.Package.objects.get(code="social-security-card")
    compiled = compile_for(package_code=package.code, region_code="520102", answers=main_scenario(package))
    fields, _ = rules_from_snapshot(compiled.to_dict())
    by_element = {f.element: f for f in fields}
    assert by_element["social_security_card.delivery"].post_choices == ("邮寄到家",)
    postal = [f.element for f in fields if f.element.startswith("address.") and f.required]
    assert postal, "the card items ask for a mailing address"

    def missing(choice: str) -> list[str]:
        form = {"social_security_card.delivery": choice}
        problems = pre_review(fields, [], form, [], delivery_method="electronic")
        return [p.field for p in problems if p.field.startswith("address.")]

    assert missing("邮寄到家") == postal
    assert missing("网点领取") == []
