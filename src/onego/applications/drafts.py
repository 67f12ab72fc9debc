"""The application draft: the guided path online (一件事 网上申请), saved at every step and resumable.

Moved here from `onego.signin.drafts` (issue 12): the draft is the application service's, not the
sign-in's, and so are its models (`onego.applications.models`, tables kept; see ADR 0004).

    questions (one at a time) → contact and delivery → consent preview: agree (→ one-click prefill) or
    decline → the one merged form → upload each remaining material once → review → submit

The cases app keeps an application as a draft case (`case_submit(draft=True)`), and the exchange binds
consent and prefill to that case's UUID (`case_ref`). A draft case's scenario answers are fixed, and the
cases app has no service to save half-typed form values or uploads on a draft without submitting it, so
the path in progress is kept here: `ApplicationDraft` holds the answers, the contact details, the consent
decision with the sources of every fetched value, and the values (sealed); `DraftUpload` the files.

- The draft case is created once the questions and contact details are done, with the idempotency key
  `web-<draft id>-<generation>`. Changing an answer or the contact details afterwards withdraws that
  draft case (its consent goes with it) and starts a new generation: a different scenario is a different
  application. Values the applicant typed are kept; values fetched under the old consent are dropped.
- Values fetched from a registry are read-only unless the applicant declined consent (then every field
  is theirs to type); the server ignores anything posted for a read-only field.
- Submitting hands everything to `case_submit_draft` (channel web) under a row lock on the draft:
  posting twice returns the same case.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from onego.applications.answers import library_answers
from onego.applications.consent import application_consent, application_prefill
from onego.applications.form import Delivered, FieldView, GroupView, merged_form
from onego.applications.materials import attachable_references
from onego.applications.models import ApplicationDraft, ConsentChoice, DraftStatus, DraftStep, DraftUpload
from onego.applications.values import field_error, typed_value
from onego.cases import prereview
from onego.cases.formdata import (
    applicant_id_number,
    asked_groups,
    drop_hidden,
    fill_from_path,
    form_fields,
)
from onego.cases.models import Case, DeliveryMethod
from onego.cases.provenance import verified_material_codes
from onego.cases.services.submission import (
    ContactIn,
    MaterialIn,
    case_submit,
    case_submit_draft,
    case_withdraw,
)
from onego.cases.workflow import CaseStatus
from onego.catalog import models as cm
from onego.catalog.rules.expressions import ExpressionError, QuestionSpec, coerce_answer
from onego.catalog.selectors import is_offered, package_by_code, region_by_code
from onego.core import clock, pii
from onego.core.errors import NotFound, PermissionDenied, ValidationFailed
from onego.core.uploads import MAX_UPLOAD_BYTES, allowed_types, check_upload
from onego.core.validators import check_phone
from onego.exchange.preview import ConsentPreview
from onego.exchange.services import applicant_actor, consent_preview
from onego.signin.session import SignedIn

DECLINED_REASON = "您选择了不授权共享，请自行填写"
DECLINED_MATERIAL_REASON = "您选择了不授权共享，请自行上传"
EDITED_REASON = "原值来自{source}；您修改后，该项不再作为共享核验的数据"


class DraftIncomplete(ValidationFailed):
    """Submitting a draft that still lacks something: every problem, in form order then material order."""

    def __init__(self, problems: Sequence[prereview.Problem]) -> None:
        first = problems[0]
        super().__init__(f"还有{len(problems)}项需要补齐或更正：{first.message}", field=first.field)
        self.problems = list(problems)


# --- access -------------------------------------------------------------------------------------------
def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def access_draft(*, user: Any, signed_in: SignedIn, draft_id: Any, lock: bool = False) -> ApplicationDraft:
    """The draft if it is this user's, for the subject they act for now; NotFound alike otherwise."""
    pk = _uuid(draft_id)
    qs = ApplicationDraft.objects.select_for_update(of=("self",)) if lock else ApplicationDraft.objects
    draft = (
        qs.filter(pk=pk, user=user, subject_index=signed_in.acting.index).select_related("case").first()
        if pk and getattr(user, "is_authenticated", False)
        else None
    )
    if draft is None:
        raise NotFound("没有找到该申请草稿", field="draft")
    return draft


