"""Search and the hot list against the catalog: region-aware, popularity from the documented prior."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from onego.catalog import models as m
from onego.catalog.discovery import hot_packages, search_packages

pytestmark = pytest.mark.django_db


def region(code: str) -> m.Region:
    return m.Region.objects.get(code=code)


def found(query: str, code: str = "520102") -> list[str]:
    return [h.package.code for h in search_packages(query, region(code))]


def test_search_finds_packages_by_initials_pinyin_synonym_and_item(discovery_catalog: Path) -> None:
    assert found("xsecs") == ["newborn-birth"]
    assert found("kaifan") == ["open-restaurant"]
    assert found("kfcyd") == ["open-restaurant"]
    assert found("上户口") == ["newborn-birth"]
    assert found("食品经营许可") == ["open-restaurant"]
    assert found("卫星") == []


def test_search_only_finds_packages_offered_where_the_applicant_lives(discovery_catalog: Path) -> None:
    assert found("退休", "520102") == []  # offered in Yunnan only
    assert found("退休", "530000") == ["retirement"]
    assert found("xsecs", "530000") == []


def test_search_explains_why_a_package_matched(discovery_catalog: Path) -> None:
    hit = search_packages("生孩子", region("520102"))[0].hit
    assert (hit.tier, hit.matched) == ("keyword", "生孩子")


def test_hot_packages_follow_the_prior_and_leave_out_unknown_ones(discovery_catalog: Path) -> None:
    hot = hot_packages(region("520102"))
    assert [h.package.code for h in hot] == ["newborn-birth", "open-restaurant"]  # 36.7 k before 6.8 k
    assert hot[0].popularity == 1.0
    assert hot_packages(region("530000")) != []  # 退休 is in the table too


def test_real_counts_replace_the_prior_in_the_hot_list(discovery_catalog: Path) -> None:
    hot = hot_packages(region("520102"), counts={"open-restaurant": 40, "newborn-birth": 2})
    assert [h.package.code for h in hot] == ["open-restaurant", "newborn-birth"]


def test_a_configured_prior_is_used(discovery_catalog: Path, tmp_path: Path) -> None:
    table = tmp_path / "prior.yaml"
    table.write_text("- {code: open-restaurant, total: 10}\n", encoding="utf-8")
    with override_settings(ONEGO_POPULARITY_PRIOR=str(table)):
        assert [h.package.code for h in hot_packages(region("520102"))] == ["open-restaurant"]
