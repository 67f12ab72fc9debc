"""Co-occurrence: items the same applicants apply for together, in separate cases, within a window."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from onego.cases.models import Case, SubCase
from onego.catalog.models import Package, Region
from onego.standards.demand import Applied, co_occurrence_refresh, co_occurring_pairs, regional_pairs
from onego.standards.models import ItemCoOccurrence

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def rows(applicant: str, case: str, day: int, *items: str, region: str = "") -> list[Applied]:
    return [Applied(applicant, case, T0 + dt.timedelta(days=day), i, region) for i in items]


def test_pairs_count_distinct_applicants_across_their_separate_cases() -> None:
    data = [
        *rows("a", "c1", 0, "birth_registration"),
        *rows("a", "c2", 3, "maternity_benefit"),
        *rows("a", "c3", 4, "maternity_benefit"),  # the same pair again: still one applicant
        *rows("b", "c4", 0, "maternity_benefit"),
        *rows("b", "c5", 10, "birth_registration"),
    ]
    assert co_occurring_pairs(data) == {("birth_registration", "maternity_benefit"): 2}


def test_items_of_one_case_and_cases_too_far_apart_do_not_count() -> None:
    data = [
        *rows("a", "c1", 0, "business_licence", "food_business_permit"),  # one case: a package already
        *rows("b", "c2", 0, "business_licence"),
        *rows("b", "c3", 31, "food_business_permit"),  # outside the 30-day window
    ]
    assert co_occurring_pairs(data) == {}
    assert co_occurring_pairs(data, window_days=31) == {("business_licence", "food_business_permit"): 1}


def _case(package: Package, applicant: str, at: dt.datetime, *items: str, region: str = "520102") -> None:
    case = Case.objects.create(
        reference=f"T-{uuid.uuid4().hex[:12]}",
        package=package,
        package_code=package.code,
        package_name=package.name,
        package_version=1,
        region=Region.objects.get(code=region),
        applicant_kind="person",
        applicant_index=applicant,
        applicant_display="王*",
        applicant_id_masked="5201**********0000",
        applicant_sealed="x",
        channel="online",
        status="submitted",
        idempotency_key=uuid.uuid4().hex,
        payload_hash="0" * 64,
        submitted_at=at,
    )
    for code in items:
        SubCase.objects.create(case=case, code=code, name=code)


@pytest.mark.django_db
def test_the_refresh_fills_the_table_and_marks_pairs_a_package_already_bundles(small_catalog: Path) -> None:
    from onego.core import clock

    package = Package.objects.get(code="open-restaurant")
    now = clock.now()
    for n in range(3):
        _case(package, f"applicant-{n}", now - dt.timedelta(days=5), "business_licence")
        _case(package, f"applicant-{n}", now - dt.timedelta(days=2), "tobacco_retail_licence")
    result = co_occurrence_refresh()
    [pair] = ItemCoOccurrence.objects.filter(region_code="").select_related("item_a", "item_b")
    assert (pair.item_a.code, pair.item_b.code, pair.applicants) == (
        "business_licence",
        "tobacco_retail_licence",
        3,
    )
    assert pair.in_package  # open-restaurant bundles both
    assert (result.pairs, result.outside_packages) == (1, 0)
    Package.objects.filter(pk=package.pk).update(active=False)
    assert co_occurrence_refresh().outside_packages == 1
    assert ItemCoOccurrence.objects.filter(region_code="").count() == 1  # replaced, not added


def test_a_pair_counts_in_each_region_level_that_holds_both_cases_and_province_wide() -> None:
    pair = ("birth_registration", "maternity_benefit")
    data = [
        # a: both cases in 南明区 (county): the county, its city and the province count a
        *rows("a", "c1", 0, pair[0], region="520102"),
        *rows("a", "c2", 3, pair[1], region="520102"),
        # b: one case in 南明区, the other filed at 贵阳市 itself: the city and the province, not the county
        *rows("b", "c3", 0, pair[0], region="520102"),
        *rows("b", "c4", 2, pair[1], region="520100"),
        # c: 南明区 and 毕节市 (another city): the province only
        *rows("c", "c5", 0, pair[0], region="520102"),
        *rows("c", "c6", 1, pair[1], region="520500"),
    ]
    counted = regional_pairs(data)
    assert dict(counted) == {("", *pair): 3, ("520100", *pair): 2, ("520102", *pair): 1}
    assert co_occurring_pairs(data) == {pair: 3}  # the province-wide count is the old one


@pytest.mark.django_db
def test_the_refresh_writes_each_regions_own_counts(small_catalog: Path) -> None:
    from onego.core import clock

    package = Package.objects.get(code="open-restaurant")
    now = clock.now()
    _case(package, "nm", now - dt.timedelta(days=5), "business_licence", region="520102")
    _case(package, "nm", now - dt.timedelta(days=2), "tobacco_retail_licence", region="520102")
    _case(package, "bj", now - dt.timedelta(days=5), "business_licence", region="520500")
    _case(package, "bj", now - dt.timedelta(days=2), "tobacco_retail_licence", region="520500")
    result = co_occurrence_refresh()
    counts = dict(ItemCoOccurrence.objects.values_list("region_code", "applicants"))
    assert counts == {"": 2, "520100": 1, "520102": 1, "520500": 1}
    assert (result.pairs, result.rows) == (1, 4)
