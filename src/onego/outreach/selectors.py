"""Reads of proactive service and hot packages, for the portal (and the API, should it show them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from onego.catalog import models as cm
from onego.catalog.discovery import hot_packages as prior_hot_packages
from onego.catalog.selectors import packages_offered
from onego.outreach.eligibility import Rule
from onego.outreach.models import HotPackage, Offer, OfferStatus, Pin


def offers_for(person_index: str, *, limit: int = 50) -> QuerySet[Offer]:
    """The offers sent to this person (withheld ones were never sent: not shown), newest first."""
    return (
        Offer.objects.filter(person_index=person_index)
        .exclude(status=OfferStatus.WITHHELD)
        .order_by("-offered_at")[:limit]
    )


def open_offers(person_index: str) -> list[Offer]:
    """What the home page shows: offers neither started nor dismissed."""
    return list(
        Offer.objects.filter(person_index=person_index, status=OfferStatus.OFFERED).order_by("-offered_at")[
            :5
        ]
    )


def pinned_packages(person_index: str) -> list[cm.Package]:
    codes = list(
        Pin.objects.filter(person_index=person_index)
        .order_by("created_at")
        .values_list("package_code", flat=True)
    )
    by_code = {
        p.code: p
        for p in cm.Package.objects.filter(code__in=codes, active=True).select_related("lead_department_type")
    }
    return [by_code[c] for c in codes if c in by_code]


def pinned_codes(person_index: str) -> set[str]:
    return set(Pin.objects.filter(person_index=person_index).values_list("package_code", flat=True))


@dataclass(frozen=True)
class HotView:
    package: cm.Package
    score: float


@dataclass(frozen=True)
class HotList:
    items: list[HotView]
    prior_weight: float  # 1.0: the provincial table only; lower: the region's own data counts
    computed: bool  # False: no ranking computed yet, the provincial table read directly

    @property
    def prior_percent(self) -> str:
        return f"{round(self.prior_weight * 100)}%"


def hot_for_region(region: cm.Region | None, *, limit: int = 6) -> HotList:
    """The region's hot packages from the computed ranking (`onego outreach rank`); before the first
    ranking, the provincial table directly (what the catalog's discovery gives)."""
    if region is None:
        return HotList([], 1.0, False)
    rows = list(HotPackage.objects.filter(region_code=region.code).order_by("rank")[: limit * 2])
    if not rows:
        return HotList(
            [HotView(h.package, h.popularity) for h in prior_hot_packages(region, limit=limit)], 1.0, False
        )
    offered = {p.code: p for p in packages_offered(region)}
    items = [HotView(offered[r.package_code], r.score) for r in rows if r.package_code in offered][:limit]
    return HotList(items, rows[0].prior_weight, True)


def rule_choices(rules: list[Rule], person_index: str) -> list[dict[str, object]]:
    """Each rule with whether the person receives it now (the latest choice per rule, else for all)."""
    from onego.outreach.services import opted_out_rules

    chosen = opted_out_rules(person_index)
    everything = chosen.get("", False)
    return [
        {"code": r.code, "name": r.name, "name_en": r.name_en, "explanation": r.explanation,
         "opted_out": chosen.get(r.code, everything)}
        for r in rules
    ]  # fmt: skip
