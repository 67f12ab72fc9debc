"""Writes of the standards app: loading regional implementations (实施清单) of standard items."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from onego.catalog.models import Region, ServiceItem
from onego.core.errors import ValidationFailed
from onego.standards.models import ItemImplementation

STARTER = Path(__file__).parent / "starter" / "implementations.yaml"

# Guide elements an implementation may state differently from the standard (the rest are copied from it).
OVERRIDABLE = {
    "local_name": str,
    "legal_basis": str,
    "acceptance_conditions": str,
    "legal_limit_days": int,
    "promised_limit_days": int,
    "handling_type": str,
    "fee_charged": bool,
    "fee_basis": str,
    "visits": int,
    "visits_reason": str,
    "online": bool,
    "online_depth": int,
    "postal": bool,
    "result_name": str,
}
ENTRY_KEYS = {"item", "add_materials", "drop_materials", "require_materials", *OVERRIDABLE}


@dataclass(frozen=True)
class LoadResult:
    regions: int
    implementations: int
    skipped: int = 0


def _standard_copy(item: ServiceItem) -> dict[str, Any]:
    return {
        "local_name": item.name,
        "legal_basis": item.legal_basis,
        "acceptance_conditions": item.acceptance_conditions,
        "legal_limit_days": item.legal_limit_days,
        "promised_limit_days": item.promised_limit_days,
        "handling_type": item.handling_type,
        "fee_charged": item.fee_charged,
        "fee_basis": item.fee_basis,
        "visits": item.visits,
        "visits_reason": item.visits_reason,
        "online": item.online,
        "online_depth": item.online_depth,
        "postal": item.postal,
        "result_name": item.result_name,
    }


def _materials(item: ServiceItem, entry: dict[str, Any], where: str) -> list[dict[str, Any]]:
    standard = [
        {"code": m.material_type.code, "name": m.material_type.name, "required": m.required and not m.when}
        for m in item.materials.select_related("material_type").order_by("position")
    ]
    known = {m["code"] for m in standard}
    drop = entry.get("drop_materials") or []
    require = entry.get("require_materials") or []
    for code in [*drop, *require]:
        if code not in known:
            raise ValidationFailed(f"{where}：材料 {code} 不是标准事项 {item.code} 的材料", field="materials")
    materials = [
        {**m, "required": True if m["code"] in require else m["required"]}
        for m in standard
        if m["code"] not in drop
    ]
    for extra in entry.get("add_materials") or []:
        name = extra.get("name") if isinstance(extra, dict) else extra
        if not isinstance(name, str) or not name.strip():
            raise ValidationFailed(f"{where}：add_materials 每项需要材料名称 name", field="materials")
        required = bool(extra.get("required", True)) if isinstance(extra, dict) else True
        materials.append({"code": "", "name": name.strip(), "required": required})
    return materials


def _check_value(key: str, value: Any, where: str) -> Any:
    wanted = OVERRIDABLE[key]
    if wanted is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValidationFailed(f"{where}：{key} 应为非负整数", field=key)
    if wanted is bool and not isinstance(value, bool):
        raise ValidationFailed(f"{where}：{key} 应为 true 或 false", field=key)
    if wanted is str and not isinstance(value, str):
        raise ValidationFailed(f"{where}：{key} 应为文本", field=key)
    if key == "handling_type" and value not in ("immediate", "promised"):
        raise ValidationFailed(f"{where}：handling_type 应为 immediate 或 promised", field=key)
    return value


def _entry_values(entry: dict[str, Any], where: str) -> tuple[dict[str, Any], ServiceItem]:
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise ValidationFailed(f"{where}：不认识的键 {', '.join(sorted(unknown))}", field="items")
    item = ServiceItem.objects.filter(code=entry.get("item")).first()
    if item is None:
        raise ValidationFailed(f"{where}：标准目录中没有此事项", field="item")
    values = _standard_copy(item)
    values.update({k: _check_value(k, v, where) for k, v in entry.items() if k in OVERRIDABLE})
    values["materials"] = _materials(item, entry, where)
    return values, item


@transaction.atomic
def implementations_load(*, path: Path = STARTER, skip_unknown: bool = False) -> LoadResult:
    """Create or replace the regional implementations declared in `path` (all or nothing).

    Each entry names a standard item; everything it does not state is copied from the standard guide, so
    an entry with only `item:` is a conforming implementation. `skip_unknown` (the demo, over whatever
    catalog is loaded) skips regions and items the catalog does not have instead of refusing the file.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    blocks = data.get("implementations")
    if not isinstance(blocks, list):
        raise ValidationFailed(f"{path.name}：缺少 implementations 列表", field="implementations")
    regions = {r.code: r for r in Region.objects.filter(code__in=[str(b.get("region")) for b in blocks])}
    count = skipped = 0
    loaded_regions: set[str] = set()
    for block in blocks:
        region = regions.get(str(block.get("region")))
        if region is None and skip_unknown:
            skipped += len(block.get("items") or [])
            continue
        if region is None:
            raise ValidationFailed(f"{path.name}：区划代码 {block.get('region')} 不存在", field="region")
        for entry in block.get("items") or []:
            entry = {"item": entry} if isinstance(entry, str) else entry
            try:
                values, item = _entry_values(entry, f"{path.name} {region.code} {entry.get('item')}")
            except ValidationFailed:
                if not skip_unknown:
                    raise
                skipped += 1
                continue
            values["source"] = str(block.get("source", ""))[:200]
            ItemImplementation.objects.update_or_create(region=region, item=item, defaults=values)
            loaded_regions.add(region.code)
            count += 1
    return LoadResult(regions=len(loaded_regions), implementations=count, skipped=skipped)