def open_drafts(*, user: Any, signed_in: SignedIn) -> QuerySet[ApplicationDraft]:
    return ApplicationDraft.objects.filter(
        user=user, subject_index=signed_in.acting.index, status=DraftStatus.OPEN
    ).order_by("-updated_at")


# --- sealed values ------------------------------------------------------------------------------------
def draft_values(draft: ApplicationDraft) -> dict[str, Any]:
    """The values fetched and typed so far, in clear (for the applicant's own pages only)."""
    if not draft.values_sealed:
        return {}
    data: dict[str, Any] = json.loads(pii.decrypt(draft.values_sealed))
    return data


def _seal_values(draft: ApplicationDraft, values: Mapping[str, Any]) -> None:
    draft.values_sealed = pii.encrypt(json.dumps(dict(values), ensure_ascii=False, default=str))


def draft_contact(draft: ApplicationDraft) -> dict[str, str]:
    if not draft.contact_sealed:
        return {"phone": "", "email": ""}
    data: dict[str, str] = json.loads(pii.decrypt(draft.contact_sealed))
    return data


# --- starting and the questions -----------------------------------------------------------------------
@transaction.atomic
def draft_start(*, user: Any, signed_in: SignedIn, package_code: str, region_code: str) -> ApplicationDraft:
    """Start applying for a package (or pick up the open draft of the same package)."""
    package = package_by_code(package_code)
    region = region_by_code(region_code)
    if not is_offered(package, region):
        raise ValidationFailed(f"“{package.name}”不在{region.name}提供", field="region")
    if region.level not in ("county", "city"):
        raise ValidationFailed("请选择办理地区（区、县或市）", field="region")
    existing = open_drafts(user=user, signed_in=signed_in).filter(package_code=package.code).first()
    if existing is not None:
        if existing.region_code != region.code and existing.case_id is None:
            existing.region_code = region.code
            existing.save(update_fields=["region_code", "updated_at"])
        return existing
    contact = {"phone": signed_in.person.phone, "email": ""}
    return ApplicationDraft.objects.create(
        user=user,
        subject_kind=signed_in.acting.kind,
        subject_index=signed_in.acting.index,
        package_code=package.code,
        package_name=package.name,
        region_code=region.code,
        contact_sealed=pii.encrypt(json.dumps(contact, ensure_ascii=False)),
    )


def draft_questions(draft: ApplicationDraft) -> list[cm.PackageQuestion]:
    return list(
        cm.PackageQuestion.objects.filter(package__code=draft.package_code).order_by("position", "ident")
    )


def question_spec(q: cm.PackageQuestion) -> QuestionSpec:
    return QuestionSpec(ident=q.ident, type=q.type, choices=tuple(q.choices), text=q.text)


def _answer_error(q: cm.PackageQuestion) -> str:
    if q.type == "bool":
        return f"请选择“是”或“否”：{q.text}"
    if q.type == "choice":
        return f"请从选项中选择一项：{q.text}"
    if q.type == "number":
        return f"请填写数字：{q.text}"
    return f"请回答：{q.text}"


