"""Answering plain questions from the catalog: retrieval over packages and guides, or "I don't know"."""

from __future__ import annotations

from pathlib import Path

import pytest

from onego.catalog import models as m
from onego.catalog.ask import (
    DONT_KNOW,
    ItemFacts,
    answer_from,
    build_index,
    intent,
    item_passage,
    package_passage,
    query_terms,
    tokens,
)
from onego.catalog.discovery import ask


def passages() -> list:
    return [
        package_passage(
            code="newborn-birth",
            name="新生儿出生",
            summary="一次申请，办齐出生医学证明、户口登记和医保参保。",
            keywords=["生孩子", "上户口"],
            item_names=["出生医学证明签发", "出生登记（户口登记）"],
        ),
        package_passage(
            code="open-restaurant",
            name="开办餐饮店",
            keywords=["开饭店", "餐馆"],
            item_names=["营业执照（设立登记）", "食品经营许可（新办）"],
        ),
        item_passage(
            package="open-restaurant",
            package_name="开办餐饮店",
            facts=ItemFacts(
                code="food_business_permit",
                name="食品经营许可（新办）",
                department="市场监管",
                promised_days=5,
                legal_days=20,
                fee="不收费",
                materials=("营业执照", "食品安全管理制度"),
            ),
        ),
    ]


def test_segmentation_is_search_mode_and_drops_punctuation() -> None:
    assert "新生儿" in tokens("新生儿出生！")
    assert "出生" in tokens("新生儿出生！")
    assert "！" not in tokens("新生儿出生！")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("开饭店要多久", "time"),
        ("办营业执照多少钱", "fee"),
        ("上户口要带什么材料", "materials"),
        ("在哪里办", "where"),
        ("孩子出生要办什么", "items"),
    ],
)
def test_intent(question: str, expected: str) -> None:
    assert intent(question) == expected


def test_query_terms_leave_out_stopwords_and_intent_words() -> None:
    assert query_terms("孩子出生要办什么") == ["孩子", "出生"]
    assert query_terms("开饭店要多久") == ["开", "饭店"]


def test_retrieval_finds_the_package_a_question_is_about() -> None:
    best, ranked = answer_from(build_index(passages()), "孩子出生要办什么")
    assert best is not None
    assert best.passage.key == "package:newborn-birth"
    assert best.coverage == 1.0
    assert ranked[0] == best


def test_retrieval_finds_an_item_guide() -> None:
    best, _ = answer_from(build_index(passages()), "食品经营许可多久能办好")
    assert best is not None
    assert best.passage.key == "item:food_business_permit"


def test_retrieval_refuses_a_question_it_cannot_explain() -> None:
    best, _ = answer_from(build_index(passages()), "今天天气怎么样")
    assert best is None
    best, _ = answer_from(build_index(passages()), "你好")  # nothing but stopwords
    assert best is None


def test_half_explained_questions_are_refused() -> None:
    # "出生" matches, "火箭" matches nothing and weighs more: not enough to answer.
    best, ranked = answer_from(build_index(passages()), "火箭出生")
    assert best is None
    assert ranked
    assert ranked[0].coverage < 0.6


# --- against the catalog ------------------------------------------------------------------------------------
pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_answer_lists_the_items_and_links_the_guide(discovery_catalog: Path) -> None:
    answer = ask("孩子出生要办什么", m.Region.objects.get(code="520102"))
    assert answer.known
    assert answer.source_package == "newborn-birth"
    assert answer.source_kind == "package"
    assert "出生医学证明签发" in answer.text
    assert "南明区公安分局" in answer.text
    assert answer.quote == "一次申请，办齐出生医学证明、户口登记和医保参保。"


@pytestmark_db
def test_time_answer_quotes_the_promise_and_the_critical_path(discovery_catalog: Path) -> None:
    answer = ask("开饭店要多久", m.Region.objects.get(code="520102"))
    assert answer.known
    assert answer.intent == "time"
    assert answer.source_package == "open-restaurant"
    assert answer.text.startswith("开办餐饮店：承诺 8 个工作日办结")
    assert "关键路径 营业执照（设立登记） → 公众聚集场所投入使用营业前消防安全检查" in answer.text
    assert "新开店、面积较大" in answer.text  # the scenario the figures are computed for


@pytestmark_db
def test_item_answer_names_the_package_guide_it_comes_from(discovery_catalog: Path) -> None:
    answer = ask("营业执照多少钱", m.Region.objects.get(code="520102"))
    assert answer.known
    assert answer.source_kind == "item"
    assert answer.text == "营业执照（设立登记）：不收费"
    assert answer.source_package == "open-restaurant"
    assert answer.source_title == "营业执照（设立登记）（开办餐饮店）"


@pytestmark_db
def test_unknown_question_gets_i_dont_know(discovery_catalog: Path) -> None:
    answer = ask("今天天气怎么样", m.Region.objects.get(code="520102"))
    assert not answer.known
    assert answer.text == DONT_KNOW == "没有找到可靠的答案，请换个说法或咨询窗口"
    assert answer.source_package == ""


@pytestmark_db
def test_packages_not_offered_in_the_region_are_not_answered_from(discovery_catalog: Path) -> None:
    # 退休 is offered only in Yunnan.
    assert not ask("退休要办什么", m.Region.objects.get(code="520102")).known
    answer = ask("退休要办什么", m.Region.objects.get(code="530000"))
    assert answer.known
    assert answer.source_package == "retirement"
