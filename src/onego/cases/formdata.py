"""The merged form of a case as stored: sensitive data elements sealed, everything else plain."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from onego.cases.identity import seal, unseal
from onego.cases.models import Case
from onego.core import pii


def form_fields(snapshot: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Element code → its field in the compiled form (name, type, required, sensitive …)."""
    return {f["element"]: f for group in snapshot.get("form", []) for f in group["fields"]}


def asked_groups(snapshot: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The form's groups as someone fills them in: each group with the fields to ask, leaving out
    fields an earlier item of the package produces (nobody types them), and groups left empty."""
    for group in snapshot.get("form", []):
        fields = [f for f in group["fields"] if not f.get("produced_by")]
        if fields:
            yield group, fields


def sensitive_elements(snapshot: Mapping[str, Any]) -> set[str]:
    return {code for code, f in form_fields(snapshot).items() if f.get("sensitive")}


def seal_values(values: Mapping[str, Any], sensitive: set[str]) -> dict[str, Any]:
    return {k: (seal(v) if k in sensitive and v not in (None, "") else v) for k, v in values.items()}


def form_values(case: Case) -> dict[str, Any]:
    """The case's form data in clear, for pre-review, rules and authorised staff."""
    return {k: unseal(v) for k, v in (case.form_data or {}).items()}


def shown(value: Any, *, sensitive: bool, data_type: str = "") -> Any:
    """How a value appears to staff in lists and decision records."""
    if not sensitive or value in (None, ""):
        return value
    if data_type in ("id_number", "uscc", "phone", "email"):
        return pii.mask_value(data_type, value)
    return "***"
