"""Pre-review (预审) as a pure function: everything missing or wrong in a submission, at once.

Input is the case's compiled package (the merged form and the material list, as stored in the
case snapshot) and what the applicant gave; output is the list for the one-time notice
(一次性告知, 行政许可法 Art. 32), in form order, then material order. An empty list means the
submission is complete and valid and may be accepted.

Mailing fields (`address.*`) are needed only to post something: they are required (as the catalog
declares them) when the applicant chose delivery by post (邮政寄递) or a form choice the catalog marks
as meaning "posted to the applicant" (a data element's `post_choices`, e.g. 领卡方式“邮寄到家”, carried
in the compiled form field), and not asked otherwise. A caller that does not pass the delivery method
gets them as declared.

A field produced by an earlier item of the package (`produced_by`, e.g. the newborn's ID number that
出生登记 assigns) is never demanded: it does not exist when the applicant submits.

A field that answers a scenario question (a question bound to its data element) must agree with the
answer the case was compiled for: 存栏数量 5000 under the answer 存栏规模 100 is refused
(`contradicts_answer`), whatever channel the value came through — the items would be the wrong ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from onego.catalog.rules.expressions import ExpressionError, QuestionSpec, compile_condition, evaluate
from onego.catalog.rules.package import CompileError, contradiction
from onego.core.validators import CHECKS, check_licence_identifier

POSTAL_PREFIX = "address."
POST = "post"  # cases.models.DeliveryMethod.POST (the pure module does not import models)


@dataclass(frozen=True)
class FieldRule:
    element: str
    name: str
    type: str
    required: bool
    choices: tuple[str, ...] = ()
    prefill_source: str = ""
    produced_by: str = ""  # an earlier item of the package creates the value: never demanded
    # Choices that mean "posted to the applicant", whatever the case's delivery method (the catalog's
    # data element declares them; the compiled form field carries them).
    post_choices: tuple[str, ...] = ()
    # The scenario question this field answers and the answer the case was compiled for (None: none).
    question: QuestionSpec | None = None
    answer: Any = None
    # Asked only while this condition over the form's values and the delivery method holds (the compiled
    # field's `shown_when`); a field a choice made irrelevant is neither demanded nor checked.
    shown_when: str = ""
    # Whose datum (catalog `subjects`; "applicant" for the applicant's own), that subject's name and how
    # its data is consented to (`guardian`: a child the applicant acts for, never the applicant).
    subject: str = "applicant"
    subject_name: str = ""
    subject_consent: str = ""


def bound_problem(rule: FieldRule, value: Any) -> Problem | None:
    """The field's value contradicts the scenario answer it is bound to: the case's items would be wrong."""
    if rule.question is None:
        return None
    try:
        msg = contradiction(rule.question, rule.answer, value)
    except CompileError as exc:
        msg = exc.message
    return Problem(rule.element, "contradicts_answer", msg) if msg else None


def by_post(delivery_method: str | None, form_data: Mapping[str, Any], fields: Sequence[FieldRule]) -> bool:
    """Whether something will be posted to the applicant, so the mailing fields are needed.

    `fields`: the case's whole form (the field whose choice means posting may not be among those
    being checked, e.g. in a correction that asks only for the address).
    """
    return delivery_method == POST or any(
        form_data.get(f.element) in f.post_choices for f in fields if f.post_choices
    )


PRODUCED_PREFIX = "package:"  # verified_by of a material an earlier item of the same package produces


@dataclass(frozen=True)
class MaterialRule:
    code: str
    name: str
    required: bool
    exempt: bool
    verified_by: str = ""
    file_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provided:
    """A material as given: an upload (filename, size) or a verified reference."""

    code: str
    filename: str = ""
    size: int = 0
    reference: str = ""

    @property
    def is_reference(self) -> bool:
        return bool(self.reference) and not self.filename


@dataclass(frozen=True)
class Problem:
    field: str  # a data element code or "material:<code>"
    kind: str  # missing_field | invalid_field | missing_material | wrong_file_type | empty_file | invalid_reference
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "kind": self.kind, "message": self.message}


def _questions(snapshot: Mapping[str, Any]) -> dict[str, QuestionSpec]:
    """The snapshot's bound questions by their element (snapshots compiled before binding have none)."""
    return {
        q["bind"]: QuestionSpec(
            ident=q["ident"],
            type=q["type"],
            choices=tuple(q.get("choices") or ()),
            text=q.get("text") or "",
            bind=q["bind"],
            bind_name=q.get("bind_name") or "",
        )
        for q in snapshot.get("questions", [])
        if q.get("bind")
    }


