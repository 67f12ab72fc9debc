"""The case's provenance (`Case.verified`), decided by the server from the exchange's records.

`Case.verified` maps a data element to where its value was verified: `prefill:<run id>` when a prefill
run of this case, for its applicant, delivered exactly this value (`onego.exchange.provenance`), or
`<registry>:<assignment>` when a registry produced it on an item's approval (`services.produced`).
Callers never hand marks in: every write of form values recomputes them here, so a value typed over a
verified one loses its mark in the same transaction, and a value equal to the delivered one keeps it.
Instant approval, officers' views and exemptions read only these marks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from onego.cases.formdata import form_fields
from onego.cases.models import Case
from onego.core.errors import ValidationFailed
from onego.core.validators import check_licence_identifier
from onego.exchange.provenance import PREFILL_MARK, delivered_values, verified_references


# --- exemption: the one place that decides which materials the exchange's verification stands in for ---
def acceptable_reference(line: Mapping[str, Any], reference: str) -> bool:
    """Whether pre-review takes `reference` for the material `line`: a licence-verified line must carry an
    e-licence identifier; a registry that answered instead (the gateway's fallback, e.g. 户号 from the
    population register) stays with the exchange's record and the material stays exempt."""
    verified_by = line.get("verified_by") or ""
    if not verified_by:
        return False
    return not (verified_by.startswith("licence:") and check_licence_identifier(reference))


def exempting_references(case: Case, *, skip: Collection[str] = ()) -> dict[str, str]:
    """material → the reference the exchange verified for this case and applicant, for the materials it
    may be attached to (except those in `skip`: already on the case, or uploaded now)."""
    known = verified_references(case_ref=case.pk, subject_index=case.applicant_index)
    return {
        line["material"]: known[line["material"]]
        for line in case.snapshot.get("materials", [])
        if line["material"] in known
        and line["material"] not in skip
        and acceptable_reference(line, known[line["material"]])
    }


def verified_material_codes(case: Case) -> frozenset[str]:
    """The materials the exchange verified for this case and its applicant — attached as a reference or
    not (a registry's fallback answer, e.g. 户号 for 居民户口簿, stays with the exchange's record)."""
    return frozenset(verified_references(case_ref=case.pk, subject_index=case.applicant_index))


def marks_after(case: Case, form_data: Mapping[str, Any]) -> dict[str, str]:
    """The case's marks once `form_data` is merged: given values equal to what the exchange delivered to
    this case are marked with that run; given values that differ lose any prefill mark; the rest stay."""
    marks = dict(case.verified or {})
    if not form_data:
        return marks
    fields = form_fields(case.snapshot)
    delivered = delivered_values(case_ref=case.pk, subject_index=case.applicant_index)
    for element, value in form_data.items():
        got = delivered.get(element)
        data_type = fields.get(element, {}).get("type", "string")
        if got is not None and got.matches(data_type, value):
            marks[element] = got.mark
        elif marks.get(element, "").startswith(PREFILL_MARK):
            del marks[element]
    return marks


def check_references(case: Case | None, references: Sequence[tuple[str, str]]) -> None:
    """Refuse a material reference the exchange did not verify for this case and applicant: a caller
    cannot make a material exempt by naming a reference (for a new case nothing is verified yet)."""
    if not references:
        return
    known = (
        verified_references(case_ref=case.pk, subject_index=case.applicant_index) if case is not None else {}
    )
    for code, reference in references:
        if known.get(code) != reference.strip():
            raise ValidationFailed(
                f"材料“{code}”的核验凭据不是数据共享为本申请核验所得，请上传材料文件",
                field=f"material:{code}",
            )


__all__ = [
    "acceptable_reference",
    "check_references",
    "exempting_references",
    "marks_after",
    "verified_material_codes",
]
