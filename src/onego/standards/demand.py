"""Demand the data shows for new packages: items the same applicants apply for together, in separate cases.

`co_occurring_pairs` is pure: given each applicant's (case, time, item) rows it counts, per pair of items
from *different* cases submitted within `window_days` of each other, how many distinct applicants did both.
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
from onego.standards.models import ItemCoOccurrence

WINDOW_DAYS = 30


@dataclass(frozen=True)
class Applied:
    applicant: str
    case: str
    at: dt.datetime
    item: str


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
        .values_list("case__applicant_index", "case_id", "case__submitted_at", "code")
    )
    for applicant, case, at, code in query.iterator(chunk_size=5000):
        if at is not None:  # the filter already excludes unsubmitted cases; this tells mypy
            yield Applied(applicant, str(case), at, code)


def packaged_pairs() -> set[tuple[str, str]]:
    by_package: dict[object, list[str]] = {}
    for package_id, code in PackageItem.objects.filter(package__active=True).values_list(
        "package_id", "item__code"
    ):
        by_package.setdefault(package_id, []).append(code)
    return {tuple(sorted(p)) for codes in by_package.values() for p in itertools.combinations(codes, 2)}  # type: ignore[misc]


@dataclass(frozen=True)
class RefreshResult:
    pairs: int
    outside_packages: int


def co_occurrence_refresh(*, window_days: int = WINDOW_DAYS, lookback_days: int = 365) -> RefreshResult:
    now = clock.now()
    counts = co_occurring_pairs(_rows(now - dt.timedelta(days=lookback_days)), window_days=window_days)
    items = dict(ServiceItem.objects.values_list("code", "pk"))
    bundled = packaged_pairs()
    rows = [
        ItemCoOccurrence(
            item_a_id=items[a],
            item_b_id=items[b],
            applicants=n,
            window_days=window_days,
            in_package=(a, b) in bundled,
            computed_at=now,
        )
        for (a, b), n in counts.items()
        if a in items and b in items
    ]
    with transaction.atomic():
        ItemCoOccurrence.objects.all().delete()
        ItemCoOccurrence.objects.bulk_create(rows, batch_size=1000)
    return RefreshResult(pairs=len(rows), outside_packages=sum(1 for r in rows if not r.in_package))