@transaction.atomic
def draft_answer(*, draft: ApplicationDraft, ident: str, raw: Any) -> None:
    """Keep one answer. Changing an answer after the draft case exists starts a new application."""
    q = next((q for q in draft_questions(draft) if q.ident == ident), None)
    if q is None:
        raise NotFound("没有这个问题", field=ident)
    try:
        value = coerce_answer(question_spec(q), raw)
    except ExpressionError as exc:
        raise ValidationFailed(_answer_error(q), field=ident) from exc
    if value is None:
        raise ValidationFailed(_answer_error(q), field=ident)
    draft = ApplicationDraft.objects.select_for_update().get(pk=draft.pk)
    if ident in draft.answered_by and draft.answers.get(ident) != value:
        shown = (
            "是" if draft.answers.get(ident) is True else "否" if draft.answers.get(ident) is False else ""
        )
        raise ValidationFailed(
            f"“{q.text}”已从{draft.answered_by[ident]}确认为“{shown or draft.answers.get(ident)}”，不能另作回答；"
            "如证照信息有误，请先到发证机关更正",
            field=ident,
        )
    if draft.answers.get(ident) != value:
        draft.answers = {**draft.answers, ident: value}
        _retire_case(draft, reason="申请人修改了情形问题的回答，按新情形重新申请")
    draft.step = DraftStep.QUESTIONS
    draft.save()


@transaction.atomic
def draft_preset_answers(*, draft: ApplicationDraft, signed_in: SignedIn) -> ApplicationDraft:
    """Answer the questions the e-licence library answers for the applicant (looked up here, on the
    server) and mark them answered by it: they are not asked. Changing a known answer (the library
    changed) starts a new application as any changed answer does. Idempotent: writes only on change."""
    applicant = signed_in.acting.applicant()
    known = library_answers(
        package_code=draft.package_code, applicant_kind=applicant.kind, identifier=applicant.identifier
    )
    answered_by = {ident: k.source_name for ident, k in known.items()}
    answers = {**draft.answers, **{ident: k.value for ident, k in known.items()}}
    if answers == draft.answers and answered_by == draft.answered_by:
        return draft
    draft = ApplicationDraft.objects.select_for_update().get(pk=draft.pk)
    if any(draft.answers.get(ident) != k.value for ident, k in known.items()):
        draft.answers = {**draft.answers, **{ident: k.value for ident, k in known.items()}}
        _retire_case(draft, reason="电子证照库确认的情形与原回答不同，按新情形重新申请")
    draft.answered_by = answered_by
    draft.save()
    return draft


def asked_questions(draft: ApplicationDraft) -> list[cm.PackageQuestion]:
    """The questions the applicant answers: not those a registry answered."""
    return [q for q in draft_questions(draft) if q.ident not in draft.answered_by]


@dataclass(frozen=True)
class AnsweredQuestion:
    question: cm.PackageQuestion
    value: Any
    source_name: str


def answered_for_applicant(draft: ApplicationDraft) -> list[AnsweredQuestion]:
    """The questions a registry answered, with the answer and who gave it (shown, not asked)."""
    return [
        AnsweredQuestion(question=q, value=draft.answers.get(q.ident), source_name=draft.answered_by[q.ident])
        for q in draft_questions(draft)
        if q.ident in draft.answered_by
    ]


def unanswered(draft: ApplicationDraft) -> list[cm.PackageQuestion]:
    return [q for q in draft_questions(draft) if q.ident not in draft.answers]


def check_contact(phone: str, email: str, delivery_method: str) -> dict[str, str]:
    """What is wrong with the contact details, per field (empty when they are fine)."""
    errors: dict[str, str] = {}
    if not phone.strip():
        errors["phone"] = "请填写手机号码，办理进度和结果将以短信告知"
    elif msg := check_phone(phone):
        errors["phone"] = msg
    if email.strip() and (
        msg := prereview.check_value(prereview.FieldRule("email", "电子邮箱", "email", False), email.strip())
    ):
        errors["email"] = msg
    if delivery_method not in DeliveryMethod.values:
        errors["delivery_method"] = "请选择结果送达方式"
    return errors


