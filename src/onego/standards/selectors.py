"""Reads for the standards pages and commands: the drift report per region."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from onego.accounts.selectors import Staff
from onego.catalog.models import ItemMaterial, Region, ServiceItem
from onego.core.errors import NotFound, ValidationFailed
from onego.core.validators import region_level_of, region_parent_code
from onego.standards.demand import PROVINCE_WIDE
from onego.standards.drift import Deviation, GuideFacts, MaterialFact, compare
from onego.standards.models import ItemCoOccurrence, ItemImplementation, Proposal, ProposalStatus


def standard_facts(item: ServiceItem) -> GuideFacts:
    """The provincial standard's guide facts of `item` (its materials prefetched or read)."""
    return GuideFacts(
        name=item.name,
        legal_limit_days=item.legal_limit_days,
        promised_limit_days=item.promised_limit_days,
        handling_type=item.handling_type,
        visits=item.visits,
        online=item.online,
        online_depth=item.online_depth,
        postal=item.postal,
        fee_charged=item.fee_charged,
        legal_basis=item.legal_basis,
        acceptance_conditions=item.acceptance_conditions,
        result_name=item.result_name,
        fee_basis=item.fee_basis,
        visits_reason=item.visits_reason,
        materials=tuple(
            # A material the standard asks only in some situations (`when`) or marks optional is 选交.
            MaterialFact(m.material_type.code, m.material_type.name, m.required and not m.when)
            for m in item.materials.all()
        ),
    )


def implementation_facts(impl: ItemImplementation) -> GuideFacts:
    return GuideFacts(
        name=impl.local_name,
        legal_limit_days=impl.legal_limit_days,
        promised_limit_days=impl.promised_limit_days,
        handling_type=impl.handling_type,
        visits=impl.visits,
        online=impl.online,
        online_depth=impl.online_depth,
        postal=impl.postal,
        fee_charged=impl.fee_charged,
        legal_basis=impl.legal_basis,
        acceptance_conditions=impl.acceptance_conditions,
        result_name=impl.result_name,
        fee_basis=impl.fee_basis,
        visits_reason=impl.visits_reason,
        materials=tuple(
            MaterialFact(str(m.get("code") or ""), str(m.get("name") or ""), bool(m.get("required", True)))
            for m in impl.materials
        ),
    )


@dataclass(frozen=True)
class ItemDrift:
    item_code: str
    standard_name: str
    local_name: str
    deviations: list[Deviation]

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item_code,
            "standard_name": self.standard_name,
            "local_name": self.local_name,
            "deviations": [
                {
                    "kind": str(d.kind),
                    "label": d.label,
                    "element": d.element,
                    "reason": d.reason,
                    "standard": d.standard,
                    "local": d.local,
                }
                for d in self.deviations
            ],
        }


@dataclass
class RegionDrift:
    code: str
    name: str
    implemented: int = 0
    items: list[ItemDrift] = field(default_factory=list)

    @property
    def non_conforming(self) -> int:
        return len(self.items)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.code,
            "name": self.name,
            "implemented": self.implemented,
            "non_conforming": self.non_conforming,
            "items": [i.as_dict() for i in self.items],
        }


def region_and_below(code: str) -> list[str]:
    """The codes of region `code` and every region under it; ValidationFailed when unknown."""
    rows = list(Region.objects.values_list("id", "code", "parent_id"))
    by_code = {c: i for i, c, _ in rows}
    if code not in by_code:
        raise ValidationFailed(f"区划代码 {code} 不存在", field="region")
    children: dict[Any, list[tuple[Any, str]]] = defaultdict(list)
    for i, c, parent in rows:
        children[parent].append((i, c))
    found, todo = [code], [by_code[code]]
    while todo:
        for i, c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(i)
    return found


def drift_report(*, region_code: str | None = None) -> list[RegionDrift]:
    """Each region with implementations (under `region_code` if given) and its non-conforming items."""
    impls = ItemImplementation.objects.select_related("region", "item").prefetch_related(
        Prefetch(
            "item__materials",
            queryset=ItemMaterial.objects.select_related("material_type").order_by("position"),
        )
    )
    if region_code:
        impls = impls.filter(region__code__in=region_and_below(region_code))
    regions: dict[str, RegionDrift] = {}
    standards: dict[Any, GuideFacts] = {}
    for impl in impls.order_by("region__code", "item__code"):
        report = regions.setdefault(impl.region.code, RegionDrift(impl.region.code, impl.region.name))
        report.implemented += 1
        standard = standards.get(impl.item_id)
        if standard is None:
            standard = standards[impl.item_id] = standard_facts(impl.item)
        deviations = compare(standard, implementation_facts(impl))
        if deviations:
            report.items.append(ItemDrift(impl.item.code, impl.item.name, impl.local_name, deviations))
    return list(regions.values())


