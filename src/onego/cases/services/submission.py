"""Submission, pre-review (预审), corrections and withdrawal.

`case_submit` stores a compiled package — answers, merged-form data, materials as uploads or
verified references — once per idempotency key and applicant: a retried submission returns the
same case; the same key with a different payload is refused (Conflict). Unless it is a draft, the
submission is pre-reviewed at once: either PRE_REVIEWED (ready to be accepted) or NEEDS_CORRECTION
with one notice listing everything missing or wrong (一次性告知).

A draft (`draft=True`) can be finished later by anyone who may see it — the applicant online, or a
clerk at the counter (`case_submit_draft`): online and counter are one case.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from pypinyin import Style, lazy_pinyin

from onego.accounts.models import Role
from onego.accounts.selectors import staff_of
from onego.cases import bindings, prereview
from onego.cases.access import access_case_by_id, ensure_applicant_or_clerk, region_contains
from onego.cases.formdata import (
    applicant_id_number,
    drop_hidden,
    fill_from_path,
    form_fields,
    form_values,
    seal_values,
    sensitive_elements,
)
from onego.cases.identity import blind_index, mask_identifier, mask_name, seal
from onego.cases.models import (
    ApplicantKind,
    Case,
    Channel,
    ClockPause,
    DeliveryMethod,
    Material,
    MaterialKind,
    OneTimeNotice,
    ReferenceCounter,
    SubCase,
    Supplement,
    SupplementStatus,
)
from onego.cases.provenance import check_references, marks_after, verified_material_codes
from onego.cases.services.common import check_version, lock_case
from onego.cases.services.next_steps import notify_submitted
from onego.cases.services.notify import notify_applicant
from onego.cases.workflow import CaseStatus, InvalidTransition, SubCaseStatus, change_status, record_event
from onego.catalog.models import Package, Region
from onego.catalog.selectors import compile_with_rows
from onego.core import clock
from onego.core.errors import Conflict, PermissionDenied, ValidationFailed
from onego.core.uow import unit_of_work
from onego.core.uploads import check_upload
from onego.core.validators import check_id_number, check_phone, check_uscc

_KEY_RE = re.compile(r"^[\x21-\x7e]{8,100}$")


@dataclass(frozen=True)
class ApplicantIn:
    kind: str  # person | enterprise
    identifier: str  # 居民身份证号码 or 统一社会信用代码
    name: str


@dataclass(frozen=True)
class MaterialIn:
    """A material: an uploaded file, or a reference the data exchange verified (e-licence id …)."""

    code: str
    file: File[Any] | None = None
    filename: str = ""
    reference: str = ""


@dataclass(frozen=True)
class ContactIn:
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class SubmitResult:
    case: Case
    created: bool


@dataclass
class Upload:
    given: MaterialIn
    size: int = 0
    sha256: str = ""
    name: str = field(default="")


# --- helpers ----------------------------------------------------------------------------------


def _check_applicant(applicant: ApplicantIn) -> None:
    if applicant.kind not in ApplicantKind.values:
        raise ValidationFailed("申请人类型应为自然人（person）或法人（enterprise）", field="applicant.kind")
    if not applicant.name.strip():
        raise ValidationFailed("请填写申请人名称", field="applicant.name")
    check = check_id_number if applicant.kind == ApplicantKind.PERSON else check_uscc
    if msg := check(applicant.identifier):
        raise ValidationFailed(msg, field="applicant.identifier")


def _check_filer(actor: Any, region_code: str, channel: str) -> None:
    """Staff file only for the applicant in front of them: a window clerk whose region contains the
    case's, at the counter. An officer, a supervisor or a clerk of another region files for nobody."""
    seats = staff_of(actor)
    if not seats.is_staff:
        return  # the applicant, signed in, for themselves (the portal decides their channel)
    if not any(region_contains(r, region_code) for r in seats.regions([Role.CLERK])):
        raise PermissionDenied("只有办理地区的综合窗口受理员可以代申请人提交申请", field="region")
    if channel != Channel.COUNTER:
        raise ValidationFailed("工作人员代申请人提交的申请，渠道只能是窗口（counter）", field="channel")


def _check_contact(contact: ContactIn) -> None:
    if contact.phone and (msg := check_phone(contact.phone)):
        raise ValidationFailed(msg, field="contact.phone")
    if contact.email:
        error = prereview.check_value(
            prereview.FieldRule("contact.email", "电子邮箱", "email", False), contact.email
        )
        if error:
            raise ValidationFailed(error, field="contact.email")


