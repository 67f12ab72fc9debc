"""The pure name matcher: each step, its confidence, and names it must not guess."""

from __future__ import annotations

import pytest

from onego.standards.matching import AUTO_ACCEPT, Synonyms, build_index, match, pinyin_of

STANDARDS = [
    ("business_licence", "营业执照核发（市场主体设立登记）"),
    ("disability_certificate_new", "残疾人证新办"),
    ("disability_certificate_renewal", "残疾人证换领"),
    ("social_security_card_apply", "社会保障卡申领"),
    ("social_security_card_replace", "社会保障卡补领、换领"),
    ("birth_registration", "出生登记（新生儿入户）"),
    ("food_business_permit", "食品经营许可（新办）"),
    ("food_business_permit_change", "食品经营许可（变更）"),
]
SYNONYMS = Synonyms(
    terms={"社保卡": "社会保障卡", "社会保障卡": "社会保障卡"},
    fillers=("办理", "申请"),
    aliases={"宝宝上户口": "birth_registration"},
)
INDEX = build_index(STANDARDS, SYNONYMS, region_names=["金沙县", "贵阳市"])


@pytest.mark.parametrize(
    ("name", "code", "method", "confidence"),
    [
        ("残疾人证新办", "disability_certificate_new", "exact", 1.0),
        ("金沙县残疾人证新办办理", "disability_certificate_new", "normalised", 0.98),
        ("营业执照核发 (市场主体设立登记)", "business_licence", "normalised", 0.98),
        ("宝宝上户口", "birth_registration", "synonym", 0.95),
        ("社保卡申领", "social_security_card_apply", "synonym", 0.93),
        ("残疾人正新办", "disability_certificate_new", "pinyin", 0.90),
    ],
)
def test_each_step_finds_the_item_with_its_confidence(
    name: str, code: str, method: str, confidence: float
) -> None:
    found = match(name, INDEX)
    assert (found.code, found.method, found.confidence) == (code, method, confidence)
    assert found.auto_accepted


def test_a_near_name_is_found_by_fuzzy_similarity_and_lists_candidates() -> None:
    found = match("贵阳市社会保障卡补领", INDEX)
    assert found.method == "fuzzy"
    assert found.code == "social_security_card_replace"
    assert found.candidates[0].code == "social_security_card_replace"
    assert found.candidates[0].score >= found.candidates[1].score


def test_an_ambiguous_name_is_not_auto_accepted() -> None:
    found = match("食品经营许可", INDEX)  # 新办 or 变更: the runner-up is as close as the best
    assert found.code in {"food_business_permit", "food_business_permit_change"}
    assert not found.auto_accepted
    assert found.confidence < AUTO_ACCEPT


def test_an_unrelated_name_gets_no_item_or_a_low_confidence() -> None:
    found = match("犬只登记", INDEX)
    assert found.code is None or found.confidence < AUTO_ACCEPT


def test_a_region_name_is_only_stripped_from_the_start() -> None:
    assert match("残疾人证新办金沙县", INDEX).method != "normalised"


def test_pinyin_comes_from_the_library() -> None:
    assert pinyin_of("社保") == "she bao"


def test_the_repository_synonym_file_loads() -> None:
    data = Synonyms.from_yaml()
    assert data.terms["社保卡"] == "社会保障卡"
    assert data.aliases["宝宝上户口"] == "birth_registration"
