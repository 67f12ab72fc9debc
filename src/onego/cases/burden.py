"""The burden report's typed-field figures from real cases' provenance (issue 12, deliver 2).

The catalog's burden report (`catalog/burden.py`) estimates "fields to type" from the compiled package.
Where submitted cases of a package exist, what the applicant typed is measured instead: per case, the
form fields holding a value, of which those the exchange filled are the ones `Case.verified` marks
(`cases/provenance.py`: a prefill run delivered exactly that value, or a registry produced it); the rest
were typed (or came from the path: a bound answer, the contact step). The figure reported is the mean over
the package's cases, rounded; a package with no case keeps the compiled estimate, labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onego.cases.models import Case


@dataclass(frozen=True)
class ObservedTyping:
    cases: int
    fields_filled: float  # mean form fields holding a value
    from_registries: float  # mean of those the exchange filled (Case.verified)
    typed: float  # mean of the rest


def observed_typing(package_code: str) -> ObservedTyping | None:
    """Means over the package's submitted cases, or None when there is none."""
    rows = Case.objects.filter(package_code=package_code, submitted_at__isnull=False).values_list(
        "form_data", "verified"
    )  # drafts never submitted: out
    n = filled = verified = 0
    for form_data, marks in rows.iterator():
        values = {k for k, v in (form_data or {}).items() if v not in (None, "")}
        n += 1
        filled += len(values)
        verified += len(values & set(marks or {}))
    if not n:
        return None
    return ObservedTyping(
        cases=n,
        fields_filled=round(filled / n, 1),
        from_registries=round(verified / n, 1),
        typed=round((filled - verified) / n, 1),
    )


def _pct(before: int, after: int) -> float:
    return round(100.0 * (before - after) / before, 1) if before else 0.0


def with_observed_typing(report: dict[str, Any]) -> dict[str, Any]:
    """The report with each package's `fields_to_type` measured from its cases where it has any
    (`fields_source: "cases"`, `observed`), else the compiled estimate (`fields_source: "compiled"`);
    the totals and the overall typed-field reduction follow."""
    totals = dict(report["totals"])
    totals["fields_to_type"] = 0
    rows = []
    for row in report["packages"]:
        seen = observed_typing(row["code"])
        row = dict(row)
        if seen is None:
            row["fields_source"] = "compiled"
            row["observed"] = None
        else:
            row["fields_to_type"] = round(seen.typed)
            row["fields_source"] = "cases"
            row["observed"] = {
                "cases": seen.cases,
                "fields_filled": seen.fields_filled,
                "from_registries": seen.from_registries,
                "typed": seen.typed,
            }
        totals["fields_to_type"] += row["fields_to_type"]
        rows.append(row)
    reductions = {**report["reductions"], "fields": _pct(totals["fields_separate"], totals["fields_to_type"])}
    return {**report, "packages": rows, "totals": totals, "reductions": reductions}


__all__ = ["ObservedTyping", "observed_typing", "with_observed_typing"]
