"""Materials of an application: the exchange's verified references attached as materials, the same for
every channel. Which reference exempts which material is decided in one place, `cases.provenance`
(`exempting_references`, `verified_material_codes`, which pre-review reads); this adapts it to the
submission's `MaterialIn`."""

from __future__ import annotations

from collections.abc import Collection

from onego.cases.models import Case
from onego.cases.provenance import acceptable_reference, exempting_references
from onego.cases.services.submission import MaterialIn


def attachable_references(case: Case, *, skip: Collection[str] = ()) -> list[MaterialIn]:
    """The references the exchange verified for this case and applicant (server provenance), as materials
    to attach — except those in `skip` (already on the case, or uploaded now)."""
    return [
        MaterialIn(code=code, reference=reference)
        for code, reference in exempting_references(case, skip=skip).items()
    ]


__all__ = ["acceptable_reference", "attachable_references"]