def read_uploads(materials: Sequence[MaterialIn], snapshot: Mapping[str, Any]) -> list[Upload]:
    """Check every file against the one upload policy (`onego.core.uploads`: size, type by content, safe
    name, the types the material allows) and measure it; references are checked by `merge_submission`."""
    lines = _material_lines(snapshot)
    uploads: list[Upload] = []
    seen: set[str] = set()
    for given in materials:
        if given.code in seen:
            raise ValidationFailed(
                f"材料“{given.code}”重复提交，每种材料只需提交一次", field=f"material:{given.code}"
            )
        seen.add(given.code)
        if (given.file is None) == (not given.reference.strip()):
            raise ValidationFailed(
                f"材料“{given.code}”应为上传的文件或共享核验凭据，二者选一", field=f"material:{given.code}"
            )
        upload = Upload(given)
        if given.file is not None:
            line = lines.get(given.code)
            if line is None:
                raise ValidationFailed(f"本申请不需要材料“{given.code}”", field=f"material:{given.code}")
            checked = check_upload(
                given.file,
                label=line["name"],
                field=f"material:{given.code}",
                file_types=line.get("file_types"),
                filename=given.filename or given.file.name or "",
            )
            upload.name, upload.size, upload.sha256 = checked.filename, checked.size, checked.sha256
        uploads.append(upload)
    return uploads


def _payload_hash(**parts: Any) -> str:
    return hashlib.sha256(
        json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def region_prefix(region: Region) -> str:
    name = re.sub(r"(省|市|自治区|自治州|地区|盟|特别行政区|区|县|旗)$", "", region.name) or region.name
    letters = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).upper()
    return (re.sub(r"[^A-Z]", "", letters) or "CN")[:4]


def _next_reference(region: Region) -> str:
    """GY-20261124-000123: region initials, the day, a serial per region and day."""
    today = clock.today()
    prefix = region_prefix(region)
    counter = ReferenceCounter.objects.select_for_update().filter(prefix=prefix, day=today).first()
    if counter is None:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(prefix=prefix, day=today, last=0)
        except IntegrityError:
            pass  # created by a concurrent submission; lock it below
        counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, day=today)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{today:%Y%m%d}-{counter.last:06d}"


def _check_against_form(snapshot: Mapping[str, Any], form_data: Mapping[str, Any]) -> None:
    known = form_fields(snapshot)
    unknown = sorted(set(form_data) - known.keys())
    if unknown:
        raise ValidationFailed(f"本申请的表单中没有这些字段：{'、'.join(unknown)}", field=unknown[0])
    bindings.refuse_contradictions(snapshot, form_data)


def _check_materials_known(
    snapshot: Mapping[str, Any], materials: Sequence[MaterialIn], *, case: Case | None
) -> None:
    listed = {m["material"] for m in snapshot.get("materials", [])}
    for given in materials:
        if given.code not in listed:
            raise ValidationFailed(f"本申请不需要材料“{given.code}”", field=f"material:{given.code}")
    # A reference makes a material exempt: only one the exchange verified for this case counts.
    check_references(case, [(m.code, m.reference) for m in materials if m.file is None and m.reference])


def _material_lines(snapshot: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["material"]: m for m in snapshot.get("materials", [])}


