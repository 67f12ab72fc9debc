"""Every starter data element that names a registry is supplied by that registry for some demo subject."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

import onego.catalog
from onego.core.validators import CHECKS
from onego.registries import gateway as g
from onego.registries.demo_identities import DemoIdentity
from tests.registries.conftest import all_demo_subjects

STARTER = Path(onego.catalog.__file__).parent / "starter"


def starter(name: str) -> dict[str, Any]:
    path = STARTER / name
    if not path.exists():
        pytest.skip(f"starter catalog file {name} is not there")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def elements_by_registry() -> dict[str, list[dict[str, Any]]]:
    by_registry: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for element in starter("data_elements.yaml").get("data_elements", []):
        if element.get("registry"):
            by_registry[element["registry"]].append(element)
    return dict(by_registry)


def test_every_starter_registry_is_a_gateway_registry() -> None:
    codes = {r["code"] for r in starter("registries.yaml").get("registries", [])}
    assert codes <= set(g.REGISTRY_CODES)


def test_every_registry_element_is_held_by_its_registry() -> None:
    missing = {
        code: sorted(e["code"] for e in elements if e["code"] not in g.elements_held(code))
        for code, elements in elements_by_registry().items()
    }
    assert {k: v for k, v in missing.items() if v} == {}


def _check_value(element: dict[str, Any], value: Any) -> None:
    kind = element.get("type", "string")
    if kind == "choice":
        assert value in element["choices"], (element["code"], value)
    elif kind == "date":
        dt.date.fromisoformat(value)
    elif kind in ("number", "integer"):
        assert isinstance(value, int | float), (element["code"], value)
    elif kind == "bool":
        assert isinstance(value, bool)
    elif kind in CHECKS:
        assert CHECKS[kind](value) is None, (element["code"], value)
    else:
        assert isinstance(value, str)
        assert value


def test_every_registry_element_has_a_value_for_a_demo_subject(demo: tuple[DemoIdentity, ...]) -> None:
    unsupplied: dict[str, list[str]] = {}
    for registry, elements in elements_by_registry().items():
        codes = [e["code"] for e in elements]
        found: dict[str, Any] = {}
        for subject in all_demo_subjects():
            try:
                found.update(g.fetch_elements(registry, subject, codes))
            except g.SubjectNotFound:
                continue
        for element in elements:
            if element["code"] in found:
                _check_value(element, found[element["code"]])
        if missing := sorted(set(codes) - set(found)):
            unsupplied[registry] = missing
    assert unsupplied == {}
