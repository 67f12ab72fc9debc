"""Reads for finding a package: search, the region's hot list, and answers to plain questions.

Selectors over the database that feed the pure modules `search`, `popularity` and `ask`. Everything is
region-aware: only packages offered where the applicant lives (the region or an ancestor) are found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch

from onego.catalog import models as m
from onego.catalog.ask import (
    Answer,
    ItemFacts,
    Passage,
    build_index,
    compose,
    dont_know,
    item_passage,
    package_passage,
    retrieve,
)
from onego.catalog.ask import is_reliable as _reliable
from onego.catalog.popularity import popularity, prior_volumes
from onego.catalog.rules.package import CompiledPackage
from onego.catalog.search import Hit, SearchDoc, search
from onego.catalog.selectors import compile_for, main_scenario, packages_offered
from onego.core.errors import OneGoError


@dataclass(frozen=True)
class PackageHit:
    package: m.Package
    hit: Hit


@dataclass(frozen=True)
class HotPackage:
    package: m.Package
    popularity: float


def _offered(region: m.Region | None) -> list[m.Package]:
    return list(
        packages_offered(region).prefetch_related(
            Prefetch("package_items", queryset=m.PackageItem.objects.select_related("item"))
        )
    )


def package_popularity(
    packages: list[m.Package], counts: Mapping[str, float] | None = None
) -> dict[str, float]:
    """0..1 per package code: real `counts` when the caller has them, else the configured prior."""
    table = prior_volumes(getattr(settings, "ONEGO_POPULARITY_PRIOR", ""))
    return popularity(((p.code, p.name) for p in packages), counts=counts, table=table)


def search_packages(
    query: str,
    region: m.Region | None,
    *,
    limit: int = 20,
    counts: Mapping[str, float] | None = None,
) -> list[PackageHit]:
    """Packages offered in `region` that match `query` (names, pinyin, initials, synonyms, item names)."""
    if not query.strip():
        return []
    packages = _offered(region)
    pop = package_popularity(packages, counts)
    docs = [
        SearchDoc(
            code=p.code,
            name=p.name,
            name_en=p.name_en,
            keywords=tuple(str(k) for k in p.keywords or ()),
            item_names=tuple(pi.item.name for pi in p.package_items.all()),
            popularity=pop.get(p.code, 0.0),
        )
        for p in packages
    ]
    by_code = {p.code: p for p in packages}
    return [PackageHit(by_code[h.code], h) for h in search(docs, query, limit=limit)]


def hot_packages(
    region: m.Region | None, *, limit: int = 6, counts: Mapping[str, float] | None = None
) -> list[HotPackage]:
    """The region's most used packages; packages without any signal are left out rather than made up."""
    packages = _offered(region)
    pop = package_popularity(packages, counts)
    ranked = sorted((p for p in packages if pop.get(p.code, 0) > 0), key=lambda p: (-pop[p.code], p.code))
    return [HotPackage(p, pop[p.code]) for p in ranked[:limit]]


def _passages(region: m.Region | None) -> list[Passage]:
    packages = list(
        packages_offered(region).prefetch_related(
            "questions",
            Prefetch(
                "package_items",
                queryset=m.PackageItem.objects.select_related("item__department_type").prefetch_related(
                    Prefetch(
                        "item__materials", queryset=m.ItemMaterial.objects.select_related("material_type")
                    )
                ),
            ),
        )
    )
    out: list[Passage] = []
    seen_items: set[str] = set()
    for p in packages:
        items = [pi.item for pi in p.package_items.all()]
        out.append(
            package_passage(
                code=p.code,
                name=p.name,
                name_en=p.name_en,
                summary=p.summary,
                keywords=[str(k) for k in p.keywords or ()],
                item_names=[i.name for i in items],
                questions=[q.text for q in p.questions.all()],
            )
        )
        for item in items:
            if item.code in seen_items:
                continue  # an item guide is answered once, linked to the first package offering it
            seen_items.add(item.code)
            facts = ItemFacts(
                code=item.code,
                name=item.name,
                department=item.department_type.name,
                promised_days=item.promised_limit_days,
                legal_days=item.legal_limit_days,
                fee=item.fee_description if item.fee_charged else "不收费",
                materials=tuple(u.material_type.name for u in item.materials.all()),
                result_name=item.result_name,
                acceptance_conditions=item.acceptance_conditions,
            )
            out.append(
                item_passage(
                    package=p.code,
                    package_name=p.name,
                    facts=facts,
                    extra=[item.name_en, item.acceptance_conditions, item.special_procedures],
                )
            )
    return out


def ask(question: str, region: m.Region | None) -> Answer:
    """Answer a plain question from the guides offered in `region`, or say plainly that we don't know."""
    question = question.strip()[:200]
    if not question:
        return dont_know(question)
    ranked = retrieve(build_index(_passages(region)), question)
    best = ranked[0] if ranked else None
    if best is None or not _reliable(best):
        return dont_know(question, best)
    compiled: CompiledPackage | None = None
    scenario, promised = "", None
    package = m.Package.objects.filter(code=best.passage.package).first()
    if package is not None and region is not None and best.passage.item is None:
        promised = package.promised_days
        scenario = package.scenarios[0].get("name", "") if package.scenarios else ""
        try:
            compiled = compile_for(
                package_code=package.code, region_code=region.code, answers=main_scenario(package)
            )
        except OneGoError:
            compiled = None  # fall back to quoting the guide
    return compose(question, best, compiled=compiled, scenario=scenario, promised_days=promised)
