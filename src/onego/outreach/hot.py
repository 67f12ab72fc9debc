"""Each region's hot packages (热点一件事): ranked from the region's own demand, the provincial table as
the prior until the region has data. Computed by a task into `HotPackage`, never per request.

The blend (docs/outreach.md, "Hot packages"), for region R and package p offered in R:

    demand_R(p) = started_R(p) + submitted_R(p) + PIN_WEIGHT · pins_R(p) + SEARCH_WEIGHT · searches_R(p)
    n_R         = Σ_p demand_R(p)
    score_R(p)  = (K · prior(p) + n_R · demand_R(p) / n_R) / (K + n_R)        (K = PRIOR_STRENGTH)

`prior(p)` is the package's share of the provincial table (onego.catalog.popularity: the Guizhou volumes of
the national key packages) among the packages offered in R. So a region without any data shows the
provincial order; each case, pin or search of the region moves it, and once the region's own demand
outweighs K (a few dozen cases) its own order wins: the shrinkage of an average towards a prior by
pseudo-counts. A region counts what happened in it and below it (a city includes its counties), over
the last `WINDOW_DAYS`. `prior_weight` = K / (K + n_R) is stored with the ranking and shown to the user.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum

from onego.cases.models import Case
from onego.catalog import models as cm
from onego.catalog.popularity import prior_volumes, volume_for
from onego.catalog.selectors import packages_offered
from onego.core import clock
from onego.outreach.models import HotPackage, Pin, SearchTally

PRIOR_STRENGTH = 50.0  # K: how many units of local demand the provincial table is worth
PIN_WEIGHT = 2.0
SEARCH_WEIGHT = 0.2
WINDOW_DAYS = 180
TOP = 10
STALE_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Ranked:
    code: str
    score: float
    usage: float


def prefix_of(code: str, level: str) -> str:
    return {"province": code[:2], "city": code[:4]}.get(level, code)


def blend(
    packages: Iterable[str],
    *,
    prior: Mapping[str, float],
    demand: Mapping[str, float],
    strength: float = PRIOR_STRENGTH,
) -> tuple[list[Ranked], float]:
    """Pure: the ranking of `packages` and the prior's weight. `prior` are volumes (any scale)."""
    codes = list(packages)
    prior_total = sum(max(prior.get(c, 0.0), 0.0) for c in codes)
    n = sum(max(demand.get(c, 0.0), 0.0) for c in codes)
    weight = strength / (strength + n) if strength + n > 0 else 1.0
    ranked = []
    for c in codes:
        p = max(prior.get(c, 0.0), 0.0) / prior_total if prior_total else 0.0
        d = max(demand.get(c, 0.0), 0.0) / n if n else 0.0
        score = weight * p + (1 - weight) * d
        if score > 0:
            ranked.append(Ranked(c, round(score, 6), demand.get(c, 0.0)))
    ranked.sort(key=lambda r: (-r.score, r.code))
    return ranked, round(weight, 6)


def _local_demand(since: dt.datetime, day_since: dt.date) -> dict[str, dict[str, float]]:
    """county code → package code → demand (cases, pins, searches), counted where they happened."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    rows = (
        Case.objects.filter(created_at__gte=since)
        .values("region__code", "package_code")
        .annotate(started=Count("id"), submitted=Count("id", filter=Q(submitted_at__isnull=False)))
    )
    for r in rows:
        out[r["region__code"]][r["package_code"]] += r["started"] + r["submitted"]
    pins = Pin.objects.exclude(region_code="").values("region_code", "package_code").annotate(n=Count("id"))
    for pin in pins:
        out[pin["region_code"]][pin["package_code"]] += PIN_WEIGHT * pin["n"]
    tallies = (
        SearchTally.objects.filter(day__gte=day_since)
        .values("region_code", "package_code")
        .annotate(n=Sum("count"))
    )
    for tally in tallies:
        out[tally["region_code"]][tally["package_code"]] += SEARCH_WEIGHT * float(tally["n"] or 0)
    return out


def rank_hot_packages(*, now: dt.datetime | None = None) -> int:
    """Recompute every province/city/county region's ranking (one transaction); returns the regions."""
    now = now or clock.now()
    demand_by_place = _local_demand(
        now - dt.timedelta(days=WINDOW_DAYS), (now - dt.timedelta(days=WINDOW_DAYS)).date()
    )
    table = prior_volumes(getattr(settings, "ONEGO_POPULARITY_PRIOR", ""))
    regions = list(cm.Region.objects.filter(level__in=["province", "city", "county"]).order_by("code"))
    rows: list[HotPackage] = []
    for region in regions:
        offered = list(packages_offered(region))
        prefix = prefix_of(region.code, region.level)
        demand: dict[str, float] = defaultdict(float)
        for place, by_package in demand_by_place.items():
            if place.startswith(prefix):
                for code, value in by_package.items():
                    demand[code] += value
        prior = {p.code: float(volume_for(p.code, p.name, table) or 0) for p in offered}
        ranked, weight = blend([p.code for p in offered], prior=prior, demand=demand)
        rows += [
            HotPackage(
                region_code=region.code,
                package_code=r.code,
                rank=i,
                score=r.score,
                prior_weight=weight,
                usage=int(round(r.usage)),
                computed_at=now,
            )
            for i, r in enumerate(ranked[:TOP], start=1)
        ]
    with transaction.atomic():
        HotPackage.objects.all().delete()
        HotPackage.objects.bulk_create(rows)
    return len(regions)


def ranking_stale(*, now: dt.datetime | None = None) -> bool:
    latest = HotPackage.objects.order_by("-computed_at").values_list("computed_at", flat=True).first()
    return latest is None or (now or clock.now()) - latest > STALE_AFTER


# --- searches and pins ----------------------------------------------------------------------------------
def record_search(*, region_code: str, package_code: str) -> None:
    """Count the top hit of a portal search (one upsert; no person is recorded)."""
    day = clock.today()
    updated = SearchTally.objects.filter(region_code=region_code, package_code=package_code, day=day).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                SearchTally.objects.create(
                    region_code=region_code, package_code=package_code, day=day, count=1
                )
        except IntegrityError:  # a concurrent first search of the day: count it on the row that won
            SearchTally.objects.filter(region_code=region_code, package_code=package_code, day=day).update(
                count=F("count") + 1
            )