def _store_materials(case: Case, uploads: Sequence[Upload], *, actor: Any, replace: bool) -> list[Material]:
    lines = _material_lines(case.snapshot)
    now = clock.now()
    rows: list[Material] = []
    for up in uploads:
        given = up.given
        if replace:
            Material.objects.filter(case=case, code=given.code, replaced_at=None).update(replaced_at=now)
        row = Material(
            case=case,
            code=given.code,
            name=lines[given.code]["name"],
            kind=MaterialKind.UPLOAD if given.file is not None else MaterialKind.REFERENCE,
            filename=up.name[:200],
            size=up.size,
            sha256=up.sha256,
            reference=given.reference.strip()[:200],
            verified_by=lines[given.code].get("verified_by") or "",
            provided_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if given.file is not None:
            row.file.save(up.name or "upload", given.file, save=False)
        row.save()
        rows.append(row)
    return rows


def provided_materials(case: Case, rows: Sequence[Material] | None = None) -> list[prereview.Provided]:
    """What pre-review checks: the case's current materials (`rows`, when the caller has them)."""
    return [
        prereview.Provided(
            code=m.code,
            filename=m.filename if m.kind == MaterialKind.UPLOAD else "",
            size=m.size,
            reference=m.reference,
        )
        for m in (rows if rows is not None else Material.objects.filter(case=case, replaced_at=None))
    ]


def _snapshot(
    package_code: str,
    region_code: str,
    answers: Mapping[str, Any],
    add: Sequence[str],
    drop: Sequence[str],
    data: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], Package, Region]:
    """The compiled package to store on the case, and the package and region rows it came from."""
    found = compile_with_rows(
        package_code=package_code, region_code=region_code, answers=answers, add=add, drop=drop, data=data
    )
    compiled = found.compiled
    missing = [e.name for e in compiled.entries if e.kind == "item" and not e.department_code]
    if missing:
        raise ValidationFailed(
            f"本地区尚未配置以下事项的实施部门，暂不能申请：{'、'.join(missing)}", field="region"
        )
    if compiled.unanswered:
        raise ValidationFailed(
            f"请先回答情形问题：{'、'.join(compiled.unanswered)}", field=compiled.unanswered[0]
        )
    return compiled.to_dict(), found.package, found.region


# --- services ---------------------------------------------------------------------------------