@transaction.atomic
def draft_set_contact(
    *, draft: ApplicationDraft, phone: str, email: str, delivery_method: str
) -> dict[str, str]:
    errors = check_contact(phone, email, delivery_method)
    if errors:
        return errors
    draft = ApplicationDraft.objects.select_for_update().get(pk=draft.pk)
    contact = {"phone": phone.strip().replace(" ", "").replace("-", ""), "email": email.strip()}
    if contact != draft_contact(draft) or delivery_method != draft.delivery_method:
        draft.contact_sealed = pii.encrypt(json.dumps(contact, ensure_ascii=False))
        draft.delivery_method = delivery_method
        _retire_case(draft, reason="申请人修改了联系方式或送达方式，重新申请")
    draft.contact_done = True
    draft.save()
    return {}


def _retire_case(draft: ApplicationDraft, *, reason: str) -> None:
    """Withdraw the draft case (its consent goes with it) and start a new generation. Caller saves."""
    if draft.case_id is None:
        return
    case = Case.objects.filter(pk=draft.case_id).first()
    if case is not None and case.status == CaseStatus.DRAFT:
        case_withdraw(actor=draft.user, case_id=case.pk, reason=reason)
    values = {k: v for k, v in draft_values(draft).items() if k not in draft.sources}
    _seal_values(draft, values)
    draft.case = None
    draft.generation += 1
    draft.consent_id = None
    draft.consent_choice = ConsentChoice.NONE
    draft.prefill_run_id = None
    draft.prefill_note = ""
    draft.sources, draft.manual = {}, {}
    draft.verified_materials, draft.materials_manual = [], {}


@transaction.atomic
def draft_ensure_case(*, draft: ApplicationDraft, signed_in: SignedIn) -> Case:
    """The draft case for the current answers, created once (idempotent by the draft's key)."""
    draft_preset_answers(draft=draft, signed_in=signed_in)  # what the library answers is not the applicant's
    draft = ApplicationDraft.objects.select_for_update(of=("self",)).select_related("case").get(pk=draft.pk)
    if draft.case is not None:
        if draft.case.status == CaseStatus.DRAFT:
            return draft.case
        draft.generation += 1  # that case went on without this draft (withdrawn): a new application
    missing = unanswered(draft)
    if missing:
        raise ValidationFailed(_answer_error(missing[0]), field=missing[0].ident)
    if not draft.contact_done:
        raise ValidationFailed("请先填写联系方式", field="phone")
    contact = draft_contact(draft)
    result = case_submit(
        actor=draft.user,
        package_code=draft.package_code,
        region_code=draft.region_code,
        applicant=signed_in.acting.applicant(),
        idempotency_key=draft.idempotency_key,
        channel="web",
        answers=draft.answers,
        contact=ContactIn(phone=contact.get("phone", ""), email=contact.get("email", "")),
        delivery_method=draft.delivery_method,
        draft=True,
    )
    draft.case = result.case
    if draft.step in (DraftStep.QUESTIONS, DraftStep.CONTACT):
        draft.step = DraftStep.CONSENT
    draft.save()
    return result.case


# --- consent and prefill ------------------------------------------------------------------------------
def draft_preview(*, draft: ApplicationDraft, signed_in: SignedIn) -> ConsentPreview:
    return consent_preview(
        package_code=draft.package_code,
        region_code=draft.region_code,
        answers=draft.answers,
        applicant=signed_in.acting.subject,
    )


def ledger_actor(signed_in: SignedIn) -> str:
    """How the ledger names who agreed and fetched: the applicant, and for an enterprise who acted for it."""
    actor = applicant_actor(signed_in.acting.subject)
    if signed_in.for_enterprise:
        actor += f"/legal_rep:{signed_in.person.index}"
    return actor


