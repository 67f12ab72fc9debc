"""Data an approved item creates (`produces`), written into its case.

An item may declare the data elements it creates when approved: 营业执照核发 the enterprise's
统一社会信用代码 (`enterprise.uscc`), 出生登记 the newborn's 公民身份号码 (`newborn.id_number`). The
compiled form does not ask the applicant for such a field when the producer comes first (its
`produced_by`); `record_produced_values` is what fills it in. Called by `distribution.apply_decision`
right after an item sub-case is approved — in the caller's transaction, the Case row locked, before
the dependants are released — so the instant rules of the items it releases and, at the conclusion,
the licence holder (`services.results.licence_holder`) find the value. For each element:

- the element's registry in the catalog (`DataElement.registry`: enterprise → 市场主体库, population →
  户籍库) assigns the number through the gateway (`registries.gateway.assign_value`): it registers the
  enterprise named in the form, or the newborn, and answers with the new number. The request key is the
  case (`case:<id>`), so an item approved again (an overturned instant approval) or a retried
  transaction gets the same number back, and the case is left as it is;
- the value goes into the case's form data — sealed when the element is sensitive — and is marked
  verified (`Case.verified[element] = "<registry>:<assignment>"`), as prefilled data is;
- a timeline row on the sub-case shows it masked; a `registry.write` ledger entry records it by the
  subject's blind index and the masked number (the ledger refuses raw ID numbers).

The case's fields are saved with one UPDATE. A registry that does not answer stops the approval
(`Conflict`, field `registry`): the approval and the number are one act, and the officer retries once
it is back. An element no registry assigns is noted on the timeline and left to the applicant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onego.cases.formdata import form_values, seal_values, sensitive_elements
from onego.cases.models import Case, SubCase, SubCaseKind
from onego.cases.workflow import SubCaseStatus, record_event
from onego.catalog.models import DataElement, ServiceItem
from onego.core.errors import Conflict
from onego.ledger.models import Kind
from onego.ledger.services import ledger_record
from onego.registries.gateway import Assigned, RegistryUnavailable, assign_value, assignable, registry_name

ACTION = "registry_assign"
LEDGER_KIND = Kind.REGISTRY_WRITE.value


@dataclass(frozen=True)
class _Element:
    code: str
    name: str
    sensitive: bool
    registry: str  # the registry that assigns it, "" when the catalog names none


def produced_elements(case: Case, subcase: SubCase) -> list[str]:
    """The data elements the sub-case's item creates when approved.

    The case's snapshot entry says so when it carries `produces`; snapshots compiled without it fall
    back to the catalog item's declaration (one query).
    """
    entry = next((e for e in case.snapshot.get("entries", []) if e.get("code") == subcase.code), None)
    if entry is not None and "produces" in entry:
        return list(entry["produces"] or [])
    declared = ServiceItem.objects.filter(code=subcase.code).values_list("produces", flat=True).first()
    return list(declared or [])


def _elements(codes: list[str]) -> dict[str, _Element]:
    rows = DataElement.objects.filter(code__in=codes).select_related("registry")
    return {
        el.code: _Element(
            code=el.code,
            name=el.name,
            sensitive=el.sensitive,
            registry=el.registry.code if el.registry else "",
        )
        for el in rows
    }


def _ledger_actor(subcase: SubCase) -> str:
    return f"dept:{subcase.department.code}" if subcase.department else "system:onego"


def _record(case: Case, subcase: SubCase, element: _Element, assigned: Assigned, *, replaced: bool) -> None:
    reason = f"{registry_name(assigned.registry)}已赋{element.name} {assigned.masked}（已脱敏）"
    if replaced:
        reason += "，取代申请表中填写的值"
    # The approval just saved the sub-case and bumped its version: this row needs no second UPDATE.
    record_event(
        subcase, actor=None, action=ACTION, reason=reason, label=registry_name(assigned.registry), bump=False
    )
    ledger_record(
        kind=LEDGER_KIND,
        actor=_ledger_actor(subcase),
        subject_ref=assigned.subject.index,
        case_ref=str(case.pk),
        payload={
            "reference": case.reference,
            "subcase": str(subcase.pk),
            "item": subcase.code,
            "registry": assigned.registry,
            "element": element.code,
            "assignment": assigned.reference,
            "subject_kind": assigned.kind,
            "value_masked": assigned.masked,
        },
    )


def record_produced_values(case: Case, subcase: SubCase) -> None:
    """Write into the case what the approved item `subcase` creates (see the module docstring).

    Does nothing for a partner step, a sub-case that is not approved, or an item that creates nothing.
    """
    if subcase.kind != SubCaseKind.ITEM or subcase.status != SubCaseStatus.APPROVED:
        return
    codes = produced_elements(case, subcase)
    if not codes:
        return
    elements = _elements(codes)
    facts: Mapping[str, Any] = form_values(case)
    sensitive = sensitive_elements(case.snapshot) | {c for c, el in elements.items() if el.sensitive}
    region = str(case.snapshot.get("region") or case.region.code)
    form_data = dict(case.form_data or {})
    verified = dict(case.verified or {})
    changed = False
    for code in codes:
        element = elements.get(code) or _Element(code, code, False, "")
        if not element.registry or not assignable(element.registry, code):
            record_event(
                subcase,
                actor=None,
                action=ACTION,
                reason=f"“{element.name}”由登记机关另行告知，本平台未能自动取得",
                label="系统",
                bump=False,
            )
            continue
        try:
            assigned = assign_value(
                element.registry, code, key=f"case:{case.pk}", facts=facts, region_code=region
            )
        except RegistryUnavailable as exc:
            raise Conflict(
                f"{registry_name(element.registry)}暂时无法访问，暂不能赋{element.name}，请稍后再作出准予决定",
                field="registry",
            ) from exc
        source = f"{element.registry}:{assigned.reference}"
        given = facts.get(code)
        if verified.get(code) == source and given == assigned.value:
            continue  # recorded when the item was first approved
        form_data.update(seal_values({code: assigned.value}, sensitive))
        verified[code] = source
        changed = True
        _record(
            case, subcase, element, assigned, replaced=given not in (None, "") and given != assigned.value
        )
    if changed:
        case.form_data, case.verified = form_data, verified
        case.save(update_fields=["form_data", "verified", "updated_at"])
