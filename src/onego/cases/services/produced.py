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
  case (`case:<id>`), so a retried transaction gets the same number back, and the case is left as it
  is;
- the value goes into the case's form data — sealed when the element is sensitive — and is marked
  verified (`Case.verified[element] = "<registry>:<assignment>"`), as prefilled data is;
- a timeline row on the sub-case shows it masked; a `registry.write` ledger entry records it by the
  subject's blind index and the masked number (the ledger refuses raw ID numbers).

The case's fields are saved with one UPDATE that bumps its `version`, as every change of a case does, so
a client holding the case as it was before is refused (`expected_version`). A registry that does not
answer stops the approval (`Conflict`, field `registry`): the approval and the number are one act, and
the officer retries once it is back. An element no registry assigns is noted on the timeline and left to
the applicant.

`void_produced_values` undoes it when the approval is overturned (`decisions.subcase_review_instant`, in
the same transaction): the registry voids the number (the assignment is kept as voided, the
registration revoked, the number never given again), the value and its `verified` mark leave the case
(version bumped), a masked timeline row and a `registry.write` ledger entry (`operation: void`) record
it. Approving the item again assigns a new number. A registry that does not answer stops the overturn.

A value a registry produced is the registry's, not the applicant's: `registry_produced` names them, and
a supplement (`supplements.supplement_answer`) may not change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onego.cases.formdata import form_fields, form_values, seal_values, sensitive_elements
from onego.cases.models import Case, SubCase, SubCaseKind
from onego.cases.services.common import ledger_actor
from onego.cases.workflow import SubCaseStatus, record_event
from onego.catalog.models import DataElement, ServiceItem
from onego.core.errors import Conflict, ValidationFailed
from onego.core.pii import normalise
from onego.ledger.models import Kind
from onego.ledger.services import ledger_record
from onego.registries.gateway import (
    Assigned,
    RegistryUnavailable,
    assign_value,
    assignable,
    registry_name,
    void_value,
)

ACTION = "registry_assign"
VOID_ACTION = "registry_void"
LEDGER_KIND = Kind.REGISTRY_WRITE.value  # assigning and voiding are both writes to the registry


@dataclass(frozen=True)
class _Element:
    code: str
    name: str
    sensitive: bool
    registry: str  # the registry that assigns it, "" when the catalog names none

    @property
    def registry_assigns(self) -> bool:
        """Whether its registry assigns it through the gateway (else 登记机关 tells it separately)."""
        return bool(self.registry) and assignable(self.registry, self.code)


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


def _produced(case: Case, subcase: SubCase) -> list[_Element]:
    """The elements the item `subcase` creates, in its declared order (one query when there are any);
    a code the catalog does not know stands as an element no registry assigns."""
    codes = produced_elements(case, subcase)
    if not codes:
        return []
    rows = DataElement.objects.filter(code__in=codes).select_related("registry")
    known = {
        el.code: _Element(el.code, el.name, el.sensitive, el.registry.code if el.registry else "")
        for el in rows
    }
    return [known.get(code) or _Element(code, code, False, "") for code in codes]


def _ledger_actor(subcase: SubCase) -> str:
    return f"dept:{subcase.department.code}" if subcase.department else "system:onego"


def _key(case: Case) -> str:
    return f"case:{case.pk}"


def _save(case: Case, form_data: dict[str, Any], verified: dict[str, str]) -> None:
    """Store the case's form and verified marks and bump its version, in one UPDATE."""
    case.form_data, case.verified = form_data, verified
    case.version += 1
    case.save(update_fields=["form_data", "verified", "version", "updated_at"])


def _ledger_payload(
    case: Case, subcase: SubCase, element: _Element, assigned: Assigned, operation: str
) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "subcase": str(subcase.pk),
        "item": subcase.code,
        "operation": operation,
        "registry": assigned.registry,
        "element": element.code,
        "assignment": assigned.reference,
        "subject_kind": assigned.kind,
        "value_masked": assigned.masked,
    }


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
        payload=_ledger_payload(case, subcase, element, assigned, "assign"),
    )


def record_produced_values(case: Case, subcase: SubCase) -> None:
    """Write into the case what the approved item `subcase` creates (see the module docstring).

    Does nothing for a partner step, a sub-case that is not approved, or an item that creates nothing.
    """
    if subcase.kind != SubCaseKind.ITEM or subcase.status != SubCaseStatus.APPROVED:
        return
    elements = _produced(case, subcase)
    if not elements:
        return
    facts: Mapping[str, Any] = form_values(case)
    sensitive = sensitive_elements(case.snapshot) | {el.code for el in elements if el.sensitive}
    region = str(case.snapshot.get("region") or case.region.code)
    form_data = dict(case.form_data or {})
    verified = dict(case.verified or {})
    changed = False
    for element in elements:
        code = element.code
        if not element.registry_assigns:
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
            assigned = assign_value(element.registry, code, key=_key(case), facts=facts, region_code=region)
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
        _save(case, form_data, verified)