@unit_of_work
def case_submit(
    *,
    actor: Any,
    package_code: str,
    region_code: str,
    applicant: ApplicantIn,
    idempotency_key: str,
    channel: str,
    answers: Mapping[str, Any] | None = None,
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
    form_data: Mapping[str, Any] | None = None,
    materials: Sequence[MaterialIn] = (),
    contact: ContactIn | None = None,
    delivery_method: str = DeliveryMethod.ELECTRONIC,
    draft: bool = False,
) -> SubmitResult:
    """Store a submission once per (applicant, idempotency key) and pre-review it.

    A new case has no provenance: nothing is verified until the exchange prefills this case (see
    `onego.cases.provenance`); a material reference given here is refused."""
    if not _KEY_RE.match(idempotency_key or ""):
        raise ValidationFailed("幂等键应为8–100个可见ASCII字符", field="idempotency_key")
    if channel not in Channel.values:
        raise ValidationFailed(f"申请渠道应为：{'、'.join(Channel.values)}", field="channel")
    if delivery_method not in DeliveryMethod.values:
        raise ValidationFailed(f"送达方式应为：{'、'.join(DeliveryMethod.values)}", field="delivery_method")
    _check_applicant(applicant)
    _check_filer(actor, region_code, channel)
    contact = contact or ContactIn()
    _check_contact(contact)
    answers, form_data = dict(answers or {}), dict(form_data or {})
    # Compiled before anything else is read: the upload policy needs the materials' allowed types.
    # Bound questions are answered from the form's values and the e-licence library (cases/bindings.py).
    known = bindings.known_data(
        package_code=package_code,
        applicant_kind=applicant.kind,
        identifier=applicant.identifier,
        form_data=form_data,
    )
    snapshot, package, region = _snapshot(package_code, region_code, answers, add, drop, data=known)
    uploads = read_uploads(materials, snapshot)
    index = blind_index(applicant.kind, applicant.identifier)
    payload_hash = _payload_hash(
        package=package_code,
        region=region_code,
        applicant=[applicant.kind, index, applicant.name.strip()],
        answers=answers,
        add=sorted(add),
        drop=sorted(drop),
        form=form_data,
        materials=sorted([u.given.code, u.sha256, u.given.reference.strip()] for u in uploads),
        contact=[contact.phone, contact.email],
        delivery=delivery_method,
        channel=channel,
        draft=draft,
    )

    def same_or_conflict(existing: Case) -> SubmitResult:
        if existing.payload_hash != payload_hash:
            raise Conflict("该幂等键已用于另一份内容不同的申请，请使用新的幂等键", field="idempotency_key")
        return SubmitResult(existing, created=False)

    existing = Case.objects.filter(applicant_index=index, idempotency_key=idempotency_key).first()
    if existing is not None:
        return same_or_conflict(existing)

    # What the path already has (a bound question's answer, the contact step) fills its field.
    form_data = fill_from_path(snapshot, form_data, phone=contact.phone, email=contact.email)
    form_data = drop_hidden(snapshot, form_data, delivery_method)  # irrelevant after a choice
    _check_against_form(snapshot, form_data)
    _check_materials_known(snapshot, materials, case=None)
    now = clock.now()
    try:
        # A savepoint: a concurrent retry with the same key loses here and returns the winner's case
        # (the reference serial it took rolls back with it, so no number is skipped).
        with transaction.atomic():
            case = Case.objects.create(
                reference=_next_reference(region),
                package=package,
                package_code=package.code,
                package_name=package.name,
                package_version=package.version,
                snapshot=snapshot,
                region=region,
                applicant_kind=applicant.kind,
                applicant_index=index,
                applicant_display=mask_name(applicant.name, applicant.kind),
                applicant_id_masked=mask_identifier(applicant.identifier, applicant.kind),
                applicant_sealed=seal(
                    {"name": applicant.name.strip(), "identifier": applicant.identifier.strip().upper()}
                ),
                contact_sealed=seal({"phone": contact.phone, "email": contact.email})
                if (contact.phone or contact.email)
                else "",
                applicant_user=actor if _is_applicant(actor) else None,
                channel=channel,
                status=CaseStatus.DRAFT,
                answers=snapshot["answers"],
                add=list(add),
                drop=list(drop),
                form_data=seal_values(form_data, sensitive_elements(snapshot)),
                verified={},
                delivery_method=delivery_method,
                idempotency_key=idempotency_key,
                payload_hash=payload_hash,
                submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        winner = Case.objects.filter(applicant_index=index, idempotency_key=idempotency_key).first()
        if winner is None:
            raise
        return same_or_conflict(winner)

    stored = _store_materials(case, uploads, actor=actor, replace=False)
    record_event(
        case, actor=actor, action="create", reason=f"{Channel(channel).label}：{package.name}", bump=False
    )
    if not draft:
        case.submitted_at = now
        change_status(case, CaseStatus.SUBMITTED, actor=actor, action="submit", extra_fields=["submitted_at"])
        _pre_review(case, materials=stored)  # a new case: what was just stored is all it has
    return SubmitResult(case, created=True)


def _is_applicant(actor: Any) -> bool:
    # Staff submitting at the counter or through the API act for the applicant; they are not it.
    return (
        bool(getattr(actor, "is_authenticated", False)) and not actor.memberships.filter(active=True).exists()
    )


def draft_problems(case: Case, *, materials: Sequence[Material] | None = None) -> list[prereview.Problem]:
    """What pre-review finds in the case as it stands — a read: nothing is stored, numbered or sent."""
    fields, required = prereview.rules_from_snapshot(case.snapshot)
    return prereview.pre_review(
        fields,
        required,
        form_values(case),
        provided_materials(case, materials),
        delivery_method=case.delivery_method,
        verified=verified_material_codes(case),
        applicant_identifier=applicant_id_number(case),
    )


def _pre_review(case: Case, *, materials: Sequence[Material] | None = None) -> list[prereview.Problem]:
    """Run the checks on a SUBMITTED case: PRE_REVIEWED, or NEEDS_CORRECTION with one notice."""
    problems = draft_problems(case, materials=materials)
    if not problems:
        _passed(case)
        return problems
    _issue_notice(case, problems, actor=None)
    return problems


def _passed(case: Case) -> None:
    change_status(
        case,
        CaseStatus.PRE_REVIEWED,
        actor=None,
        label="系统预审",
        action="pre_review",
        reason="材料齐全，符合法定形式",
    )
    if case.channel != Channel.COUNTER:  # at the window the clerk tells them in person
        notify_submitted(case)


def _issue_notice(case: Case, problems: Sequence[prereview.Problem], *, actor: Any | None) -> OneTimeNotice:
    """The formal one-time notice (一次性告知书): numbered, NEEDS_CORRECTION, and sent to the applicant."""
    number = (OneTimeNotice.objects.filter(case=case).count()) + 1
    notice = OneTimeNotice.objects.create(case=case, number=number, problems=[p.as_dict() for p in problems])
    change_status(
        case,
        CaseStatus.NEEDS_CORRECTION,
        actor=actor,
        label="系统预审" if actor is None else "",
        action="pre_review",
        reason=f"一次性告知（第{notice.number}号）：共{len(problems)}项需补齐或更正",
    )
    lines = "\n".join(f"{i}. {p.message}" for i, p in enumerate(problems, 1))
    notify_applicant(
        case=case,
        kind="one_time_notice",
        subject="申请材料需补齐（一次性告知）",
        body=f"您的申请“{case.package_name}”还有以下{len(problems)}项需补齐或更正，请一次补齐后重新提交：\n{lines}",
    )
    return notice


@unit_of_work
def case_pre_review(*, actor: Any, case_id: Any) -> list[prereview.Problem]:
    """Re-run pre-review on a submitted case (e.g. by a clerk after the catalog was corrected)."""
    seen = access_case_by_id(actor, case_id)
    ensure_applicant_or_clerk(actor, seen)
    case = lock_case(seen.pk)
    if case.status != CaseStatus.SUBMITTED:
        raise InvalidTransition(
            f"只有已提交待预审的办件可以预审，当前为“{CaseStatus(case.status).label}”", field="status"
        )
    return _pre_review(case)


@unit_of_work
def case_correct(
    *,
    actor: Any,
    case_id: Any,
    form_data: Mapping[str, Any] | None = None,
    materials: Sequence[MaterialIn] = (),
    expected_version: int | None = None,
    formal_notice: bool = True,
) -> Case:
    """Answer a one-time notice (or finish a draft): merge what is given, keep the rest, re-review.

    Scenario answers cannot change here: another scenario is another application. With
    `formal_notice=False` (the counter's "保存并预审") it is a draft check: when problems remain the
    case keeps its state (a pre-reviewed case goes back to 待预审), nothing is numbered and nothing is
    sent; the clerk issues the notice with `case_issue_notice`. When nothing is missing it passes.
    """
    seen = access_case_by_id(actor, case_id)
    ensure_applicant_or_clerk(actor, seen)
    case = lock_case(seen.pk)
    check_version(case, expected_version)
    editable = (CaseStatus.NEEDS_CORRECTION, CaseStatus.DRAFT, CaseStatus.PRE_REVIEWED)
    if case.status not in editable and not (not formal_notice and case.status == CaseStatus.SUBMITTED):
        raise InvalidTransition(
            f"办件当前为“{CaseStatus(case.status).label}”，不能修改申请内容；受理后请按补正通知补正",
            field="status",
        )
    merge_submission(case, form_data or {}, read_uploads(materials, case.snapshot), actor=actor)
    if not formal_notice and (problems := draft_problems(case)):
        reason = f"窗口预审（草稿检查）：{len(problems)}项需补齐或更正，未出具告知书"
        if case.status == CaseStatus.PRE_REVIEWED:  # changed after it passed: not acceptable as it is
            change_status(case, CaseStatus.SUBMITTED, actor=actor, action="draft_check", reason=reason)
        else:
            record_event(case, actor=actor, action="draft_check", reason=reason)
        return case
    if case.status == CaseStatus.SUBMITTED:  # a draft check left it here; now it passes
        _passed(case)
        return case
    OneTimeNotice.objects.filter(case=case, resolved_at=None).update(resolved_at=clock.now())
    if case.status == CaseStatus.DRAFT:
        case.submitted_at = clock.now()
        change_status(case, CaseStatus.SUBMITTED, actor=actor, action="submit", extra_fields=["submitted_at"])
    else:
        change_status(case, CaseStatus.SUBMITTED, actor=actor, action="correct", reason="已补齐，重新提交")
    _pre_review(case)
    return case


def merge_submission(
    case: Case, form_data: Mapping[str, Any], uploads: Sequence[Upload], *, actor: Any
) -> None:
    """Merge newly given values and materials into the case; everything not given is kept. The
    provenance marks are recomputed from the exchange's records (`onego.cases.provenance`)."""
    form_data = bindings.fill_blanks(case, form_data)
    _check_against_form(case.snapshot, form_data)
    _check_materials_known(case.snapshot, [u.given for u in uploads], case=case)
    merged = {**(case.form_data or {}), **seal_values(form_data, sensitive_elements(case.snapshot))}
    # A field a choice made irrelevant (`shown_when`) keeps no value: hidden, not required, dropped.
    merged = drop_hidden(case.snapshot, merged, case.delivery_method)
    case.verified = marks_after(case, form_data)
    case.form_data = merged
    case.save(update_fields=["form_data", "verified", "updated_at"])
    _store_materials(case, uploads, actor=actor, replace=True)


def case_submit_draft(
    *,
    actor: Any,
    case_id: Any,
    form_data: Mapping[str, Any] | None = None,
    materials: Sequence[MaterialIn] = (),
    channel: str | None = None,
    formal_notice: bool = True,
) -> Case:
    """Finish a draft — online, or at the counter (channel=counter) — and pre-review it
    (`formal_notice=False`: a draft check, see `case_correct`)."""
    with unit_of_work():
        seen = access_case_by_id(actor, case_id)
        ensure_applicant_or_clerk(actor, seen)
        case = lock_case(seen.pk)
        if case.status != CaseStatus.DRAFT:
            raise InvalidTransition(
                f"只有草稿可以提交，当前为“{CaseStatus(case.status).label}”", field="status"
            )
        if channel is not None and channel != case.channel:
            if channel not in Channel.values:
                raise ValidationFailed(f"申请渠道应为：{'、'.join(Channel.values)}", field="channel")
            record_event(
                case,
                actor=actor,
                action="channel",
                reason=f"{Channel(case.channel).label}转{Channel(channel).label}继续办理",
                bump=False,
            )
            case.channel = channel
            case.save(update_fields=["channel", "updated_at"])
        return case_correct(
            actor=actor,
            case_id=case.pk,
            form_data=form_data,
            materials=materials,
            formal_notice=formal_notice,
        )


@unit_of_work
def case_issue_notice(*, actor: Any, case_id: Any) -> OneTimeNotice:
    """出具一次性告知书: the clerk issues the formal, numbered notice of everything still missing or
    wrong (status 待补齐, history row, SMS to the applicant) in one transaction.

    Idempotent: while the open notice already lists exactly what is missing, it is returned again and
    nothing is numbered or sent twice. Only a window clerk of the case's region may issue it."""
    seen = access_case_by_id(actor, case_id)
    if not any(region_contains(r, seen.region.code) for r in staff_of(actor).regions([Role.CLERK])):
        raise PermissionDenied("只有综合窗口受理员可以出具一次性告知书", field="case")
    case = lock_case(seen.pk)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.NEEDS_CORRECTION):
        raise InvalidTransition(
            f"办件当前为“{CaseStatus(case.status).label}”，不能出具一次性告知书", field="status"
        )
    problems = draft_problems(case)
    if not problems:
        raise ValidationFailed(
            "预审未发现需补齐或更正的内容，无需出具一次性告知书；请点击“保存并预审”", field="status"
        )
    if case.status == CaseStatus.NEEDS_CORRECTION:
        wanted = [p.as_dict() for p in problems]
        current = OneTimeNotice.objects.filter(case=case, resolved_at=None).order_by("-number").first()
        if current is not None and current.problems == wanted:
            return current  # a retry (or a double click): the notice already issued
        OneTimeNotice.objects.filter(case=case, resolved_at=None).update(resolved_at=clock.now())
        change_status(
            case, CaseStatus.SUBMITTED, actor=actor, action="correct", reason="已补齐部分，重新告知"
        )
    elif case.status == CaseStatus.DRAFT:
        case.submitted_at = clock.now()
        change_status(case, CaseStatus.SUBMITTED, actor=actor, action="submit", extra_fields=["submitted_at"])
    return _issue_notice(case, problems, actor=actor)


