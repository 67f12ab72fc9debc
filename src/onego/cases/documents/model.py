"""What a conclusion document and an integrated licence say: plain frozen dataclasses, no database.

The cases engine fills these from its models and hands them to the renderers; everything printed on the
page, hashed into the digest and covered by the signature comes from these fields and nothing else, so a
verifier who holds the same fields recomputes the same digest (docs/documents.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# The case engine's `Outcome` values (cases.workflow), repeated here so this module stays independent.
OUTCOME_LABELS: dict[str, str] = {
    "approved": "准予",
    "partly_approved": "部分准予",
    "rejected": "不予",
}


def _require_aware(value: dt.datetime, field: str) -> None:
    # A naive time has no single spelling in the digest: refuse it where the document is built.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware")


@dataclass(frozen=True)
class Opinion:
    """One department's decision on one item of the package (部门办理意见)."""

    department: str
    item: str
    decision: str  # 准予 / 不予 / 部分准予 / …, as the department wrote it
    opinion: str
    decided_at: dt.datetime

    def __post_init__(self) -> None:
        _require_aware(self.decided_at, "Opinion.decided_at")


@dataclass(frozen=True)
class ConclusionDocument:
    """The single conclusion of a package case (办理结论通知书), issued by the lead department."""

    number: str  # the document's own number, e.g. 南明一件事结〔2025〕0001号
    case_reference: str
    package_name: str
    applicant_name_masked: str
    outcome: str  # approved | partly_approved | rejected
    outcome_text: str
    lead_department: str
    issued_at: dt.datetime
    opinions: tuple[Opinion, ...]
    results: tuple[str, ...]  # e.g. licence names with their identifiers
    delivery: str
    # The applicant's full name, as an official document prints it (the masked one above is kept for
    # documents issued before it was added; empty, it is left out of the digest so they still verify).
    applicant_name: str = field(default="", metadata={"digest_omit_if_empty": True})

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOME_LABELS:
            raise ValueError(f"outcome must be one of {sorted(OUTCOME_LABELS)}, got {self.outcome!r}")
        _require_aware(self.issued_at, "ConclusionDocument.issued_at")
        if not isinstance(self.opinions, tuple) or not isinstance(self.results, tuple):
            # Lists would make the dataclass unhashable and invite mutation after the digest was taken.
            raise TypeError("opinions and results must be tuples")

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class PermitLine:
    """One permit carried by an integrated licence, named by its GB/T 36904 e-licence identifier."""

    name: str
    identifier: str  # 1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>
    issuer: str
    valid_until: dt.date | None  # None: 长期有效


@dataclass(frozen=True)
class IntegratedLicence:
    """One licence for one business that lists every permit a package granted it (一业一证)."""

    number: str
    holder_name: str
    holder_code_masked: str  # the USCC, masked
    business_address: str
    permits: tuple[PermitLine, ...]
    issued_at: dt.datetime
    issuer: str

    def __post_init__(self) -> None:
        _require_aware(self.issued_at, "IntegratedLicence.issued_at")
        if not isinstance(self.permits, tuple) or not self.permits:
            raise ValueError("an integrated licence lists at least one permit, as a tuple")
        identifiers = [p.identifier for p in self.permits]
        if len(set(identifiers)) != len(identifiers):
            raise ValueError("an integrated licence lists each permit once")


Document = ConclusionDocument | IntegratedLicence
