"""Standards drift: how a region's implementation of an item differs from the provincial standard.

Pure functions over plain dataclasses (no database): `compare(standard, local)` lists every deviation with
a reason in Chinese. The selectors (onego.standards.selectors) build the facts from the catalog and from
`ItemImplementation` rows. What counts as drift follows the papers (S city found 25 items where local
practice differed: extra materials, extra steps) and the consistency rules one city checks automatically
(/work/shared/domain/STANDARDS-AND-CATALOG.md §1).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class MaterialFact:
    code: str  # the standard material type's code; "" for a material the region invented
    name: str
    required: bool = True


@dataclass(frozen=True)
class GuideFacts:
    """The guide elements that the standard fixes and a region may only copy (or do better on)."""

    name: str
    legal_limit_days: int
    promised_limit_days: int
    handling_type: str  # "immediate" | "promised"
    visits: int
    online: bool
    online_depth: int
    postal: bool
    fee_charged: bool
    legal_basis: str = ""
    acceptance_conditions: str = ""
    result_name: str = ""
    fee_basis: str = ""
    visits_reason: str = ""
    materials: tuple[MaterialFact, ...] = field(default_factory=tuple)


class Kind(StrEnum):
    NAME = "name"
    EXTRA_MATERIAL = "extra_material"
    MISSING_MATERIAL = "missing_material"
    MATERIAL_REQUIRED = "material_required"
    LONGER_LIMIT = "longer_limit"
    LONGER_LEGAL_LIMIT = "longer_legal_limit"
    MORE_VISITS = "more_visits"
    LESS_ONLINE = "less_online"
    NO_POSTAL = "no_postal"
    FEE_ADDED = "fee_added"
    HANDLING_TYPE = "handling_type"
    MISSING_ELEMENT = "missing_element"
    INCONSISTENT = "inconsistent"


KIND_LABELS: dict[Kind, str] = {
    Kind.NAME: "名称不一致",
    Kind.EXTRA_MATERIAL: "增加材料",
    Kind.MISSING_MATERIAL: "缺少标准材料",
    Kind.MATERIAL_REQUIRED: "选交材料改为必交",
    Kind.LONGER_LIMIT: "承诺时限更长",
    Kind.LONGER_LEGAL_LIMIT: "法定时限更长",
    Kind.MORE_VISITS: "跑动次数更多",
    Kind.LESS_ONLINE: "网办程度更低",
    Kind.NO_POSTAL: "不支持邮寄",
    Kind.FEE_ADDED: "增加收费",
    Kind.HANDLING_TYPE: "办件类型不同",
    Kind.MISSING_ELEMENT: "缺少指南要素",
    Kind.INCONSISTENT: "要素自相矛盾",
}

# Guide elements a published guide must fill when the standard fills them (name, label).
REQUIRED_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("legal_basis", "设定依据"),
    ("acceptance_conditions", "受理条件"),
    ("result_name", "审批结果名称"),
)


@dataclass(frozen=True)
class Deviation:
    kind: Kind
    element: str
    reason: str
    standard: str = ""
    local: str = ""

    @property
    def label(self) -> str:
        return _(KIND_LABELS[self.kind])


_BRACKETS = str.maketrans(
    {"（": "(", "）": ")", "【": "(", "】": ")", "［": "(", "］": ")", "、": ",", "，": ","}
)
_SPACE = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Width-folded (NFKC), brackets unified, spaces dropped: what differs only in typing, not in name."""
    folded = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    return _SPACE.sub("", folded).strip()


def _material_key(material: MaterialFact) -> str:
    return material.code or "name:" + normalise_name(material.name)


def _materials(standard: GuideFacts, local: GuideFacts) -> list[Deviation]:
    found: list[Deviation] = []
    by_key = {_material_key(m): m for m in standard.materials}
    by_name = {normalise_name(m.name): m for m in standard.materials}
    seen: set[str] = set()
    for material in local.materials:
        match = by_key.get(_material_key(material)) or by_name.get(normalise_name(material.name))
        if match is None:
            found.append(
                Deviation(
                    Kind.EXTRA_MATERIAL,
                    "materials",
                    _("标准中没有的材料：%(name)s") % {"name": material.name},
                    local=material.name,
                )
            )
            continue
        seen.add(_material_key(match))
        if material.required and not match.required:
            found.append(
                Deviation(
                    Kind.MATERIAL_REQUIRED,
                    "materials",
                    _("标准中为选交（按情形提交）的材料被要求必交：%(name)s") % {"name": match.name},
                    standard=_("选交"),
                    local=_("必交"),
                )
            )
    for material in standard.materials:
        if _material_key(material) not in seen and material.required:
            found.append(
                Deviation(
                    Kind.MISSING_MATERIAL,
                    "materials",
                    _("标准要求的材料未列入本地指南：%(name)s") % {"name": material.name},
                    standard=material.name,
                )
            )
    return found