def rules_from_snapshot(snapshot: Mapping[str, Any]) -> tuple[list[FieldRule], list[MaterialRule]]:
    questions = _questions(snapshot)
    answers = snapshot.get("answers") or {}
    subjects = {sub["code"]: sub for sub in snapshot.get("subjects") or []}
    fields = [
        FieldRule(
            element=f["element"],
            name=f["name"],
            type=f["type"],
            required=bool(f["required"]),
            choices=tuple(f.get("choices") or ()),
            prefill_source=f.get("prefill_source") or "",
            produced_by=f.get("produced_by") or "",
            post_choices=tuple(f.get("post_choices") or ()),
            question=questions.get(f["element"]),
            answer=answers.get(questions[f["element"]].ident) if f["element"] in questions else None,
            shown_when=f.get("shown_when") or "",
            subject=f.get("subject") or APPLICANT,
            subject_name=subjects.get(f.get("subject") or "", {}).get("name", ""),
            subject_consent=subjects.get(f.get("subject") or "", {}).get("consent", ""),
        )
        for group in snapshot.get("form", [])
        for f in group["fields"]
    ]
    materials = [
        MaterialRule(
            code=m["material"],
            name=m["name"],
            required=bool(m["required"]),
            exempt=bool(m["exempt"]),
            verified_by=m.get("verified_by") or "",
            file_types=tuple(t.lower().lstrip(".") for t in m.get("file_types") or ()),
        )
        for m in snapshot.get("materials", [])
    ]
    return fields, materials


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {})


def check_value(rule: FieldRule, value: Any) -> str | None:
    """What is wrong with one value for its data element type, in Chinese; None when fine."""
    kind = rule.type
    if kind in CHECKS:
        if not isinstance(value, str):
            return f"“{rule.name}”应为文本"
        return CHECKS[kind](value)
    if kind == "email":
        try:
            validate_email(str(value))
        except ValidationError:
            return f"“{rule.name}”不是有效的电子邮箱地址"
        return None
    if kind in ("number", "integer"):
        if isinstance(value, bool):
            return f"“{rule.name}”应为数字"
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return f"“{rule.name}”应为数字"
        if not number.is_finite():
            return f"“{rule.name}”应为数字"
        if kind == "integer" and number != number.to_integral_value():
            return f"“{rule.name}”应为整数"
        return None
    if kind == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return f"“{rule.name}”应为日期（如 2026-01-31）"
        return None
    if kind == "bool":
        if value in (True, False, "true", "false", "是", "否"):
            return None
        return f"“{rule.name}”应为“是”或“否”"
    if kind == "choice":
        if rule.choices and value not in rule.choices:
            return f"“{rule.name}”应为以下之一：{'、'.join(rule.choices)}"
        return None
    if not isinstance(value, str):
        return f"“{rule.name}”应为文本"
    return None


# The name a form condition (`shown_when`) gives the case's delivery method (cases.models.DeliveryMethod).
DELIVERY_NAME = "case.delivery"


def condition_holds(source: str, values: Mapping[str, Any], delivery_method: str | None) -> bool:
    """Whether a field's form condition (`shown_when`, docs/package-format.md) holds for these values.

    The compiler already put the scenario answers into it, so only form values and the delivery method
    are left. An unparsable condition (an old snapshot) shows the field: nothing is hidden by mistake.
    One rule for pre-review, the merged form of every channel and the submission."""
    if not source:
        return True
    try:
        expr = compile_condition(source)
    except ExpressionError:
        return True
    return evaluate(expr, {**values, DELIVERY_NAME: delivery_method})


APPLICANT = "applicant"  # catalog.rules.package.APPLICANT
GUARDIAN = "guardian"  # a subject the applicant acts for as guardian (a child): never the applicant


