"""补正 (supplements) and 特别程序 (special procedures): the two things that stop the clock.

A supplement is one list to the applicant. While one is open, a request from another department
is added to the same list (and the applicant is sent the whole list again); each request pauses
the requesting sub-case's clock and the case clock from today. Answering it merges what is given
into the case — every other field and material already given stays as it was — ends the pauses
and returns each sub-case to its officer.

A special procedure (听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审, 行政许可法 Art. 45)
pauses the sub-case and the case clock until the officer records its end; the applicant is told
in writing, as the law requires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onego.cases import prereview
from onego.cases.access import access_case_by_id, access_subcase_ref_for_officer, ensure_applicant_or_clerk
from onego.cases.formdata import form_fields, form_values
from onego.cases.identity import seal
from onego.cases.models import (
    Case,
    ClockPause,
    Material,
    PauseKind,
    SubCase,
    Supplement,
    SupplementStatus,
)
from onego.cases.services.common import (
    check_version,
    ensure_case_running,
    lock_case,
    lock_subcase,
    locked_subcases,
    staff_label,
)
from onego.cases.services.deadlines import refresh_case_deadlines, refresh_subcase_deadlines
from onego.cases.services.notify import notify_applicant, notify_staff
from onego.cases.services.produced import guard_produced, produced_by, registry_produced
from onego.cases.services.submission import MaterialIn, Upload, merge_submission, read_uploads
from onego.cases.workflow import CaseStatus, InvalidTransition, SubCaseStatus, change_status
from onego.core import clock
from onego.core.errors import Conflict, PermissionDenied, ValidationFailed
from onego.core.services import working_calendar
from onego.core.uow import unit_of_work

S = SubCaseStatus
SPECIAL_PROCEDURES = ("听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审")


@dataclass(frozen=True)
class SupplementItemIn:
    """One thing to correct: a form field (data element code) or a material ("material:<code>")."""

    target: str
    message: str


def _label(actor: Any, subcase: SubCase) -> str:
    return staff_label(actor, subcase.department.name if subcase.department else "")


def _require_assignee(subcase: SubCase, actor: Any) -> None:
    if subcase.status == S.CLAIMED and subcase.assignee_id == actor.pk:
        return
    if subcase.status == S.PENDING and subcase.sole_approver:
        return
    if subcase.status == S.CLAIMED:
        raise Conflict(f"“{subcase.name}”由其他人员承办", field="assignee")
    raise InvalidTransition(
        f"“{subcase.name}”当前为“{SubCaseStatus(subcase.status).label}”，请先认领", field="status"
    )


def _items(case: Case, subcase: SubCase, items: Sequence[SupplementItemIn]) -> list[dict[str, str]]:
    if not items:
        raise ValidationFailed("请列出需要补正的内容", field="items")
    fields = form_fields(case.snapshot)
    materials = {m["material"]: m["name"] for m in case.snapshot.get("materials", [])}
    produced = registry_produced(case)
    out: list[dict[str, str]] = []
    for i, item in enumerate(items):
        if not item.message.strip():
            raise ValidationFailed(f"第{i + 1}项补正内容缺少说明", field=f"items[{i}].message")
        if item.target.startswith("material:"):
            code = item.target.removeprefix("material:")
            if code not in materials:
                raise ValidationFailed(f"本办件没有材料“{code}”", field=f"items[{i}].target")
            kind, name = "material", materials[code]
        elif item.target in produced:
            # The applicant could not answer it: a supplement may not change what a registry produced.
            raise ValidationFailed(
                f"{produced_by(case, item.target, produced[item.target])}，不能要求申请人补正",
                field=f"items[{i}].target",
            )
        elif item.target in fields:
            kind, name = "field", fields[item.target]["name"]
        else:
            raise ValidationFailed(f"本办件的表单中没有“{item.target}”", field=f"items[{i}].target")
        out.append(
            {
                "subcase": str(subcase.pk),
                "item": subcase.name,
                "department": subcase.department.name if subcase.department else "",
                "target": item.target,
                "name": name,
                "kind": kind,
                "message": item.message.strip(),
            }
        )
    return out


def _pause(
    case: Case, subcase: SubCase, kind: str, reason: str, supplement: Supplement | None = None
) -> None:
    ClockPause.objects.create(
        case=case,
        subcase=subcase,
        kind=kind,
        reason=reason[:300],
        started_on=clock.today(),
        supplement=supplement,
    )


def _refresh_both(case: Case, subcase: SubCase) -> None:
    calendar = working_calendar()
    refresh_subcase_deadlines(subcase, calendar=calendar, today=clock.today())
    refresh_case_deadlines(case, calendar=calendar)


@unit_of_work
def subcase_request_supplement(
    *, actor: Any, subcase_id: Any, items: Sequence[SupplementItemIn], expected_version: int | None = None
) -> Supplement:
    """Ask the applicant to correct or add something; the clock stops for this item and the case."""
    seen = access_subcase_ref_for_officer(actor, subcase_id)
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    ensure_case_running(case)
    check_version(subcase, expected_version)
    _require_assignee(subcase, actor)
    new_items = _items(case, subcase, items)
    supplement = (
        Supplement.objects.select_for_update().filter(case=case, status=SupplementStatus.OPEN).first()
    )
    if supplement is None:
        supplement = Supplement.objects.create(case=case, items=new_items)
    else:
        supplement.items = [*supplement.items, *new_items]
        supplement.save(update_fields=["items", "updated_at"])
    label = _label(actor, subcase)
    summary = "；".join(f"{i['name']}：{i['message']}" for i in new_items)
    if subcase.status == S.PENDING:  # sole approver acting straight from the inbox
        subcase.assignee = actor
        subcase.claimed_at = clock.now()
        change_status(
            subcase,
            S.CLAIMED,
            actor=actor,
            label=label,
            action="claim",
            extra_fields=["assignee", "claimed_at"],
        )
    change_status(
        subcase, S.SUPPLEMENT, actor=actor, label=label, action="request_supplement", reason=summary
    )
    _pause(case, subcase, PauseKind.SUPPLEMENT, summary, supplement)
    if case.status == CaseStatus.IN_PROGRESS:
        change_status(
            case,
            CaseStatus.SUPPLEMENT,
            actor=actor,
            label=label,
            action="request_supplement",
            reason=f"“{subcase.name}”需要补正",
        )
    _refresh_both(case, subcase)
    lines = "\n".join(
        f"{n}. {i['name']}：{i['message']}（{i['item']}）" for n, i in enumerate(supplement.items, 1)
    )
    notify_applicant(
        case=case,
        kind="supplement_needed",
        subject="请补正申请材料",
        body=f"您的办件需要补正以下{len(supplement.items)}项，其余已提交的内容无需重复提交，补正后继续计时：\n{lines}",
    )
    return supplement


def record_changes(
    case: Case, items: list[dict[str, Any]], form_data: Mapping[str, Any], uploads: Sequence[Upload]
) -> list[dict[str, Any]]:
    """Each answered item with what it was and what it became, for the officer's diff (补正前后对比).

    A field's values are sealed (`identity.seal`, encrypted at rest like every personal value of a case)
    and masked per viewer when shown (`workbench.selectors.supplement_changes`); a material's file names
    (before: the files it replaces; after: the new ones) are kept as the materials list shows them.
    """
    before_values = form_values(case)
    current: dict[str, list[str]] = {}
    for row in Material.objects.filter(case=case, replaced_at=None).only("code", "filename", "kind"):
        current.setdefault(row.code, []).append(row.filename or row.reference or row.name)
    given: dict[str, list[str]] = {}
    for up in uploads:
        given.setdefault(up.given.code, []).append(up.name or up.given.reference)
    answered = []
    for item in items:
        target = item["target"]
        if item["kind"] == "field" and target in form_data:
            item = {**item, "before": seal(before_values.get(target)), "after": seal(form_data[target])}
        elif item["kind"] == "material":
            code = target.removeprefix("material:")
            item = {**item, "before_files": current.get(code, []), "after_files": given.get(code, [])}
        answered.append(item)
    return answered


@unit_of_work
def supplement_answer(
    *,
    actor: Any,
    case_id: Any,
    form_data: Mapping[str, Any] | None = None,
    materials: Sequence[MaterialIn] = (),
    expected_version: int | None = None,
) -> Supplement:
    """The applicant (or a clerk for them) answers the open supplement, every item of it at once."""
    seen = access_case_by_id(actor, case_id)
    ensure_applicant_or_clerk(actor, seen)
    case = lock_case(seen.pk)
    check_version(case, expected_version)
    if case.status != CaseStatus.SUPPLEMENT:
        raise InvalidTransition(
            f"该办件没有待补正的内容（当前为“{CaseStatus(case.status).label}”）", field="status"
        )
    supplement = Supplement.objects.select_for_update().get(case=case, status=SupplementStatus.OPEN)
    form_data = guard_produced(case, form_data or {}, {})
    given_materials = {m.code for m in materials}
    missing = [
        i
        for i in supplement.items
        if (i["kind"] == "field" and i["target"] not in form_data)
        or (i["kind"] == "material" and i["target"].removeprefix("material:") not in given_materials)
    ]
    if missing:
        names = "、".join(f"“{i['name']}”" for i in missing)
        raise ValidationFailed(f"还有{len(missing)}项未补正：{names}", field=missing[0]["target"])
    fields, rules = prereview.rules_from_snapshot(case.snapshot)
    asked = {i["target"] for i in supplement.items}
    wanted_fields = [f for f in fields if f.element in asked]
    wanted_materials = [m for m in rules if f"material:{m.code}" in asked]
    uploads = read_uploads(materials, case.snapshot)
    problems = prereview.pre_review(
        wanted_fields,
        wanted_materials,
        form_data,
        [
            prereview.Provided(
                u.given.code, u.name if u.given.file is not None else "", u.size, u.given.reference
            )
            for u in uploads
        ],
    )
    if problems:
        raise ValidationFailed("；".join(p.message for p in problems), field=problems[0].field)
    supplement.items = record_changes(case, supplement.items, form_data, uploads)
    merge_submission(case, form_data, uploads, actor=actor)

    today = clock.today()
    supplement.status = SupplementStatus.ANSWERED
    supplement.answered_at = clock.now()
    supplement.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    supplement.save()
    ClockPause.objects.filter(supplement=supplement, ended_on=None).update(ended_on=today)
    calendar = working_calendar()
    waiting = [s for s in locked_subcases(case) if s.status == S.SUPPLEMENT]
    assignees = []
    for subcase in waiting:
        change_status(
            subcase, S.CLAIMED, actor=actor, action="supplement_answered", reason="申请人已补正，恢复计时"
        )
        refresh_subcase_deadlines(subcase, calendar=calendar, today=today)
        if subcase.assignee is not None:
            assignees.append(subcase.assignee)
    change_status(
        case, CaseStatus.IN_PROGRESS, actor=actor, action="supplement_answered", reason="已补正，恢复计时"
    )
    refresh_case_deadlines(case, calendar=calendar)
    notify_staff(
        users=assignees,
        case=case,
        kind="supplement_answered",
        subject="申请人已补正",
        body=f"办件 {case.reference} 的申请人已补正材料，计时已恢复，请继续办理。",
    )
    return supplement


@unit_of_work
def subcase_start_special_procedure(
    *, actor: Any, subcase_id: Any, procedure: str, reason: str, expected_version: int | None = None
) -> SubCase:
    if procedure not in SPECIAL_PROCEDURES:
        raise ValidationFailed(f"特别程序应为：{'、'.join(SPECIAL_PROCEDURES)}", field="procedure")
    seen = access_subcase_ref_for_officer(actor, subcase_id)
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    ensure_case_running(case)
    check_version(subcase, expected_version)
    if subcase.status != S.CLAIMED or subcase.assignee_id != actor.pk:
        raise PermissionDenied(f"只有“{subcase.name}”的承办人可以启动特别程序", field="subcase")
    text = f"{procedure}：{reason.strip()}" if reason.strip() else procedure
    change_status(
        subcase,
        S.SPECIAL_PROCEDURE,
        actor=actor,
        label=_label(actor, subcase),
        action="special_procedure",
        reason=text,
    )
    _pause(case, subcase, PauseKind.SPECIAL_PROCEDURE, text)
    _refresh_both(case, subcase)
    notify_applicant(
        case=case,
        kind="special_procedure",
        subject=f"“{subcase.name}”进入{procedure}程序",
        body=f"您的办件中“{subcase.name}”需要{procedure}（{reason.strip() or '依法进行'}），所需时间不计入办理时限，结束后继续计时。",
    )
    return subcase


@unit_of_work
def subcase_end_special_procedure(
    *, actor: Any, subcase_id: Any, result: str, expected_version: int | None = None
) -> SubCase:
    if not result.strip():
        raise ValidationFailed("请填写特别程序的结果", field="result")
    seen = access_subcase_ref_for_officer(actor, subcase_id)
    case, subcase = lock_subcase(subcase_id, case_id=seen.case_id)
    ensure_case_running(case)
    check_version(subcase, expected_version)
    if subcase.status != S.SPECIAL_PROCEDURE:
        raise InvalidTransition(f"“{subcase.name}”不在特别程序中", field="status")
    if subcase.assignee_id != actor.pk:
        raise PermissionDenied(f"只有“{subcase.name}”的承办人可以结束特别程序", field="subcase")
    ClockPause.objects.filter(subcase=subcase, kind=PauseKind.SPECIAL_PROCEDURE, ended_on=None).update(
        ended_on=clock.today()
    )
    change_status(
        subcase,
        S.CLAIMED,
        actor=actor,
        label=_label(actor, subcase),
        action="special_procedure_end",
        reason=result.strip(),
    )
    _refresh_both(case, subcase)
    return subcase