def _days(n: int) -> str:
    return _("%(n)s 个工作日") % {"n": n}


def consistency_problems(facts: GuideFacts) -> list[Deviation]:
    """The guide's own contradictions (rules one city checks automatically), whatever the standard says."""
    found: list[Deviation] = []

    def add(element: str, reason: str) -> None:
        found.append(Deviation(Kind.INCONSISTENT, element, reason))

    if facts.promised_limit_days == 0 and facts.handling_type != "immediate":
        add("handling_type", _("承诺时限为 0（即办），办件类型却不是即办件"))
    if facts.promised_limit_days > facts.legal_limit_days:
        add("promised_limit_days", _("承诺时限长于法定时限"))
    if facts.visits > 0 and not facts.visits_reason.strip():
        add("visits_reason", _("到现场次数大于 0，却未说明必须现场办理的原因"))
    if facts.visits == 0 and not facts.online and not facts.postal:
        add("postal", _("零跑动但不能网办，应支持邮寄递交"))
    if facts.online_depth >= 4 and facts.visits > 0:
        add("online_depth", _("网上办理深度为Ⅳ级（全程网办），到现场次数却大于 0"))
    if facts.fee_charged and not facts.fee_basis.strip():
        add("fee_basis", _("收费却未写明收费依据"))
    return found


def compare(standard: GuideFacts, local: GuideFacts) -> list[Deviation]:
    """Every way `local` departs from `standard` (empty: the implementation conforms)."""
    found: list[Deviation] = []
    if normalise_name(local.name) != normalise_name(standard.name):
        found.append(
            Deviation(
                Kind.NAME,
                "name",
                _("本地名称与标准名称不一致"),
                standard=standard.name,
                local=local.name,
            )
        )
    found.extend(_materials(standard, local))
    if local.promised_limit_days > standard.promised_limit_days:
        found.append(
            Deviation(
                Kind.LONGER_LIMIT,
                "promised_limit_days",
                _("承诺办结时限比标准长 %(n)s 个工作日")
                % {"n": local.promised_limit_days - standard.promised_limit_days},
                standard=_days(standard.promised_limit_days),
                local=_days(local.promised_limit_days),
            )
        )
    if local.legal_limit_days > standard.legal_limit_days:
        found.append(
            Deviation(
                Kind.LONGER_LEGAL_LIMIT,
                "legal_limit_days",
                _("法定办结时限比标准长（法定时限不得自行延长）"),
                standard=_days(standard.legal_limit_days),
                local=_days(local.legal_limit_days),
            )
        )
    if local.handling_type != standard.handling_type and standard.handling_type == "immediate":
        found.append(
            Deviation(
                Kind.HANDLING_TYPE,
                "handling_type",
                _("标准为即办件，本地改为承诺件"),
                standard=_("即办件"),
                local=_("承诺件"),
            )
        )
    if local.visits > standard.visits:
        found.append(
            Deviation(
                Kind.MORE_VISITS,
                "visits",
                _("到办事现场次数比标准多 %(n)s 次") % {"n": local.visits - standard.visits},
                standard=str(standard.visits),
                local=str(local.visits),
            )
        )
    if (standard.online and not local.online) or local.online_depth < standard.online_depth:
        found.append(
            Deviation(
                Kind.LESS_ONLINE,
                "online_depth",
                _("网上办理深度低于标准"),
                standard=_("%(n)s 级") % {"n": standard.online_depth} if standard.online else _("不网办"),
                local=_("%(n)s 级") % {"n": local.online_depth} if local.online else _("不网办"),
            )
        )
    if standard.postal and not local.postal:
        found.append(Deviation(Kind.NO_POSTAL, "postal", _("标准支持物流快递，本地不支持")))
    if local.fee_charged and not standard.fee_charged:
        found.append(
            Deviation(
                Kind.FEE_ADDED,
                "fee_charged",
                _("标准不收费，本地收费"),
                standard=_("不收费"),
                local=local.fee_basis or _("收费"),
            )
        )
    for element, label in REQUIRED_ELEMENTS:
        if getattr(standard, element).strip() and not getattr(local, element).strip():
            found.append(
                Deviation(
                    Kind.MISSING_ELEMENT, element, _("本地指南缺少要素：%(label)s") % {"label": _(label)}
                )
            )
    # The local guide's own contradictions that the standard does not have.
    standard_problems = {d.element for d in consistency_problems(standard)}
    found.extend(d for d in consistency_problems(local) if d.element not in standard_problems)
    return found