def implementation_for(*, region_code: str, item_code: str) -> ItemImplementation:
    impl = (
        ItemImplementation.objects.select_related("region", "item")
        .filter(region__code=region_code, item__code=item_code)
        .first()
    )
    if impl is None:
        raise NotFound("该地区未发布此事项的实施清单")
    return impl


# --- proposals and the demand the data shows -------------------------------------------------------------


@dataclass(frozen=True)
class RankedProposal:
    proposal: Proposal
    demand: int  # most applicants who applied for a pair of its items together, outside any package
    demand_pair: tuple[str, str] | None


def public_proposals(*, limit: int = 100) -> list[Proposal]:
    return list(
        Proposal.objects.exclude(status=ProposalStatus.DECLINED)
        .prefetch_related("items")
        .select_related("built_package")
        .order_by("-support_count", "-created_at")[:limit]
    )


def proposal_by_id(proposal_id: Any) -> Proposal:
    try:
        uuid.UUID(str(proposal_id))
    except ValueError:
        raise NotFound("没有这条建议") from None
    proposal = (
        Proposal.objects.prefetch_related("items")
        .select_related("built_package")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound("没有这条建议")
    return proposal


def _pair_counts(codes: set[str], region_code: str) -> dict[tuple[str, str], int]:
    rows = ItemCoOccurrence.objects.filter(
        region_code=region_code, in_package=False, item_a__code__in=codes, item_b__code__in=codes
    ).values_list("item_a__code", "item_b__code", "applicants")
    return {(a, b): n for a, b, n in rows}


def demand_region_code(region: Region | None) -> str:
    """The co-occurrence rows of a region: "" (every case) for the province or no region."""
    if region is None or region_level_of(region.code) == "province":
        return PROVINCE_WIDE
    return region.code


def ranked_proposals(
    *, by: str = "support", region: Region | None = None, limit: int = 200
) -> list[RankedProposal]:
    """Proposals ranked by support or by demand (co-occurrence of their items outside any package) in
    `region` (its cases and those below it; the province's when None)."""
    proposals = list(
        Proposal.objects.prefetch_related("items")
        .select_related("built_package")
        .order_by("-created_at")[:limit]
    )
    codes = {i.code for p in proposals for i in p.items.all()}
    pairs = _pair_counts(codes, demand_region_code(region))
    ranked = []
    for p in proposals:
        mine = sorted(i.code for i in p.items.all())
        best = max(
            (((a, b), pairs.get((a, b), 0)) for i, a in enumerate(mine) for b in mine[i + 1 :]),
            key=lambda x: x[1],
            default=(None, 0),
        )
        ranked.append(RankedProposal(p, best[1], best[0] if best[1] else None))
    if by == "demand":
        ranked.sort(key=lambda r: (r.demand, r.proposal.support_count), reverse=True)
    else:
        ranked.sort(key=lambda r: (r.proposal.support_count, r.demand), reverse=True)
    return ranked


def demand_pairs(*, region: Region | None = None, limit: int = 20) -> list[ItemCoOccurrence]:
    """The pairs of items most applicants applied for together, outside any package (from the table), in
    `region` (the province's when None)."""
    return list(
        ItemCoOccurrence.objects.filter(region_code=demand_region_code(region), in_package=False)
        .select_related("item_a", "item_b")
        .order_by("-applicants", "item_a__code")[:limit]
    )


def _within(outer: str, inner: str) -> bool:
    code: str | None = inner
    while code is not None:
        if code == outer:
            return True
        code = region_parent_code(code)
    return False


def access_demand_region(*, staff: Staff, code: str | None) -> Region | None:
    """The region whose demand an administrator reads: `code`, or by default the widest region of their
    departments; an administrator with no department (the service centre's own account) reads the
    province (None) or any region. A region outside theirs is answered as one that does not exist."""
    own = sorted({s.region_code for s in staff.seats}, key=lambda c: (len(c.rstrip("0")), c))
    wanted = (code or "").strip()[:12]
    if not wanted:
        if not own:
            return None
        wanted = own[0]
    region = Region.objects.filter(code=wanted).first() if wanted.isdigit() else None
    if region is None or (own and not any(_within(r, region.code) for r in own)):
        raise NotFound("没有找到该地区，或该地区不在您的管理范围内", field="region")
    return region
