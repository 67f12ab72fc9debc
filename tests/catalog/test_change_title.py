"""A catalog change's title fits its column (300 characters) however many packages and items it names."""

from __future__ import annotations

from onego.catalog import models as m
from onego.catalog.publishing import _title


def test_a_title_naming_the_whole_starter_catalog_is_cut_to_the_column() -> None:
    title = _title([f"package-{n}" for n in range(60)], [f"item-{n}" for n in range(200)])
    limit = m.CatalogChange._meta.get_field("title").max_length
    assert len(title) == limit
    assert title.startswith("套餐 package-0、package-1")
    assert title.endswith("…")


def test_a_short_title_is_kept_whole() -> None:
    assert _title(["newborn-birth"], ["birth-registration"]) == "套餐 newborn-birth；事项 birth-registration"
