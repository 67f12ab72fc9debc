"""Server-owned provenance: which values and references the exchange put into one application.

A form value is *verified* only when a prefill run of this case (`case_ref`), under a consent of the
case's own applicant, delivered this value for this data element. Every run keeps a digest of each value
it delivered (`PrefillRun.values[element]["digest"]`, see `services._store_outcome`); a value given later
is verified when its digest is the same, and loses the mark as soon as it differs. A material reference
is verified only when the exchange attached it to this case (`VerifiedMaterial`). Nothing a client sends
can set either: callers hand in values, the server looks the provenance up here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from onego.catalog import models as cm
from onego.exchange.models import ConsentDecision, PrefillRun, VerifiedMaterial
from onego.exchange.selectors import pii_value

PREFILL_MARK = "prefill:"
_TRUE = {"true", "是", "1", "yes"}
_FALSE = {"false", "否", "0", "no"}


def canonical(data_type: str, value: Any) -> str:
    """One text per value as a data element of `data_type` means it, whatever channel typed it: "100",
    100 and 100.0 are one number; " 5201… " and "5201…" one ID number; True and "是" one yes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    if data_type in ("integer", "number") or isinstance(value, int | float | Decimal):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        if number.is_finite():
            number = number.normalize()
            return format(
                number.quantize(Decimal(1)) if number == number.to_integral_value() else number, "f"
            )
        return text
    if data_type == "bool":
        lowered = text.lower()
        return "true" if lowered in _TRUE else "false" if lowered in _FALSE else text
    if data_type in ("id_number", "uscc"):
        return text.upper()
    return text


def value_digest(element: str, data_type: str, value: Any) -> str:
    """SHA-256 over the element and its canonical value: what a prefill run keeps of each value."""
    return hashlib.sha256(f"{element}\n{canonical(data_type, value)}".encode()).hexdigest()


@dataclass(frozen=True)
class Delivered:
    """One value the exchange put into the case: by which run, from which registry, under which contract."""

    element: str
    run_id: uuid.UUID
    digest: str
    source_registry: str
    source_name: str
    contract: str

    @property
    def mark(self) -> str:
        return f"{PREFILL_MARK}{self.run_id}"

    def matches(self, data_type: str, value: Any) -> bool:
        return value not in (None, "") and self.digest == value_digest(self.element, data_type, value)


def delivered_values(*, case_ref: uuid.UUID | str, subject_index: str) -> dict[str, Delivered]:
    """Element → the latest value a finished prefill run delivered to this case for its applicant."""
    runs = (
        PrefillRun.objects.filter(
            case_ref=case_ref,
            consent__subject_index=subject_index,
            consent__decision=ConsentDecision.GRANTED,
            finished_at__isnull=False,
        )
        .order_by("started_at")
        .only("id", "values")
    )
    out: dict[str, Delivered] = {}
    types: dict[str, str] | None = None
    for run in runs:
        for element, stored in (run.values or {}).items():
            digest = stored.get("digest", "")
            if not digest:  # a run recorded before digests were kept
                if types is None:
                    types = dict(cm.DataElement.objects.values_list("code", "type"))
                digest = value_digest(element, types.get(element, "string"), pii_value(stored["value"]))
            out[element] = Delivered(
                element=element,
                run_id=run.id,
                digest=digest,
                source_registry=stored.get("source_registry", ""),
                source_name=stored.get("source_name", ""),
                contract=stored.get("contract", ""),
            )
    return out


def verified_references(*, case_ref: uuid.UUID | str, subject_index: str) -> dict[str, str]:
    """Material → the reference the exchange verified and attached to this case for its applicant."""
    return dict(
        VerifiedMaterial.objects.filter(case_ref=case_ref, consent__subject_index=subject_index).values_list(
            "material", "reference"
        )
    )


__all__ = [
    "PREFILL_MARK",
    "Delivered",
    "canonical",
    "delivered_values",
    "value_digest",
    "verified_references",
]
