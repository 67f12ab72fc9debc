"""How much each package is used, for the "hot" list and as a tie-breaker in search.

Until cases exist there are no counts of our own, so the signal is a documented *prior*: the Guizhou volumes
of the 13 national key packages, Sep 2024 – Feb 2025 (the "convergent government" paper, table 1; digest in
shared/domain/MECHANISMS.md). Those are province-wide totals, so every Guizhou region gets the same order —
exactly what that paper criticises ("hot lists should follow each region's real demand"). When the cases app
can count a region's cases, the portal passes those counts (`counts=`) and they replace the prior for that
region; the prior is never mixed with real counts, because six months of a province and a region's own
history are not on one scale.

The prior matches packages by name (the paper names packages, not our codes): a package whose normalised name
equals or contains a table name gets that volume. Another table can be configured with the setting
`ONEGO_POPULARITY_PRIOR` (environment variable of the same name): a YAML list of
`{name: 新生儿出生, total: 36700}` or `{code: newborn-birth, total: 36700}`; an empty list switches the prior
off.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from onego.catalog.search import normalise


@dataclass(frozen=True)
class Volume:
    name: str
    total: int
    code: str = ""
    online: int | None = None


# [F table 1] totals (the reliable column); online counts as printed where the unit is unambiguous.
GUIZHOU_2024_VOLUMES: tuple[Volume, ...] = (
    Volume("社会保障卡居民服务", 102_000_000),
    Volume("教育入学", 2_453_000),
    Volume("退休", 111_000),
    Volume("信用修复", 94_800),
    Volume("残疾人服务", 48_700),
    Volume("新生儿出生", 36_700),
    Volume("企业信息变更", 32_700),
    Volume("企业注销登记", 13_300),
    Volume("开办运输企业", 13_100, online=6_883),
    Volume("开办餐饮店", 6_812, online=4_101),
    Volume("水电气网联合报装", 3_012, online=1_589),
    Volume("企业破产信息核查", 676, online=354),
    Volume("企业上市合法合规信息核查", 260, online=211),
)


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[Volume, ...]:
    rows = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(rows, list):
        raise ValueError(f"{path}: ONEGO_POPULARITY_PRIOR must be a YAML list of {{name|code, total}}")
    out = []
    for row in rows:
        if not isinstance(row, dict) or "total" not in row or not (row.get("name") or row.get("code")):
            raise ValueError(f"{path}: each entry needs `total` and `name` or `code`: {row!r}")
        out.append(Volume(str(row.get("name", "")), int(row["total"]), str(row.get("code", ""))))
    return tuple(out)


def prior_volumes(path: str = "") -> tuple[Volume, ...]:
    """The configured prior: the file at `path` when given, else the Guizhou table."""
    return _load(path) if path else GUIZHOU_2024_VOLUMES


def _volume_for(code: str, name: str, table: Iterable[Volume]) -> int | None:
    norm = normalise(name)
    best: Volume | None = None
    for v in table:
        if v.code and v.code == code:
            return v.total
        vn = normalise(v.name)
        # The longest table name contained in the package name wins (企业上市… before 企业…).
        if vn and vn in norm and (best is None or len(vn) > len(normalise(best.name))):
            best = v
    return best.total if best else None


def volume_for(code: str, name: str, table: Iterable[Volume]) -> int | None:
    """The prior volume of one package (by code, else by the longest table name its name contains)."""
    return _volume_for(code, name, table)


def popularity(
    packages: Iterable[tuple[str, str]],
    *,
    counts: Mapping[str, float] | None = None,
    table: Iterable[Volume] = GUIZHOU_2024_VOLUMES,
) -> dict[str, float]:
    """A 0..1 score per package code (log scale, the busiest package = 1). `packages` are (code, name).

    `counts`, when given (real case counts of one region by package code), replace the prior entirely.
    """
    pairs = list(packages)
    table = tuple(table)
    raw: dict[str, float] = {}
    for code, name in pairs:
        if counts is not None:
            raw[code] = float(counts.get(code, 0))
        else:
            raw[code] = float(_volume_for(code, name, table) or 0)
    top = max(raw.values(), default=0.0)
    if top <= 0:
        return dict.fromkeys(raw, 0.0)
    return {code: round(math.log10(1 + v) / math.log10(1 + top), 4) for code, v in raw.items()}
