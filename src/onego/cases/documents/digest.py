"""The digest of a document: SM3 over a canonical JSON of its fields.

Canonical JSON as the ledger spells it (sorted keys, no whitespace, UTF-8 unescaped; instants in UTC with
microseconds), wrapped with the kind of document and a format number, so a conclusion and a licence
with equal fields never share a digest and a later change of encoding cannot silently change old ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

from onego.cases.documents.model import ConclusionDocument, Document, IntegratedLicence
from onego.ledger.canonical import canonical_json, format_timestamp

DIGEST_FORMAT = 1

KIND_CONCLUSION = "conclusion"
KIND_LICENCE = "integrated_licence"


def document_kind(doc: Document) -> str:
    if isinstance(doc, ConclusionDocument):
        return KIND_CONCLUSION
    if isinstance(doc, IntegratedLicence):
        return KIND_LICENCE
    raise TypeError(f"not a document: {type(doc).__name__}")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not (f.metadata.get("digest_omit_if_empty") and getattr(value, f.name) == "")
        }
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot put {type(value).__name__} into a document digest")


def canonical_document_bytes(doc: Document) -> bytes:
    """The exact bytes the digest covers (published so another tool can reproduce it)."""
    return canonical_json({"v": DIGEST_FORMAT, "kind": document_kind(doc), "fields": _plain(doc)})


def document_digest(doc: Document) -> str:
    """SM3 of the canonical bytes, 64 lowercase hex digits."""
    return hashlib.new("sm3", canonical_document_bytes(doc)).hexdigest()
