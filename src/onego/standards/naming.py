"""Item-name standardisation over the database: map local names, queue the unsure ones, record reviews.

The matching itself is pure (onego.standards.matching); this module builds its index from the catalog and
writes `NameMapping` / `NameMappingReview` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from onego.catalog.models import Region, ServiceItem
from onego.core.errors import NotFound, ValidationFailed
from onego.standards.matching import Index, build_index, default_synonyms, match
from onego.standards.models import MappingMethod, MappingStatus, NameMapping, NameMappingReview

MAX_NAME = 200
REVIEWED = (MappingStatus.CONFIRMED, MappingStatus.CORRECTED, MappingStatus.REJECTED)


def catalog_index() -> Index:
    """The matcher's index over the standard items and region names now in the catalog."""
    return build_index(
        ServiceItem.objects.order_by("code").values_list("code", "name"),
        default_synonyms(),
        Region.objects.values_list("name", flat=True),
    )


def _clean_name(local_name: str) -> str:
    name = " ".join(str(local_name or "").split())
    if not name:
        raise ValidationFailed("请填写本地事项名称", field="local_name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"本地事项名称不能超过 {MAX_NAME} 个字", field="local_name")
    return name


@transaction.atomic
def name_map(*, local_name: str, region_code: str | None = None, index: Index | None = None) -> NameMapping:
    """Map one local name (again); a mapping an administrator already decided is kept as decided."""
    name = _clean_name(local_name)
    region = None
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise ValidationFailed(f"区划代码 {region_code} 不存在", field="region")
    existing = NameMapping.objects.select_for_update().filter(region=region, local_name=name).first()
    if existing is not None and existing.status in REVIEWED:
        return existing
    found = match(name, index or catalog_index())
    items = {
        i.code: i
        for i in ServiceItem.objects.filter(code__in=[found.code, *(c.code for c in found.candidates)])
    }
    values: dict[str, Any] = {
        "item": items.get(found.code or ""),
        "method": found.method,
        "confidence": found.confidence,
        "status": MappingStatus.AUTO if found.auto_accepted else MappingStatus.PENDING,
        "candidates": [
            {"code": c.code, "name": c.name, "score": round(c.score, 3)} for c in found.candidates
        ],
    }
    mapping, _ = NameMapping.objects.update_or_create(region=region, local_name=name, defaults=values)
    return mapping


def names_map(*, names: Iterable[str], region_code: str | None = None) -> list[NameMapping]:
    index = catalog_index()
    return [name_map(local_name=n, region_code=region_code, index=index) for n in names if n.strip()]


@transaction.atomic
def mapping_review(
    *, mapping_id: Any, reviewer: Any, decision: str, item_code: str = "", note: str = ""
) -> NameMapping:
    """An administrator confirms the proposed item, corrects it to another, or rejects any match."""
    mapping = (
        NameMapping.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(pk=mapping_id)
        .first()
    )
    if mapping is None:
        raise NotFound("没有这条名称映射")
    note = note.strip()
    if len(note) > 300:
        raise ValidationFailed("说明不能超过 300 个字", field="note")
    before = mapping.item.code if mapping.item else ""
    if decision == MappingStatus.CONFIRMED:
        if mapping.item is None:
            raise ValidationFailed("没有可确认的标准事项，请选择正确的事项或标为无对应", field="item")
    elif decision == MappingStatus.CORRECTED:
        item = ServiceItem.objects.filter(code=item_code).first()
        if item is None:
            raise ValidationFailed("请选择正确的标准事项", field="item")
        if item.code == before:
            decision = MappingStatus.CONFIRMED
        mapping.item = item
    elif decision == MappingStatus.REJECTED:
        mapping.item = None
    else:
        raise ValidationFailed("请选择确认、更正或无对应", field="decision")
    mapping.status = decision
    mapping.method = MappingMethod.REVIEWER if decision != MappingStatus.CONFIRMED else mapping.method
    mapping.confidence = 1.0
    mapping.save(update_fields=["item", "status", "method", "confidence", "updated_at"])
    NameMappingReview.objects.create(
        mapping=mapping,
        reviewer=reviewer,
        decision=decision,
        item_before=before,
        item_after=mapping.item.code if mapping.item else "",
        note=note,
    )
    return mapping


def review_queue(*, limit: int = 200) -> list[NameMapping]:
    return list(
        NameMapping.objects.filter(status=MappingStatus.PENDING)
        .select_related("item", "region")
        .order_by("confidence", "local_name")[:limit]
    )


def recent_mappings(*, limit: int = 50) -> list[NameMapping]:
    return list(
        NameMapping.objects.exclude(status=MappingStatus.PENDING)
        .select_related("item", "region")
        .order_by("-updated_at")[:limit]
    )
