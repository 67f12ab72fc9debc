"""The merged form as a person fills it: one view model for every channel (issue 12, deliver 1).

The portal wizard and the counter render the same groups and fields; what differs between them is
given as parameters, not copied:

- `values`: what the application holds (the draft's sealed values online; the case's form data at the
  counter) and `typed`: what was just posted, shown back as typed;
- `delivered`: what the exchange put into this application (value, registry name, contract);
  `lock_delivered`: whether a delivered value is shown read-only (online, once consent was given: the
  applicant edits it only through "修改此项"; the clerk's form keeps it editable and says when it was
  changed);
- `reasons`: why a field is left to the person (consent declined, no registry, edited), with
  `quiet_reasons` the ones a channel does not repeat on every field;
- `problems` (and `keep`): what pre-review found wrong, shown at the field, which stays shown;
- `help_texts`: the data elements' help (the portal shows it).

Which fields are asked is `cases.formdata.asked_groups`, the same rule `onego package check` walks:
fields an earlier item produces, the path's answers and contact details, the mailing address when
nothing is posted, and fields a choice made irrelevant (`shown_when`) are not shown.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from onego.cases.formdata import asked_groups
from onego.core import pii
from onego.exchange.provenance import canonical


@dataclass(frozen=True)
class Delivered:
    """A value the exchange put into this application, and where it came from."""

    value: Any
    source_name: str = ""
    contract: str = ""


@dataclass(frozen=True)
class FieldView:
    element: str
    name: str
    type: str
    choices: list[str]
    required: bool
    sensitive: bool
    value: Any
    locked: bool = False  # delivered by a registry under consent: shown, not editable here
    source_name: str = ""  # the registry's name, when the value shown is the one it delivered
    contract: str = ""
    edited_from: str = ""  # the registry's name, when the value shown replaced the one it delivered
    manual_reason: str = ""  # why the person types it (consent declined, no registry answered …)
    help_text: str = ""
    used_by: list[str] = field(default_factory=list)
    problem: str = ""  # what pre-review found wrong with it

    @property
    def prefilled_from(self) -> str:
        return self.source_name

    @property
    def shown(self) -> str:
        """A read-only value as shown: sensitive numbers masked (the applicant knows their own)."""
        if self.value in (None, ""):
            return ""
        if self.sensitive and self.type in ("id_number", "uscc", "phone", "email"):
            return pii.mask_value(self.type, self.value)
        return str(self.value)


@dataclass(frozen=True)
class GroupView:
    title: str
    fields: list[FieldView]


def _blank(value: Any) -> bool:
    return value is None or value == ""


def merged_form(
    snapshot: Mapping[str, Any],
    *,
    delivery_method: str | None,
    values: Mapping[str, Any],
    delivered: Mapping[str, Delivered] | None = None,
    lock_delivered: bool = False,
    reasons: Mapping[str, str] | None = None,
    quiet_reasons: Collection[str] = (),
    typed: Mapping[str, Any] | None = None,
    problems: Mapping[str, str] | None = None,
    help_texts: Mapping[str, str] | None = None,
) -> list[GroupView]:
    """The groups and fields to show, each with its value and where that value came from.

    The value shown: what was just typed (not over a locked field, even blank), else what the
    application holds, else what the exchange delivered."""
    delivered = delivered or {}
    reasons = reasons or {}
    problems = problems or {}
    help_texts = help_texts or {}
    current = dict(values)
    for code, given in delivered.items():
        if _blank(current.get(code)):
            current[code] = given.value
    if typed:  # shown back exactly as typed, even blank
        current.update({k: v for k, v in typed.items() if not (lock_delivered and k in delivered)})
    groups = []
    for group, asked in asked_groups(
        snapshot, delivery_method=delivery_method, keep=problems, values=current
    ):
        fields = []
        for f in asked:
            code = f["element"]
            value = current.get(code, "")
            got = delivered.get(code)
            source_name = contract = edited_from = ""
            if got is not None:
                # Compared as the case's provenance compares (onego.cases.provenance): one canonical text.
                if canonical(f["type"], value) == canonical(f["type"], got.value):
                    source_name, contract = got.source_name, got.contract
                elif not _blank(value):
                    edited_from = got.source_name
            reason = reasons.get(code, "")
            fields.append(
                FieldView(
                    element=code,
                    name=f["name"],
                    type=f["type"],
                    choices=list(f.get("choices") or []),
                    required=bool(f["required"]),
                    sensitive=bool(f.get("sensitive")),
                    value=value if value is not None else "",
                    locked=lock_delivered and got is not None,
                    source_name=source_name,
                    contract=contract,
                    edited_from=edited_from,
                    manual_reason="" if reason in quiet_reasons else reason,
                    help_text=help_texts.get(code, ""),
                    used_by=list(f.get("used_by") or []),
                    problem=problems.get(code, ""),
                )
            )
        groups.append(GroupView(title=group["title"], fields=fields))
    return groups


__all__ = ["Delivered", "FieldView", "GroupView", "merged_form"]
