"""Builders for exchange tests: contracts through the service, as in production."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from onego.exchange.models import SharingContract
from onego.exchange.services import contract_publish

RESTAURANT_PURPOSE = "办理「开办餐饮店」"


def restaurant_contract(**overrides: Any) -> SharingContract:
    """The small catalog's restaurant package may read the population register and the e-licence library."""
    args: dict[str, Any] = {
        "code": "pkg.open-restaurant",
        "consumer_kind": "package",
        "consumer_code": "open-restaurant",
        "purpose": RESTAURANT_PURPOSE,
        "elements": ["person.name", "person.id_number"],
        "materials": ["resident_id_card"],
        "licence_types": ["business_licence"],
        "valid_from": dt.date(2025, 1, 1),
        "published_by": "admin:test",
    }
    args.update(overrides)
    return contract_publish(**args)


def contract_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": "pkg.open-restaurant",
        "consumer": {"kind": "package", "code": "open-restaurant"},
        "purpose": RESTAURANT_PURPOSE,
        "elements": ["person.name", "person.id_number"],
        "materials": ["resident_id_card"],
        "licence_types": ["business_licence"],
        "valid_from": "2025-01-01",
    }
    doc.update(overrides)
    return doc


def write_contracts(path: Path, *docs: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"contracts": list(docs)}, allow_unicode=True, sort_keys=False), "utf-8")
    return path
