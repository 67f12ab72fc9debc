"""The duplicate guard: an open application for the same subject, shown before a new one starts.

"Open" is a draft or a case not yet concluded (not 已办结, 不予受理 or 已撤回). "The same subject" is:

- the same applicant and package (a parent starting 新生儿出生 twice, a firm opening the same restaurant
  twice);
- or, when the form names it, the same subject of the package whoever applies (`subject_of`): the same
  newborn (the mother's ID number and the birth date — either parent may apply), the same enterprise
  (its 统一社会信用代码) for the same package, the same child (the child's ID number).

Every channel asks the same selector: the portal and the counter show what it finds with a link before
a new application starts; the API refuses with 409 (`DuplicateApplication`, carrying the existing case's
id) unless the caller confirms. A retried submission (same idempotency key) is not a duplicate: it
returns the case it created (idempotency is `case_submit`'s).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onego.cases.formdata import form_values
from onego.cases.identity import blind_index
from onego.cases.models import Case
from onego.cases.workflow import CaseStatus
from onego.core.errors import Conflict

CLOSED = (CaseStatus.CONCLUDED, CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN)

# What identifies the subject of an application, from its form, first match wins: the elements that
# must all be given, and how the subject is named in messages.
SUBJECTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("mother.id_number", "newborn.birth_date"), "同一新生儿"),
    (("child.id_number",), "同一子女"),
    (("enterprise.uscc",), "同一企业"),
)


@dataclass(frozen=True)
class OpenApplication:
    case_id: uuid.UUID
    reference: str
    package_code: str
    package_name: str
    status: str
    status_label: str
    created_at: dt.datetime
    reason: str  # 同一申请人 | 同一新生儿 | 同一子女 | 同一企业


class DuplicateApplication(Conflict):
    """A new application for a subject that already has an open one (the API answers 409)."""

    code = "duplicate_application"

    def __init__(self, existing: OpenApplication) -> None:
        super().__init__(
            f"已有一件未办结的“{existing.package_name}”申请（{existing.reference}，{existing.status_label}，"
            f"{existing.reason}）。请继续办理该申请；确需另行申请的，请确认后再提交",
            field="confirm_duplicate",
        )
        self.existing = existing

    def as_dict(self) -> dict[str, str | None]:
        return {**super().as_dict(), "existing_id": str(self.existing.case_id)}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def subject_of(form_data: Mapping[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """The reason and the key of the subject the form names, or None (then only the applicant counts)."""
    for elements, reason in SUBJECTS:
        if all(not _blank(form_data.get(e)) for e in elements):
            return reason, tuple(str(form_data[e]).strip().upper() for e in elements)
    return None


def _row(case: Case, reason: str) -> OpenApplication:
    return OpenApplication(
        case_id=case.pk,
        reference=case.reference,
        package_code=case.package_code,
        package_name=case.package_name,
        status=case.status,
        status_label=CaseStatus(case.status).label,
        created_at=case.created_at,
        reason=reason,
    )


def open_applications(
    *,
    package_code: str,
    applicant_kind: str,
    identifier: str,
    form_data: Mapping[str, Any] | None = None,
    idempotency_key: str = "",
) -> list[OpenApplication]:
    """Open applications for the same subject, oldest first (empty when there is none).

    `idempotency_key`: the key of the submission being made; the case it already created (a retry) is
    not a duplicate of itself.
    """
    index = blind_index(applicant_kind, identifier) if identifier else ""
    candidates = (
        Case.objects.filter(package_code=package_code).exclude(status__in=CLOSED).order_by("created_at")
    )
    found: list[OpenApplication] = []
    subject = subject_of(form_data or {})
    for case in candidates:
        if index and case.applicant_index == index:
            if idempotency_key and case.idempotency_key == idempotency_key:
                continue
            found.append(_row(case, "同一申请人"))
        elif subject is not None and subject_of(form_values(case)) == subject:
            found.append(_row(case, subject[0]))
    return found


def refuse_duplicate(
    *,
    package_code: str,
    applicant_kind: str,
    identifier: str,
    form_data: Mapping[str, Any] | None = None,
    idempotency_key: str = "",
) -> None:
    """Raise DuplicateApplication for the oldest open application of the same subject, if any."""
    found = open_applications(
        package_code=package_code,
        applicant_kind=applicant_kind,
        identifier=identifier,
        form_data=form_data,
        idempotency_key=idempotency_key,
    )
    if found:
        raise DuplicateApplication(found[0])
