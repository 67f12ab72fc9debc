"""The pure drift comparison: each kind of deviation, and a conforming copy that has none."""

from __future__ import annotations

from dataclasses import replace

from onego.standards.drift import (
    GuideFacts,
    Kind,
    MaterialFact,
    compare,
    consistency_problems,
    normalise_name,
)

STANDARD = GuideFacts(
    name="食品经营许可（新办）",
    legal_limit_days=10,
    promised_limit_days=5,
    handling_type="promised",
    visits=0,
    online=True,
    online_depth=4,
    postal=True,
    fee_charged=False,
    legal_basis="《中华人民共和国食品安全法》第三十五条",
    acceptance_conditions="取得营业执照",
    result_name="食品经营许可证",
    materials=(
        MaterialFact("food_business_application", "食品经营许可申请书"),
        MaterialFact("business_licence", "营业执照"),
        MaterialFact("food_safety_manager_info", "食品安全管理人员基本情况", required=False),
    ),
)


def kinds(local: GuideFacts) -> list[Kind]:
    return [d.kind for d in compare(STANDARD, local)]


def test_a_copy_of_the_standard_conforms() -> None:
    assert compare(STANDARD, replace(STANDARD)) == []


def test_names_differing_only_in_width_brackets_or_spaces_are_the_same() -> None:
    assert kinds(replace(STANDARD, name="食品经营许可 (新办)")) == []
    assert normalise_name("食品经营许可（新办）") == normalise_name("食品经营许可(新办)")


def test_a_renamed_item_is_reported_with_both_names() -> None:
    [deviation] = compare(STANDARD, replace(STANDARD, name="食品经营许可证核发"))
    assert deviation.kind == Kind.NAME
    assert (deviation.standard, deviation.local) == ("食品经营许可（新办）", "食品经营许可证核发")


def test_an_extra_material_is_named_in_the_reason() -> None:
    local = replace(STANDARD, materials=(*STANDARD.materials, MaterialFact("", "其他材料")))
    [deviation] = compare(STANDARD, local)
    assert deviation.kind == Kind.EXTRA_MATERIAL
    assert "其他材料" in deviation.reason


def test_a_standard_material_listed_by_name_without_code_is_not_extra() -> None:
    local = replace(STANDARD, materials=(MaterialFact("", "食品经营许可申请书"), *STANDARD.materials[1:]))
    assert kinds(local) == []


def test_a_dropped_required_material_and_an_optional_one_made_required() -> None:
    local = replace(
        STANDARD,
        materials=(STANDARD.materials[0], replace(STANDARD.materials[2], required=True)),
    )
    assert sorted(kinds(local)) == sorted([Kind.MISSING_MATERIAL, Kind.MATERIAL_REQUIRED])


def test_a_dropped_optional_material_is_not_drift() -> None:
    assert kinds(replace(STANDARD, materials=STANDARD.materials[:2])) == []


def test_a_longer_promised_limit_is_reported_and_a_shorter_one_is_not() -> None:
    [deviation] = compare(STANDARD, replace(STANDARD, promised_limit_days=8))
    assert deviation.kind == Kind.LONGER_LIMIT
    assert "3" in deviation.reason
    assert kinds(replace(STANDARD, promised_limit_days=2)) == []


def test_a_promised_limit_beyond_the_legal_one_is_also_inconsistent() -> None:
    assert kinds(replace(STANDARD, promised_limit_days=15)) == [Kind.LONGER_LIMIT, Kind.INCONSISTENT]


def test_a_longer_legal_limit_is_reported() -> None:
    assert Kind.LONGER_LEGAL_LIMIT in kinds(replace(STANDARD, legal_limit_days=20))


def test_more_visits_without_a_reason_and_at_full_online_depth() -> None:
    found = compare(STANDARD, replace(STANDARD, visits=1))
    assert [d.kind for d in found] == [Kind.MORE_VISITS, Kind.INCONSISTENT, Kind.INCONSISTENT]
    assert {d.element for d in found[1:]} == {"visits_reason", "online_depth"}


def test_less_online_no_postal_and_an_added_fee() -> None:
    local = replace(
        STANDARD, online=False, online_depth=1, postal=False, fee_charged=True, fee_basis="物价局文件"
    )
    assert kinds(local) == [Kind.LESS_ONLINE, Kind.NO_POSTAL, Kind.FEE_ADDED, Kind.INCONSISTENT]


def test_an_immediate_item_turned_into_a_promised_one() -> None:
    standard = replace(STANDARD, promised_limit_days=0, handling_type="immediate")
    local = replace(standard, handling_type="promised", promised_limit_days=3)
    assert [d.kind for d in compare(standard, local)] == [Kind.LONGER_LIMIT, Kind.HANDLING_TYPE]


def test_missing_guide_elements_are_each_reported() -> None:
    found = compare(STANDARD, replace(STANDARD, legal_basis="", result_name=" "))
    assert [(d.kind, d.element) for d in found] == [
        (Kind.MISSING_ELEMENT, "legal_basis"),
        (Kind.MISSING_ELEMENT, "result_name"),
    ]


def test_a_contradiction_the_standard_itself_has_is_not_blamed_on_the_region() -> None:
    standard = replace(STANDARD, fee_charged=True, fee_basis="")
    assert [d.element for d in consistency_problems(standard)] == ["fee_basis"]
    assert compare(standard, replace(standard)) == []
