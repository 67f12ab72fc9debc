"""The popularity signal: a documented prior from the Guizhou volumes, replaced by real counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from onego.catalog.popularity import GUIZHOU_2024_VOLUMES, Volume, popularity, prior_volumes


def test_prior_ranks_packages_by_the_guizhou_volumes() -> None:
    scores = popularity([("newborn-birth", "新生儿出生"), ("open-restaurant", "开办餐饮店")])
    assert scores["newborn-birth"] == 1.0  # the busiest of those offered
    assert 0 < scores["open-restaurant"] < scores["newborn-birth"]


def test_prior_matches_names_that_contain_a_table_name() -> None:
    scores = popularity([("a", "新生儿出生一件事"), ("b", "企业上市合法合规信息核查"), ("c", "火箭发射")])
    assert scores["a"] == 1.0
    assert 0 < scores["b"] < 1.0  # the longest table name wins over shorter ones it contains
    assert scores["c"] == 0.0  # no signal: not made up


def test_real_counts_replace_the_prior_entirely() -> None:
    scores = popularity(
        [("newborn-birth", "新生儿出生"), ("open-restaurant", "开办餐饮店")],
        counts={"open-restaurant": 120, "newborn-birth": 3},
    )
    assert scores["open-restaurant"] == 1.0
    assert scores["newborn-birth"] < scores["open-restaurant"]


def test_nothing_known_means_zero_for_all() -> None:
    assert popularity([("x", "火箭发射")]) == {"x": 0.0}
    assert popularity([("x", "新生儿出生")], counts={}) == {"x": 0.0}


def test_the_table_is_the_papers_totals() -> None:
    totals = {v.name: v.total for v in GUIZHOU_2024_VOLUMES}
    assert len(totals) == 13
    assert totals["新生儿出生"] == 36_700
    assert totals["开办餐饮店"] == 6_812


def test_a_configured_table_by_code(tmp_path: Path) -> None:
    table = tmp_path / "prior.yaml"
    table.write_text(
        "- {code: open-restaurant, total: 50}\n- {name: 新生儿出生, total: 5}\n", encoding="utf-8"
    )
    volumes = prior_volumes(str(table))
    assert volumes == (Volume("", 50, "open-restaurant"), Volume("新生儿出生", 5, ""))
    scores = popularity([("open-restaurant", "开办餐饮店"), ("newborn-birth", "新生儿出生")], table=volumes)
    assert scores["open-restaurant"] == 1.0 > scores["newborn-birth"]


def test_a_broken_configured_table_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "prior.yaml"
    table.write_text("- {name: 新生儿出生}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="total"):
        prior_volumes(str(table))
