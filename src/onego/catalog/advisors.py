"""Advice the catalog's commands take from apps above it, without importing them (the layers point down).

The data exchange registers how a package's promises are backed by sharing contracts
(`onego.exchange.apps`): `package explain` appends its warnings and `package contracts` prints its
drafts. Without an advisor (the exchange app not installed) both say so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ContractAdvisor:
    warnings: Callable[[Any], list[str]]  # compiled package → one warning per uncovered datum
    report: Callable[[str], str]  # package code → needs/has report and draft contracts (YAML)


_advisor: list[ContractAdvisor] = []


def register_contract_advisor(advisor: ContractAdvisor) -> None:
    _advisor[:] = [advisor]


def contract_advisor() -> ContractAdvisor | None:
    return _advisor[0] if _advisor else None