def identity_problems(
    fields: Sequence[FieldRule], form_data: Mapping[str, Any], *, applicant_identifier: str = ""
) -> list[Problem]:
    """ID numbers typed for people other than the applicant, checked against the rest of the application
    (a number typed for someone else after consent was declined is not verified by any registry):

    - one person's number given in two fields must be the same number (`inconsistent_id_number`);
    - two different people (two subjects other than the applicant) cannot have the same number
      (`same_id_number`): the mother's and the father's, the seller's and the buyer's;
    - a child the applicant acts for as guardian cannot have the applicant's own number
      (`applicants_id_number`): the applicant's identity, or the applicant's number in this form.

    Numbers that are not valid ID numbers (check digit) are named by `check_value`; these checks look
    only at valid ones. Each problem names the later field, in form order."""
    ids = [
        (rule, str(form_data[rule.element]).strip().upper())
        for rule in fields
        if rule.type == "id_number"
        and isinstance(form_data.get(rule.element), str)
        and form_data[rule.element].strip()
        and CHECKS["id_number"](form_data[rule.element].strip().upper()) is None
    ]
    own = {applicant_identifier.strip().upper()} - {""}
    own |= {number for rule, number in ids if rule.subject == APPLICANT}
    problems: list[Problem] = []
    first_of_subject: dict[str, tuple[FieldRule, str]] = {}
    first_of_number: dict[str, FieldRule] = {}
    for rule, number in ids:
        whose = rule.subject_name or "该人员"
        earlier = first_of_subject.get(rule.subject)
        if earlier is not None and earlier[1] != number:
            problems.append(
                Problem(
                    rule.element,
                    "inconsistent_id_number",
                    f"“{rule.name}”与“{earlier[0].name}”是{whose}同一人的证件号码，两处填写不一致，请核对",
                )
            )
            continue
        first_of_subject.setdefault(rule.subject, (rule, number))
        if rule.subject == APPLICANT:
            continue
        if rule.subject_consent == GUARDIAN and number in own:
            problems.append(
                Problem(
                    rule.element,
                    "applicants_id_number",
                    f"“{rule.name}”填写的是申请人本人的公民身份号码，请填写{whose}本人的号码",
                )
            )
            continue
        other = first_of_number.get(number)
        if other is not None and other.subject != rule.subject:
            problems.append(
                Problem(
                    rule.element,
                    "same_id_number",
                    f"“{rule.name}”与“{other.name}”是两个不同的人，不能是同一个公民身份号码，请核对",
                )
            )
            continue
        first_of_number.setdefault(number, rule)
    return problems


def pre_review(
    fields: Sequence[FieldRule],
    materials: Sequence[MaterialRule],
    form_data: Mapping[str, Any],
    provided: Sequence[Provided],
    *,
    delivery_method: str | None = None,
    verified: Collection[str] = (),
    applicant_identifier: str = "",
) -> list[Problem]:
    """Everything missing or wrong, in form order then material order. `verified`: the materials the
    exchange verified for this case (server provenance) — the only way an exempt material needs nothing.
    `applicant_identifier`: the applicant's own ID number (a person), which a child's may not be."""
    problems: list[Problem] = []
    posting = delivery_method is None or by_post(delivery_method, form_data, fields)
    for rule in fields:
        if not condition_holds(rule.shown_when, form_data, delivery_method):
            continue  # a choice made it irrelevant: hidden, not required, its value not kept
        value = form_data.get(rule.element)
        if _empty(value):
            # A mailing field with its own condition (which held) is needed; others only when posting.
            postal = rule.element.startswith(POSTAL_PREFIX) and not rule.shown_when
            if rule.required and not rule.produced_by and (posting or not postal):
                hint = f"（可授权从{rule.prefill_source}获取）" if rule.prefill_source else ""
                if postal and delivery_method is not None:
                    hint = "（邮寄送达时必填）"
                problems.append(Problem(rule.element, "missing_field", f"请填写“{rule.name}”{hint}"))
            continue
        if msg := check_value(rule, value):
            if rule.type in CHECKS:  # the validators' words do not name the field
                msg = f"“{rule.name}”：{msg}"
            problems.append(Problem(rule.element, "invalid_field", msg))
        elif bound := bound_problem(rule, value):
            problems.append(bound)
    shown = [r for r in fields if condition_holds(r.shown_when, form_data, delivery_method)]
    problems += identity_problems(shown, form_data, applicant_identifier=applicant_identifier)

    given = {p.code: p for p in provided}
    for mat in materials:
        field = f"material:{mat.code}"
        item = given.get(mat.code)
        if item is None:
            if not mat.required or mat.verified_by.startswith(PRODUCED_PREFIX) or mat.code in verified:
                continue  # optional, or made by an earlier item of this package once it concludes
            if mat.exempt:
                # Exempt only once the exchange verified it for this case: its reference is attached then.
                problems.append(
                    Problem(
                        field,
                        "missing_material",
                        f"“{mat.name}”未能共享核验，请授权共享或上传材料文件",
                    )
                )
            else:
                problems.append(Problem(field, "missing_material", f"缺少材料“{mat.name}”"))
            continue
        if item.is_reference:
            if not mat.verified_by:
                problems.append(
                    Problem(field, "invalid_reference", f"“{mat.name}”无法共享核验，请上传材料文件")
                )
            elif mat.verified_by.startswith("licence:") and (msg := check_licence_identifier(item.reference)):
                problems.append(Problem(field, "invalid_reference", f"“{mat.name}”：{msg}"))
            continue
        suffix = PurePosixPath(item.filename).suffix.lower().lstrip(".")
        if mat.file_types and suffix not in mat.file_types:
            allowed = "、".join(mat.file_types)
            got = suffix or "无扩展名"
            problems.append(
                Problem(field, "wrong_file_type", f"“{mat.name}”只接受 {allowed} 格式的文件，收到的是 {got}")
            )
        elif item.size <= 0:
            problems.append(Problem(field, "empty_file", f"“{mat.name}”的文件是空的，请重新上传"))
    return problems