def draft_consent(*, draft: ApplicationDraft, signed_in: SignedIn, agree: bool) -> ApplicationDraft:
    """Agree (one consent, then the one-click prefill) or decline (the applicant supplies everything).

    Not one transaction on purpose: the exchange records a refused read in its own transaction and
    reads registries outside any (see onego.exchange.services.prefill); the draft is updated after.
    """
    case = draft_ensure_case(draft=draft, signed_in=signed_in)
    preview = draft_preview(draft=draft, signed_in=signed_in)
    actor = ledger_actor(signed_in)
    values = {k: v for k, v in draft_values(draft).items() if k not in draft.sources}
    sources: dict[str, dict[str, str]] = {}
    manual: dict[str, str] = {}
    verified: list[dict[str, Any]] = []
    materials_manual: dict[str, str] = {}
    note, run_id = "", None
    if agree:
        # The same service as the counter's and the API's: bound to this case, the giver decided here.
        consent = application_consent(user=draft.user, case_id=case.pk, agree=True, applicant_label=actor)
        try:
            outcome = application_prefill(
                user=draft.user, case_id=case.pk, consent_id=consent.id, applicant_label=actor
            )
        except (NotFound, PermissionDenied) as exc:
            note = exc.message
            manual = {line.code: note for line in preview.to_type}
            for r in preview.registries:
                manual.update(dict.fromkeys((e.element for e in r.elements), note))
                materials_manual.update(dict.fromkeys((m.material for m in r.materials), note))
        else:
            run_id = outcome.run_id
            for element, got in outcome.values.items():
                values[element] = got["value"]
                sources[element] = {
                    "source_registry": got["source_registry"],
                    "source_name": got["source_name"],
                    "contract": got["contract"],
                }
            manual = dict(outcome.manual)
            verified = [
                {k: v[k] for k in ("material", "name", "registry", "reference", "description", "contract")}
                for v in outcome.materials_verified
            ]
            materials_manual = dict(outcome.materials_manual)
            if outcome.registries_unavailable:
                note = "部分数据源暂时无法访问，相关信息请自行填写或上传"
    else:
        consent = application_consent(user=draft.user, case_id=case.pk, agree=False, applicant_label=actor)
        manual = {f["element"]: DECLINED_REASON for f in form_fields(case.snapshot).values()}
        materials_manual = {
            m["material"]: DECLINED_MATERIAL_REASON for m in case.snapshot.get("materials", []) if m["exempt"]
        }
    with transaction.atomic():
        draft = ApplicationDraft.objects.select_for_update().get(pk=draft.pk)
        _seal_values(draft, values)
        draft.consent_id = consent.id
        draft.consent_choice = ConsentChoice.GRANTED if agree else ConsentChoice.DECLINED
        draft.prefill_run_id = run_id
        draft.prefill_note = note[:300]
        draft.sources, draft.manual = sources, manual
        draft.verified_materials, draft.materials_manual = verified, materials_manual
        draft.step = DraftStep.FORM
        draft.save()
    return draft


# --- the merged form ----------------------------------------------------------------------------------
def is_locked(draft: ApplicationDraft, element: str) -> bool:
    return draft.consent_choice == ConsentChoice.GRANTED and element in draft.sources


def form_view(draft: ApplicationDraft, *, typed: Mapping[str, Any] | None = None) -> list[GroupView]:
    """The merged form online: the one view model (`applications.form`), delivered values locked."""
    if draft.case is None:
        return []
    values = draft_values(draft)
    granted = draft.consent_choice == ConsentChoice.GRANTED
    return merged_form(
        draft.case.snapshot,
        delivery_method=draft.case.delivery_method,
        values=values,
        delivered={
            el: Delivered(values.get(el, ""), src.get("source_name", ""), src.get("contract", ""))
            for el, src in draft.sources.items()
        }
        if granted
        else {},
        lock_delivered=True,
        reasons=draft.manual,
        typed=typed,
        help_texts=dict(cm.DataElement.objects.values_list("code", "help_text")),
    )


