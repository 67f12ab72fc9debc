"""Answering a supplement request (补正) or a one-time notice (一次性告知) in place, field by field.

The cases services check the answer as a whole and name the first problem; the applicant's page wants
every problem beside its own field first. `answer_problems` runs the same pure pre-review over just the
requested fields and materials, so the page can show them all before the service is called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onego.applications.values import typed_value
from onego.cases import prereview
from onego.cases.formdata import form_fields, form_values
from onego.cases.models import Case, OneTimeNotice, Supplement, SupplementStatus
from onego.cases.workflow import CaseStatus


@dataclass(frozen=True)
class Request:
    """One thing the applicant is asked to give again: a form field or a material."""

    target: str  # data element code, or "material:<code>"
    kind: str  # field | material
    name: str
    message: str  # why (the department's words, or the notice's)
    department: str = ""
    item: str = ""
    type: str = "string"
    choices: tuple[str, ...] = ()
    current: Any = ""
    file_types: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return self.target.removeprefix("material:")

    @property
    def accept(self) -> str:
        return ",".join(f".{t}" for t in self.file_types)


def _requests(case: Case, raw: Sequence[Mapping[str, str]]) -> list[Request]:
    fields = form_fields(case.snapshot)
    materials = {m["material"]: m for m in case.snapshot.get("materials", [])}
    values = form_values(case)
    out: list[Request] = []
    for r in raw:
        target = r.get("target") or r.get("field") or ""
        if target.startswith("material:"):
            line = materials.get(target.removeprefix("material:"), {})
            out.append(
                Request(
                    target=target,
                    kind="material",
                    name=r.get("name") or line.get("name", target),
                    message=r.get("message", ""),
                    department=r.get("department", ""),
                    item=r.get("item", ""),
                    file_types=tuple(t.lower().lstrip(".") for t in line.get("file_types") or ()),
                )
            )
        elif target in fields:
            f = fields[target]
            out.append(
                Request(
                    target=target,
                    kind="field",
                    name=f["name"],
                    message=r.get("message", ""),
                    department=r.get("department", ""),
                    item=r.get("item", ""),
                    type=f["type"],
                    choices=tuple(f.get("choices") or ()),
                    current=values.get(target, ""),
                )
            )
    return out


def open_supplement_requests(case: Case) -> list[Request]:
    if case.status != CaseStatus.SUPPLEMENT:
        return []
    supplement = Supplement.objects.filter(case=case, status=SupplementStatus.OPEN).first()
    return _requests(case, supplement.items) if supplement else []


def open_notice_requests(case: Case) -> tuple[OneTimeNotice | None, list[Request]]:
    if case.status != CaseStatus.NEEDS_CORRECTION:
        return None, []
    notice = OneTimeNotice.objects.filter(case=case, resolved_at=None).order_by("-number").first()
    return (notice, _requests(case, notice.problems)) if notice else (None, [])


def parse_answers(requests: Sequence[Request], posted: Mapping[str, str]) -> dict[str, Any]:
    """The posted values of the requested fields, typed as the case stores them."""
    return {r.target: typed_value(r.type, posted.get(r.target, "")) for r in requests if r.kind == "field"}


def answer_problems(
    case: Case,
    requests: Sequence[Request],
    form_data: Mapping[str, Any],
    files: Mapping[str, tuple[str, int]],
) -> dict[str, str]:
    """target -> what is wrong, for every requested field and material (files: code -> (name, size))."""
    fields, materials = prereview.rules_from_snapshot(case.snapshot)
    targets = {r.target for r in requests}
    wanted_fields = [
        prereview.FieldRule(f.element, f.name, f.type, True, f.choices)
        for f in fields
        if f.element in targets
    ]
    wanted_materials = [
        prereview.MaterialRule(m.code, m.name, True, False, m.verified_by, m.file_types)
        for m in materials
        if f"material:{m.code}" in targets
    ]
    provided = [prereview.Provided(code, name, size) for code, (name, size) in files.items()]
    # Mailing fields are needed only when something is posted: judged on the case's delivery method and
    # its whole form (a choice such as "邮寄到家" may be there, not among the answers).
    posting = prereview.by_post(case.delivery_method, {**form_values(case), **form_data}, fields)
    delivery = prereview.POST if posting else case.delivery_method
    problems: dict[str, str] = {}
    for p in prereview.pre_review(
        wanted_fields, wanted_materials, form_data, provided, delivery_method=delivery
    ):
        problems.setdefault(p.field, p.message)
    return problems