@unit_of_work
def case_withdraw(*, actor: Any, case_id: Any, reason: str) -> Case:
    """The applicant withdraws before the conclusion: open sub-cases are cancelled, the clock stops."""
    if not reason.strip():
        raise ValidationFailed("请说明撤回原因", field="reason")
    seen = access_case_by_id(actor, case_id)
    ensure_applicant_or_clerk(actor, seen)
    case = lock_case(seen.pk)
    if case.status in (CaseStatus.READY_TO_CONCLUDE, CaseStatus.CONCLUDED, CaseStatus.ACCEPTED):
        raise InvalidTransition(f"办件当前为“{CaseStatus(case.status).label}”，不能撤回", field="status")
    today = clock.today()
    for subcase in (
        SubCase.objects.select_for_update()
        .filter(case=case)
        .exclude(status__in=[SubCaseStatus.APPROVED, SubCaseStatus.REJECTED, SubCaseStatus.CANCELLED])
    ):
        subcase.opinion = f"申请人撤回：{reason}"
        subcase.decided_at = clock.now()
        change_status(
            subcase,
            SubCaseStatus.CANCELLED,
            actor=actor,
            action="withdraw",
            reason=reason,
            extra_fields=["opinion", "decided_at"],
        )
    ClockPause.objects.filter(case=case, ended_on=None).update(ended_on=today)
    Supplement.objects.filter(case=case, status=SupplementStatus.OPEN).update(
        status=SupplementStatus.CANCELLED
    )
    change_status(case, CaseStatus.WITHDRAWN, actor=actor, action="withdraw", reason=reason)
    return case
