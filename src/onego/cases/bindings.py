"""Questions bound to data, at submission: what is known answers the question, and a contradiction is refused.

A package question may be bound to a data element of the merged form (存栏规模 ↔ 存栏数量) or to an
e-licence (是否已取得营业执照 ↔ the applicant holds a valid 营业执照). Every channel submits through
`case_submit` / `case_correct`, which call the two functions here, so neither the portal, the counter
nor the API can file a case whose scenario answers contradict its own data (docs/package-format.md,
"Questions bound to data").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onego.cases import prereview
from onego.cases.formdata import path_values
from onego.cases.identity import unseal
from onego.cases.models import Case
from onego.catalog.selectors import licence_bindings
from onego.core.errors import ValidationFailed
from onego.registries.base import RegistryUnavailable, Subject
from onego.registries.gateway import find_licences


def licence_facts(*, package_code: str, applicant_kind: str, identifier: str) -> dict[str, bool]:
    """Map "licence:<type>" to whether the applicant holds a valid licence of that type, for the package's
    questions bound to an e-licence. A type the library cannot answer now is left out (unknown: the
    applicant's answer stands)."""
    facts: dict[str, bool] = {}
    types = set(licence_bindings(package_code).values())
    if not types or applicant_kind not in ("person", "enterprise") or not identifier:
        return facts
    subject = Subject(kind=applicant_kind, key=identifier.strip().upper())  # type: ignore[arg-type]
    for licence_type in sorted(types):
        try:
            facts[f"licence:{licence_type}"] = bool(find_licences(subject, licence_type))
        except RegistryUnavailable:
            continue
    return facts


def known_data(
    *, package_code: str, applicant_kind: str, identifier: str, form_data: Mapping[str, Any]
) -> dict[str, Any]:
    """Everything a bound question may be answered from: the form's values and the e-licence facts."""
    data: dict[str, Any] = {k: v for k, v in form_data.items() if v is not None and v != ""}
    data.update(
        licence_facts(package_code=package_code, applicant_kind=applicant_kind, identifier=identifier)
    )
    return data


def refuse_contradictions(snapshot: Mapping[str, Any], form_data: Mapping[str, Any]) -> None:
    """Refuse values that contradict the scenario answers the case was compiled for, naming the field.

    The answers are fixed once a case exists (another scenario is another application): a changed
    bound value is refused here rather than silently leaving the wrong items on the case.
    """
    fields, _ = prereview.rules_from_snapshot(snapshot)
    for rule in fields:
        if rule.element in form_data and (problem := prereview.bound_problem(rule, form_data[rule.element])):
            raise ValidationFailed(problem.message, field=rule.element)


def fill_blanks(case: Case, form_data: Mapping[str, Any]) -> dict[str, Any]:
    """A blank given for a field the path already answered (a form that does not show it posts "")
    keeps the path's value instead of erasing it."""
    contact = unseal(case.contact_sealed) if case.contact_sealed else {}
    known = path_values(case.snapshot, phone=contact.get("phone", ""), email=contact.get("email", ""))
    blanks = {k: v for k, v in known.items() if k in form_data and form_data[k] in (None, "")}
    return {**form_data, **blanks} if blanks else dict(form_data)


def known_answers(*, package_code: str, applicant_kind: str, identifier: str) -> dict[str, bool]:
    """Question id → answer for questions the e-licence library answers for this applicant (for a
    channel to preset: a firm the library knows is not asked whether it holds a business licence)."""
    facts = licence_facts(package_code=package_code, applicant_kind=applicant_kind, identifier=identifier)
    return {
        ident: facts[f"licence:{licence_type}"]
        for ident, licence_type in licence_bindings(package_code).items()
        if f"licence:{licence_type}" in facts
    }
