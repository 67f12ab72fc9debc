"""Demand the data shows for new packages: items the same applicants apply for together, in separate cases.

`co_occurring_pairs` is pure: given each applicant's (case, time, item) rows it counts, per pair of items
from *different* cases submitted within `window_days` of each other, how many distinct applicants did both.
`regional_pairs` counts the same per region level: a pair counts in a region when both cases were filed
in it or below it (the city of two counties' cases, not either county), and under "" for every case (the
province-wide figure), so an administrator sees the demand of their own region.
`co_occurrence_refresh` streams the submitted cases' item sub-cases ordered by applicant (memory is one
applicant's rows at a time), marks the pairs some active package already bundles, and replaces the
`ItemCoOccurrence` table in one transaction. It runs as a task (onego.standards.tasks), never per request.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction

from onego.cases.models import SubCase, SubCaseKind
from onego.catalog.models import PackageItem, ServiceItem
from onego.core import clock
from onego.core.validators import region_level_of, region_parent_code
from onego.standards.models import ItemCoOccurrence

WINDOW_DAYS = 30


@dataclass(frozen=True)
class Applied:
    applicant: str
    case: str
    at: dt.datetime
    item: str
    region: str = ""


PROVINCE_WIDE = ""  # the region_code of the counts over every case


def region_chain(code: str) -> tuple[str, ...]:
    """`code` and the regions above it, below the province (whose figure is the province-wide one)."""
    chain: list[str] = []
    current: str | None = code
    while current and region_level_of(current) not in (None, "province"):
        chain.append(current)
        current = region_parent_code(current)
    return tuple(chain)


def regional_pairs(
    rows: Iterable[Applied], *, window_days: int = WINDOW_DAYS
) -> Counter[tuple[str, str, str]]:
    """Distinct applicants per (region, item_a, item_b): as `co_occurring_pairs`, counted in "" (every
    case) and in each region, below the province, that holds both cases. Rows grouped by applicant."""
    window = dt.timedelta(days=window_days)
    counts: Counter[tuple[str, str, str]] = Counter()
    for _, group in itertools.groupby(rows, key=lambda r: r.applicant):
        found: set[tuple[str, str, str]] = set()
        mine = sorted(group, key=lambda r: r.at)
        for i, first in enumerate(mine):
            for second in mine[i + 1 :]:
                if second.at - first.at > window:
                    break
                if second.case != first.case and second.item != first.item:
                    a, b = sorted((first.item, second.item))
                    shared = set(region_chain(first.region)) & set(region_chain(second.region))
                    for region in (PROVINCE_WIDE, *shared):
                        found.add((region, a, b))
        counts.update(found)
    return counts


def co_occurring_pairs(
    rows: Iterable[Applied], *, window_days: int = WINDOW_DAYS
) -> Counter[tuple[str, str]]:
    """Distinct applicants per (item_a, item_b), item_a < item_b, applied for in different cases within the window.

    `rows` must be grouped by applicant (any order inside a group)."""
    window = dt.timedelta(days=window_days)
    counts: Counter[tuple[str, str]] = Counter()
    for _, group in itertools.groupby(rows, key=lambda r: r.applicant):
        pairs: set[tuple[str, str]] = set()
        mine = sorted(group, key=lambda r: r.at)
        for i, first in enumerate(mine):
            for second in mine[i + 1 :]:
                if second.at - first.at > window:
                    break
                if second.case != first.case and second.item != first.item:
                    a, b = sorted((first.item, second.item))
                    pairs.add((a, b))
        counts.update(pairs)
    return counts


def _rows(since: dt.datetime) -> Iterator[Applied]:
    query = (
        SubCase.objects.filter(kind=SubCaseKind.ITEM, case__submitted_at__gte=since)
        .order_by("case__applicant_index", "case__submitted_at")
        .values_list("case__applicant_index", "case_id", "case__submitted_at", "code", "case__region__code")
    )
    for applicant, case, at, code, region in query.iterator(chunk_size=5000):
        if at is not None:  # the filter already excludes unsubmitted cases; this tells mypy
            yield Applied(applicant, str(case), at, code, region)


def packaged_pairs() -> set[tuple[str, str]]:
    by_package: dict[object, list[str]] = {}
    for package_id, code in PackageItem.objects.filter(package__active=True).values_list(
        "package_id", "item__code"
    ):
        by_package.setdefault(package_id, []).append(code)
    return {tuple(sorted(p)) for codes in by_package.values() for p in itertools.combinations(codes, 2)}  # type: ignore[misc]


@dataclass(frozen=True)
class RefreshResult:
    pairs: int  # province-wide
    outside_packages: int  # province-wide
    rows: int = 0  # every region's


def co_occurrence_refresh(*, window_days: int = WINDOW_DAYS, lookback_days: int = 365) -> RefreshResult:
    now = clock.now()
    counts = regional_pairs(_rows(now - dt.timedelta(days=lookback_days)), window_days=window_days)
    items = dict(ServiceItem.objects.values_list("code", "pk"))
    bundled = packaged_pairs()
    rows = [
        ItemCoOccurrence(
            region_code=region,
            item_a_id=items[a],
            item_b_id=items[b],
            applicants=n,
            window_days=window_days,
            in_package=(a, b) in bundled,
            computed_at=now,
        )
        for (region, a, b), n in counts.items()
        if a in items and b in items
    ]
    with transaction.atomic():
        ItemCoOccurrence.objects.all().delete()
        ItemCoOccurrence.objects.bulk_create(rows, batch_size=1000)
    wide = [r for r in rows if r.region_code == PROVINCE_WIDE]
    return RefreshResult(
        pairs=len(wide), outside_packages=sum(1 for r in wide if not r.in_package), rows=len(rows)
    )