def form_errors(draft: ApplicationDraft, only: Sequence[str] | None = None) -> dict[str, str]:
    """Every field's problem (or those of `only`), in form order, checked like pre-review."""
    if draft.case is None:
        return {}
    values = draft_values(draft)
    errors: dict[str, str] = {}
    snapshot, delivery = draft.case.snapshot, draft.case.delivery_method
    # A field a choice made irrelevant (`shown_when`) is not asked, so not required either.
    typed = {el: typed_value(f["type"], values.get(el, "")) for el, f in form_fields(snapshot).items()}
    asked = {
        f["element"] for _, fs in asked_groups(snapshot, delivery_method=delivery, values=typed) for f in fs
    }
    for element, f in form_fields(snapshot).items():
        if (only is not None and element not in only) or element not in asked:  # the path answered it
            continue
        if msg := field_error(f, typed_value(f["type"], values.get(element, ""))):
            errors[element] = msg
    return errors


@transaction.atomic
def draft_save_values(
    *, draft: ApplicationDraft, given: Mapping[str, str], only_given: bool = False
) -> dict[str, str]:
    """Keep what was typed — valid or not, nothing is lost — and say what is wrong with it."""
    draft = ApplicationDraft.objects.select_for_update(of=("self",)).select_related("case").get(pk=draft.pk)
    if draft.case is None:
        raise ValidationFailed("请先回答情形问题并选择是否授权共享", field="draft")
    fields = form_fields(draft.case.snapshot)
    values = draft_values(draft)
    changed = []
    for element in fields:
        if is_locked(draft, element) or (only_given and element not in given):
            continue
        raw = given.get(element, "")
        values[element] = raw.strip()[:1000] if isinstance(raw, str) else raw
        changed.append(element)
    _seal_values(draft, values)
    if draft.step == DraftStep.CONSENT and draft.consent_choice:
        draft.step = DraftStep.FORM
    draft.save()
    return form_errors(draft, only=changed if only_given else None)


@transaction.atomic
def draft_edit_verified(*, draft: ApplicationDraft, element: str) -> None:
    """The applicant chooses to change a value a registry filled: the field becomes theirs to type, and
    says so. The case's provenance decides at submission: a value left as delivered is still verified, a
    changed one is not (onego.cases.provenance)."""
    draft = ApplicationDraft.objects.select_for_update().get(pk=draft.pk)
    source = draft.sources.get(element)
    if source is None:
        raise ValidationFailed("该项不是数据共享填入的信息", field=element)
    draft.sources = {k: v for k, v in draft.sources.items() if k != element}
    draft.manual = {
        **draft.manual,
        element: EDITED_REASON.format(source=source.get("source_name") or "数据源"),
    }
    draft.save(update_fields=["sources", "manual", "updated_at"])


# --- materials ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MaterialView:
    material: str
    name: str
    required: bool
    state: str  # verified | produced | upload | uploaded
    reason: str
    file_types: list[str]
    verified: dict[str, Any] | None = None
    upload: DraftUpload | None = None
    notes: list[str] = field(default_factory=list)
    original: bool = True
    copies: int = 1

    @property
    def accept(self) -> str:
        return ",".join(f".{t}" for t in self.file_types)


def materials_view(draft: ApplicationDraft) -> list[MaterialView]:
    if draft.case is None:
        return []
    verified = {v["material"]: v for v in draft.verified_materials}
    uploads = {u.material: u for u in DraftUpload.objects.filter(draft=draft)}
    out = []
    for m in draft.case.snapshot.get("materials", []):
        code = m["material"]
        common: dict[str, Any] = {
            "material": code,
            "name": m["name"],
            "required": bool(m["required"]),
            "file_types": allowed_types(m.get("file_types")),
            "notes": list(m.get("notes") or []),
            "original": bool(m.get("original", True)),
            "copies": int(m.get("copies") or 1),
        }
        if code in verified:
            out.append(
                MaterialView(
                    state="verified", reason=verified[code]["description"], verified=verified[code], **common
                )
            )
        elif (m.get("verified_by") or "").startswith("package:"):
            out.append(
                MaterialView(
                    state="produced", reason=m.get("exempt_reason") or "由本套餐前序事项办结后共享", **common
                )
            )
        else:
            reason = draft.materials_manual.get(code, "") or (
                "" if not m["exempt"] else "未能共享核验，请上传"
            )
            state = "uploaded" if code in uploads else "upload"
            out.append(MaterialView(state=state, reason=reason, upload=uploads.get(code), **common))
    return out