def registry_produced(case: Case) -> dict[str, str]:
    """Element code → the registry that produced the case's value of it: its `verified` mark names an
    assignment of the registry that assigns that element. No query."""
    out: dict[str, str] = {}
    for code, source in (case.verified or {}).items():
        registry, _, reference = str(source).partition(":")
        if reference and assignable(registry, code):
            out[code] = registry
    return out


def _same(a: Any, b: Any) -> bool:
    """Equal as the registries compare numbers (`pii.normalise`: trimmed, upper case)."""
    return normalise(str("" if a is None else a)) == normalise(str("" if b is None else b))


def produced_by(case: Case, code: str, registry: str) -> str:
    """“<field>”由<registry>在事项准予时赋予: how a refusal names a value a registry produced."""
    name = form_fields(case.snapshot).get(code, {}).get("name") or code
    return f"“{name}”由{registry_name(registry)}在事项准予时赋予"


def guard_produced(case: Case, form_data: Mapping[str, Any], verified: Mapping[str, str]) -> dict[str, Any]:
    """`form_data` of an answer, refused (`ValidationFailed` on the field) if it would change a value a
    registry produced or its `verified` mark. Giving the same value again is not a change: it is kept as
    the registry gave it (not as typed, e.g. in lower case)."""
    produced = registry_produced(case)
    checked = dict(form_data)
    if not produced:
        return checked
    stored = form_values(case)
    marks = case.verified or {}
    for code, registry in produced.items():
        changes_value = code in checked and not _same(checked[code], stored.get(code))
        changes_mark = code in verified and verified[code] != marks.get(code)
        if changes_value or changes_mark:
            raise ValidationFailed(
                f"{produced_by(case, code, registry)}，已核验，不能通过补正修改", field=code
            )
        if code in checked:
            checked[code] = stored.get(code)
    return checked


def void_produced_values(case: Case, subcase: SubCase, *, actor: Any, reason: str) -> None:
    """Undo what `record_produced_values` wrote for the item `subcase`, whose approval was overturned
    (see the module docstring). Runs in the caller's transaction, the Case row locked. Called again, or
    for an item that created nothing, it changes nothing."""
    if subcase.kind != SubCaseKind.ITEM:
        return
    elements = _produced(case, subcase)
    if not elements:
        return
    produced = registry_produced(case)
    form_data = dict(case.form_data or {})
    verified = dict(case.verified or {})
    changed = False
    for element in elements:
        code = element.code
        if not element.registry_assigns:
            continue  # no registry assigned it: nothing of it was stored
        name = registry_name(element.registry)
        try:
            voided = void_value(
                element.registry,
                code,
                key=_key(case),
                reason=f"办件{case.reference}“{subcase.name}”的准予决定撤回：{reason}",
            )
        except RegistryUnavailable as exc:
            raise Conflict(
                f"{name}暂时无法访问，暂不能作废已赋的{element.name}，请稍后再撤回该准予决定",
                field="registry",
            ) from exc
        if voided is None and produced.get(code) != element.registry:
            continue  # voided before and gone from the case: a retry
        form_data.pop(code, None)
        verified.pop(code, None)
        changed = True
        if voided is None:  # the registry had voided it already; the case still held it
            text = f"准予决定撤回，办件中由{name}赋予的{element.name}已移除（该号码已作废）"
        else:
            text = (
                f"准予决定撤回，{name}已作废所赋{element.name} {voided.masked}（已脱敏），该号码不再使用；"
                "办件中的该项数据已移除，再次准予时重新赋码"
            )
        # The overturn moves the sub-case (and bumps its version) in the same action.
        record_event(subcase, actor=None, action=VOID_ACTION, reason=text, label=name, bump=False)
        if voided is not None:
            ledger_record(
                kind=LEDGER_KIND,
                actor=ledger_actor(actor, subcase.department.code if subcase.department else ""),
                subject_ref=voided.subject.index,
                case_ref=str(case.pk),
                payload=_ledger_payload(case, subcase, element, voided, "void"),
            )
    if changed:
        _save(case, form_data, verified)
