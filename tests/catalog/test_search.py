"""Package search: names, partial words, pinyin, initials, synonyms, item names; ranking by tier."""

from __future__ import annotations

import pytest

from onego.catalog.search import TIERS, SearchDoc, normalise, search

NEWBORN = SearchDoc(
    code="newborn-birth",
    name="新生儿出生",
    name_en="Newborn birth",
    keywords=("生孩子", "上户口", "宝宝出生"),
    item_names=("出生医学证明签发", "出生登记（户口登记）", "城乡居民基本医疗保险参保登记"),
)
RESTAURANT = SearchDoc(
    code="open-restaurant",
    name="开办餐饮店",
    name_en="Open a restaurant",
    keywords=("开饭店", "餐馆", "饭店"),
    item_names=("营业执照（设立登记）", "食品经营许可（新办）", "公众聚集场所投入使用营业前消防安全检查"),
)
TRANSPORT = SearchDoc(
    code="open-transport",
    name="开办运输企业",
    keywords=("跑运输", "货运"),
    item_names=("道路运输经营许可", "营业执照（设立登记）"),
)
DOCS = [NEWBORN, RESTAURANT, TRANSPORT]


def codes(query: str, docs: list[SearchDoc] = DOCS) -> list[str]:
    return [h.code for h in search(docs, query)]


def tier(query: str, code: str) -> str:
    return next(h.tier for h in search(DOCS, query) if h.code == code)


def test_initials_find_the_newborn_package() -> None:
    assert codes("xsecs") == ["newborn-birth"]
    assert tier("xsecs", "newborn-birth") == "initials"


def test_initials_are_case_and_width_insensitive() -> None:
    assert codes("XSECS") == ["newborn-birth"]
    assert codes("ｘｓｅｃｓ") == ["newborn-birth"]  # full-width letters from a Chinese keyboard


@pytest.mark.parametrize("query", ["kaifan", "kaifandian", "kfd", "kaifd"])
def test_pinyin_of_a_synonym_finds_the_restaurant(query: str) -> None:
    assert codes(query)[0] == "open-restaurant"
    assert tier(query, "open-restaurant") == "keyword"


def test_initials_with_one_wrong_letter_still_find_the_restaurant() -> None:
    # 开办餐饮店 is kbcyd; kfcyd (饭 for 办) is one letter off.
    assert codes("kfcyd") == ["open-restaurant"]
    assert tier("kfcyd", "open-restaurant") == "typo"
    assert codes("kbcyd") == ["open-restaurant"]
    assert tier("kbcyd", "open-restaurant") == "initials"


def test_full_pinyin_of_the_name() -> None:
    assert codes("xinshenger") == ["newborn-birth"]
    assert tier("xinsheng", "newborn-birth") == "pinyin"
    assert codes("canyin") == ["open-restaurant"]  # from the middle, at a syllable boundary


def test_pinyin_matches_start_at_syllable_boundaries() -> None:
    # "an" is inside kai-ban and can-yin but starts no syllable of either name or keyword.
    assert "open-restaurant" not in codes("anc")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("生孩子", "newborn-birth"),
        ("上户口", "newborn-birth"),
        ("开饭店", "open-restaurant"),
        ("餐馆", "open-restaurant"),
    ],
)
def test_synonyms_find_their_package(query: str, code: str) -> None:
    assert codes(query)[0] == code
    assert tier(query, code) == "keyword"


@pytest.mark.parametrize(
    ("query", "code", "expected_tier"),
    [
        ("新生", "newborn-birth", "prefix"),
        ("出生", "newborn-birth", "substring"),
        ("餐饮", "open-restaurant", "substring"),
        ("开餐饮店", "open-restaurant", "substring"),  # characters in order, one left out
        ("我要办新生儿出生", "newborn-birth", "substring"),  # the whole name inside a sentence
    ],
)
def test_partial_words(query: str, code: str, expected_tier: str) -> None:
    assert codes(query)[0] == code
    assert tier(query, code) == expected_tier


def test_item_names_find_the_packages_that_include_them() -> None:
    assert codes("食品经营许可") == ["open-restaurant"]
    assert tier("食品经营许可", "open-restaurant") == "item"
    # An item shared by two packages finds both.
    assert sorted(codes("营业执照")) == ["open-restaurant", "open-transport"]


def test_exact_name_english_name_and_code() -> None:
    assert tier("新生儿出生", "newborn-birth") == "exact"
    assert codes("restaurant") == ["open-restaurant"]
    assert tier("open-restaurant", "open-restaurant") == "exact"


def test_no_match_returns_nothing() -> None:
    assert codes("卫星发射") == []
    assert codes("zzzz") == []
    assert codes("   ") == []


def test_every_term_of_a_multi_word_query_must_match() -> None:
    assert codes("开办 运输") == ["open-transport"]
    assert codes("开办 火箭") == []


def test_ranking_follows_the_tiers() -> None:
    assert list(TIERS) == ["exact", "prefix", "initials", "pinyin", "substring", "keyword", "item", "typo"]
    docs = [
        SearchDoc("by-item", "甲", item_names=("开办手续",)),
        SearchDoc("by-keyword", "乙", keywords=("开办",)),
        SearchDoc("by-substring", "企业开办"),
        SearchDoc("by-prefix", "开办企业"),
        SearchDoc("by-exact", "开办"),
    ]
    assert codes("开办", docs) == ["by-exact", "by-prefix", "by-substring", "by-keyword", "by-item"]
    latin = [
        SearchDoc("pinyin", "卡办"),  # ka-ban: "kb" are its initials too, but "kaib" is not
        SearchDoc("initials", "开办"),
    ]
    assert [h.tier for h in search(latin, "kb")] == ["initials", "initials"]
    assert [h.code for h in search(latin, "kaiban")] == ["initials"]


def test_popularity_breaks_ties_within_a_tier_only() -> None:
    quiet = SearchDoc("quiet", "开办企业", popularity=0.0)
    busy = SearchDoc("busy", "开办运输企业", popularity=0.99)
    exact = SearchDoc("exact", "开办", popularity=0.0)
    assert codes("开办", [quiet, busy, exact]) == ["exact", "busy", "quiet"]


def test_normalise_drops_punctuation_and_spaces() -> None:
    assert normalise(" 新生儿，出生！ ") == "新生儿出生"
    assert normalise("Open-Restaurant") == "openrestaurant"
