"""Materials of an application: which verified references go with it, the same for every channel."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from onego.cases.models import Case
from onego.cases.services.submission import MaterialIn
from onego.core.validators import check_licence_identifier
from onego.exchange.provenance import verified_references


def acceptable_reference(line: Mapping[str, Any], reference: str) -> bool:
    """Whether pre-review takes `reference` for the material `line`: a licence-verified line must carry an
    e-licence identifier; a registry that answered instead (the gateway's fallback, e.g. 户号 from the
    population register) stays with the exchange's record and the material stays exempt."""
    verified_by = line.get("verified_by") or ""
    if not verified_by:
        return False
    return not (verified_by.startswith("licence:") and check_licence_identifier(reference))


def attachable_references(case: Case, *, skip: Collection[str] = ()) -> list[MaterialIn]:
    """The references the exchange verified for this case and applicant (server provenance), as materials
    to attach — except those in `skip` (already on the case, or uploaded now)."""
    known = verified_references(case_ref=case.pk, subject_index=case.applicant_index)
    return [
        MaterialIn(code=line["material"], reference=known[line["material"]])
        for line in case.snapshot.get("materials", [])
        if line["material"] in known
        and line["material"] not in skip
        and acceptable_reference(line, known[line["material"]])
    ]


__all__ = ["acceptable_reference", "attachable_references"]
