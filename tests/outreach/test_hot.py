"""Each region's hot packages: the provincial table until the region has data, then the region's own
cases, pins and searches outweigh it (a blend by pseudo-counts); computed into a table by a task."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onego.catalog.models import Region
from onego.outreach.hot import PRIOR_STRENGTH, blend, rank_hot_packages, record_search
from onego.outreach.models import HotPackage, Pin, SearchTally
from onego.outreach.selectors import hot_for_region

PRIOR = {
    "social-security-card": 102_000_000.0,
    "retirement": 111_000.0,
    "newborn-birth": 36_700.0,
    "open-restaurant": 6_812.0,
}
CODES = list(PRIOR)


def test_without_local_data_the_order_is_the_provincial_tables() -> None:
    ranked, weight = blend(CODES, prior=PRIOR, demand={})
    assert weight == 1.0
    assert [r.code for r in ranked] == [
        "social-security-card",
        "retirement",
        "newborn-birth",
        "open-restaurant",
    ]


def test_a_little_local_data_moves_the_order_and_much_of_it_decides() -> None:
    little, w1 = blend(CODES, prior=PRIOR, demand={"open-restaurant": 10})
    assert w1 == pytest.approx(PRIOR_STRENGTH / (PRIOR_STRENGTH + 10))
    assert [r.code for r in little][:2] == ["social-security-card", "open-restaurant"]
    much, w2 = blend(
        CODES, prior=PRIOR, demand={"open-restaurant": 500, "newborn-birth": 300, "social-security-card": 5}
    )
    assert w2 < 0.1
    assert [r.code for r in much][:2] == ["open-restaurant", "newborn-birth"]


def test_a_package_without_prior_or_demand_is_left_out() -> None:
    ranked, _ = blend([*CODES, "bankruptcy-check"], prior=PRIOR, demand={})
    assert "bankruptcy-check" not in [r.code for r in ranked]


@pytest.mark.django_db
@pytest.mark.usefixtures("starter")
def test_the_task_ranks_each_region_from_its_own_demand(client: Client) -> None:
    assert rank_hot_packages() > 0
    nanming = list(HotPackage.objects.filter(region_code="520102").order_by("rank"))
    assert nanming[0].package_code == "social-security-card"  # the provincial table
    assert nanming[0].prior_weight == 1.0
    # 南明区's applicants pin and search 开办餐饮店; 毕节 has nothing of its own.
    for n in range(30):
        Pin.objects.create(person_index=f"p{n}", package_code="open-restaurant", region_code="520102")
    for _ in range(20):
        record_search(region_code="520102", package_code="open-restaurant")
    assert SearchTally.objects.get().count == 20
    rank_hot_packages()
    nanming = list(HotPackage.objects.filter(region_code="520102").order_by("rank"))
    assert nanming[0].package_code == "open-restaurant"
    assert nanming[0].usage == 64  # 30 pins × 2 + 20 searches × 0.2
    assert nanming[0].prior_weight == pytest.approx(50 / 114, abs=1e-4)
    # The city counts its counties; another city keeps the provincial order.
    assert HotPackage.objects.get(region_code="520100", rank=1).package_code == "open-restaurant"
    assert HotPackage.objects.get(region_code="520500", rank=1).package_code == "social-security-card"
    # The home page reads the table and says how the list was made.
    home = client.get("/?region=520102").content.decode()
    assert "本地区热点一件事" in home
    assert "全省数据权重 44%" in home
    hot = hot_for_region(Region.objects.get(code="520102"))
    assert hot.computed
    assert hot.items[0].package.code == "open-restaurant"


@pytest.mark.django_db
@pytest.mark.usefixtures("starter")
def test_before_any_ranking_the_home_page_shows_the_provincial_table(client: Client) -> None:
    hot = hot_for_region(Region.objects.get(code="520102"))
    assert not hot.computed
    assert hot.items[0].package.code == "social-security-card"
    assert "2024年9月至2025年2月" in client.get("/?region=520102").content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("starter")
def test_a_portal_search_counts_its_top_hit_for_the_region(client: Client, settings: Any) -> None:
    client.get("/search/?q=退休&region=520102")
    client.get("/search/?q=x&region=520102")  # one letter: not counted
    [tally] = SearchTally.objects.all()
    assert (tally.region_code, tally.package_code, tally.count) == ("520102", "retirement", 1)