@transaction.atomic
def draft_upload(*, draft: ApplicationDraft, material: str, upload: UploadedFile[Any]) -> DraftUpload:
    """Keep one file for one material (a new one replaces the old), after checking type and size."""
    line = next((v for v in materials_view(draft) if v.material == material), None)
    if line is None or line.state not in ("upload", "uploaded"):
        raise ValidationFailed("本申请不需要上传该材料", field=f"material:{material}")
    # The one upload policy (size, type by content, safe name), as every other channel.
    checked = check_upload(
        upload,
        label=line.name,
        field=f"material:{material}",
        file_types=line.file_types,
        filename=upload.name or "",
    )
    filename, size = checked.filename, checked.size
    upload.seek(0)
    for old in DraftUpload.objects.select_for_update().filter(draft=draft, material=material):
        old.file.delete(save=False)
        old.delete()
    row = DraftUpload(
        draft=draft,
        material=material,
        name=line.name,
        filename=filename,
        size=size,
        sha256=checked.sha256,
    )
    row.file.save(filename, upload, save=False)
    row.save()
    ApplicationDraft.objects.filter(pk=draft.pk).update(step=DraftStep.MATERIALS, updated_at=clock.now())
    return row


@transaction.atomic
def draft_remove_upload(*, draft: ApplicationDraft, material: str) -> None:
    for old in DraftUpload.objects.select_for_update().filter(draft=draft, material=material):
        old.file.delete(save=False)
        old.delete()


# --- review and submission ----------------------------------------------------------------------------
def _typed_values(draft: ApplicationDraft) -> dict[str, Any]:
    if draft.case is None:
        return {}
    fields = form_fields(draft.case.snapshot)
    values = draft_values(draft)
    typed = {
        el: typed_value(fields[el]["type"], v)
        for el, v in values.items()
        if el in fields and v not in (None, "")
    }
    # A value typed before a choice made its field irrelevant is not handed on (cases.formdata).
    return drop_hidden(draft.case.snapshot, typed, draft.case.delivery_method)


def _references(draft: ApplicationDraft) -> list[MaterialIn]:
    """The exchange's verified references of the draft case (read from its records, as the counter does)."""
    if draft.case is None or draft.consent_choice != ConsentChoice.GRANTED:
        return []
    return attachable_references(draft.case)


def draft_problems(draft: ApplicationDraft) -> list[prereview.Problem]:
    """Everything still missing or wrong, exactly as pre-review will see it at submission."""
    if draft.case is None or not draft.consent_choice:
        return [prereview.Problem("consent", "missing_consent", "请先选择是否授权共享数据")]
    fields, materials = prereview.rules_from_snapshot(draft.case.snapshot)
    uploads = list(DraftUpload.objects.filter(draft=draft))
    provided = [prereview.Provided(u.material, u.filename, u.size) for u in uploads]
    provided += [prereview.Provided(m.code, reference=m.reference) for m in _references(draft)]
    # Mailing fields are needed only when something is posted, as the case's pre-review will judge it.
    contact = draft_contact(draft)  # the contact step and bound answers fill their fields (formdata)
    values = fill_from_path(
        draft.case.snapshot,
        _typed_values(draft),
        phone=contact.get("phone", ""),
        email=contact.get("email", ""),
    )
    problems = prereview.pre_review(
        fields,
        materials,
        values,
        provided,
        delivery_method=draft.delivery_method,
        verified=verified_material_codes(draft.case),
        applicant_identifier=applicant_id_number(draft.case),
    )
    # An exempt material the exchange did not verify for this case is asked for by pre-review itself
    # (the shared rule, cases/prereview.py): no loop of our own here.
    return problems


