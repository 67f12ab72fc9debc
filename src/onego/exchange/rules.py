"""Sharing-contract policy as pure functions over plain data (no database): default deny.

A read of a data element, a registry-verified material or an e-licence type for a package case is
allowed when a contract that is in force names one of the case's consumers — the package, one of its
included items, or the department type of such an item — grants that element, material or licence type,
and was agreed for the purpose the applicant consented to. Anything else is refused, and
`explain_denial` says why in words an applicant or a clerk can act on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

What = Literal["element", "material", "licence_type"]
Consumer = tuple[str, str]  # (consumer_kind, consumer_code)

KIND_NAMES = {"package": "一件事", "item": "事项", "department_type": "部门类型"}
WHAT_NAMES = {"element": "数据元", "material": "材料", "licence_type": "电子证照"}


@dataclass(frozen=True)
class ContractTerms:
    code: str
    version: int
    consumer_kind: str
    consumer_code: str
    purpose: str
    elements: frozenset[str]
    materials: frozenset[str]
    licence_types: frozenset[str]
    valid_from: dt.date
    valid_until: dt.date | None
    active: bool = True

    @property
    def label(self) -> str:
        return f"{self.code}@v{self.version}"

    @property
    def consumer(self) -> Consumer:
        return (self.consumer_kind, self.consumer_code)

    def grants(self, what: What, code: str) -> bool:
        granted = {"element": self.elements, "material": self.materials, "licence_type": self.licence_types}
        return code in granted[what]

    def in_force_on(self, day: dt.date) -> bool:
        return (
            self.active and self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
        )


def find_grant(
    contracts: Iterable[ContractTerms],
    *,
    consumers: Sequence[Consumer],
    purpose: str,
    what: What,
    code: str,
    day: dt.date,
) -> ContractTerms | None:
    """The contract that allows this read, preferring the most specific consumer (the order given)."""
    candidates = [
        c
        for c in contracts
        if c.consumer in consumers and c.in_force_on(day) and c.purpose == purpose and c.grants(what, code)
    ]
    if not candidates:
        return None
    rank = {consumer: i for i, consumer in enumerate(consumers)}
    return min(candidates, key=lambda c: (rank[c.consumer], c.code))


def consumer_name(consumer: Consumer) -> str:
    kind, code = consumer
    return f"{KIND_NAMES.get(kind, kind)}“{code}”"


def explain_denial(
    contracts: Iterable[ContractTerms],
    *,
    consumers: Sequence[Consumer],
    purpose: str,
    what: What,
    code: str,
    name: str,
    day: dt.date,
) -> str:
    """Why `find_grant` found nothing: the closest thing to a grant, and what is wrong with it."""
    mine = [c for c in contracts if c.consumer in consumers and c.active]
    label = f"{WHAT_NAMES[what]}“{name}”"
    who = consumer_name(consumers[0]) if consumers else "本次办理"
    if not mine:
        return f"没有共享协议允许{who}读取{label}（未授权即拒绝）"
    granting = [c for c in mine if c.grants(what, code)]
    if not granting:
        labels = "、".join(sorted(c.label for c in mine))
        return f"共享协议 {labels} 未授权读取{label}"
    for c in granting:
        if c.valid_from > day:
            return f"共享协议 {c.label} 自 {c.valid_from.isoformat()} 起才生效，目前不能读取{label}"
        if c.valid_until is not None and day > c.valid_until:
            return f"共享协议 {c.label} 已于 {c.valid_until.isoformat()} 到期，不能再读取{label}"
    purposes = "、".join(sorted({c.purpose for c in granting}))
    return f"共享协议只允许为“{purposes}”读取{label}，与本次用途“{purpose}”不符"