def draft_submit(*, user: Any, signed_in: SignedIn, draft_id: Any) -> Case:
    """Submit the draft once: the second post of the same draft returns the case the first one made."""
    with transaction.atomic():
        draft = access_draft(user=user, signed_in=signed_in, draft_id=draft_id, lock=True)
        if draft.status == DraftStatus.SUBMITTED and draft.case is not None:
            return draft.case
        if draft.status != DraftStatus.OPEN:
            raise ValidationFailed("该申请草稿已放弃，请重新开始办理", field="draft")
        if draft.case is None or draft.case.status != CaseStatus.DRAFT:
            raise ValidationFailed("请先回答情形问题并选择是否授权共享", field="draft")
        problems = draft_problems(draft)
        if problems:
            raise DraftIncomplete(problems)
        uploads = list(DraftUpload.objects.filter(draft=draft))
        materials = [
            MaterialIn(code=u.material, file=File(u.file.open("rb"), name=u.filename), filename=u.filename)
            for u in uploads
        ] + _references(draft)
        try:
            case = case_submit_draft(
                actor=user,
                case_id=draft.case.pk,
                form_data=_typed_values(draft),
                materials=materials,
                channel="web",
            )
        finally:
            for m in materials:
                if m.file is not None:
                    m.file.close()
        draft.status = DraftStatus.SUBMITTED
        draft.step = DraftStep.REVIEW
        draft.submitted_at = clock.now()
        draft.save()
        files = [(u.file.storage, u.file.name) for u in uploads if u.file.name]

        def delete_files() -> None:
            for storage, name in files:
                storage.delete(name)

        # The case keeps its own copies; the draft's go once the submission is committed.
        transaction.on_commit(delete_files)
        DraftUpload.objects.filter(draft=draft).delete()
        return case


@transaction.atomic
def draft_discard(*, user: Any, signed_in: SignedIn, draft_id: Any) -> None:
    draft = access_draft(user=user, signed_in=signed_in, draft_id=draft_id, lock=True)
    if draft.status != DraftStatus.OPEN:
        return
    _retire_case(draft, reason="申请人放弃了该申请草稿")
    for u in DraftUpload.objects.filter(draft=draft):
        u.file.delete(save=False)
        u.delete()
    draft.status = DraftStatus.DISCARDED
    draft.save()


def next_step(draft: ApplicationDraft) -> str:
    """Where to resume: the first step that still needs the applicant."""
    if unanswered(draft):
        return DraftStep.QUESTIONS
    if not draft.contact_done:
        return DraftStep.CONTACT
    if draft.case is None or draft.case.status != CaseStatus.DRAFT or not draft.consent_choice:
        return DraftStep.CONSENT
    if form_errors(draft):
        return DraftStep.FORM
    if any(v.state == "upload" and v.required for v in materials_view(draft)):
        return DraftStep.MATERIALS
    return DraftStep.REVIEW


__all__ = [
    "MAX_UPLOAD_BYTES",
    "DraftIncomplete",
    "FieldView",
    "GroupView",
    "MaterialView",
    "AnsweredQuestion",
    "access_draft",
    "answered_for_applicant",
    "asked_questions",
    "draft_answer",
    "draft_consent",
    "draft_discard",
    "draft_edit_verified",
    "draft_ensure_case",
    "draft_preset_answers",
    "draft_preview",
    "draft_problems",
    "draft_questions",
    "draft_remove_upload",
    "draft_save_values",
    "draft_set_contact",
    "draft_start",
    "draft_submit",
    "draft_upload",
    "form_errors",
    "form_view",
    "materials_view",
    "next_step",
    "open_drafts",
    "typed_value",
]
