"""The guided path: from a package guide's 开始办理 to one submission. Views parse, call one service, render.

Every step is a plain form (GET shows it, POST saves it and moves on), so the path works without
JavaScript; with htmx, each field of the merged form is saved and checked as soon as it changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from onego.applications import drafts
from onego.applications.models import ApplicationDraft, ConsentChoice, DraftStep
from onego.cases.applications import open_applications
from onego.catalog import models as cm
from onego.catalog.selectors import is_offered, package_by_code, region_by_code
from onego.core.errors import NotFound, OneGoError
from onego.portal.applicant import applicant_required
from onego.portal.presenters import form_notes
from onego.signin.session import SignedIn

STEPS = [
    (DraftStep.QUESTIONS, "情形问题"),
    (DraftStep.CONTACT, "联系方式"),
    (DraftStep.CONSENT, "授权共享"),
    (DraftStep.FORM, "填写表单"),
    (DraftStep.MATERIALS, "上传材料"),
    (DraftStep.REVIEW, "核对提交"),
]


def _not_found(request: HttpRequest, what: str = "") -> HttpResponse:
    return render(request, "portal/not_found.html", {"what": what}, status=404)


def _draft(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> ApplicationDraft:
    draft = drafts.access_draft(user=request.user, signed_in=signed_in, draft_id=draft_id)
    if draft.status != "open":
        raise NotFound("没有找到该申请草稿", field="draft")
    return draft


def _step_url(draft: ApplicationDraft, step: str) -> str:
    if step == DraftStep.QUESTIONS:
        missing = drafts.unanswered(draft)
        questions = drafts.asked_questions(draft)
        n = questions.index(missing[0]) + 1 if missing else 1
        return reverse("portal:apply_question", args=[draft.pk, n])
    name = {
        DraftStep.CONTACT: "portal:apply_contact",
        DraftStep.CONSENT: "portal:apply_consent",
        DraftStep.FORM: "portal:apply_form",
        DraftStep.MATERIALS: "portal:apply_materials",
        DraftStep.REVIEW: "portal:apply_review",
    }[DraftStep(step)]
    return reverse(name, args=[draft.pk])


def _context(draft: ApplicationDraft, signed_in: SignedIn, current: str, **extra: Any) -> dict[str, Any]:
    order = [s for s, _label in STEPS]
    reached = order.index(DraftStep(drafts.next_step(draft)))
    return {
        "draft": draft,
        "signed_in": signed_in,
        "steps": [
            {"step": s, "label": label, "current": s == current, "done": i < reached and s != current}
            for i, (s, label) in enumerate(STEPS)
        ],
        "current": current,
        "answered": drafts.answered_for_applicant(draft),  # shown as answered by the registry, not asked
        **extra,
    }


def _county_choices(region: cm.Region) -> list[cm.Region]:
    if region.level == "county":
        parent = region.parent
        return list(parent.children.filter(level="county").order_by("code")) if parent else [region]
    if region.level == "city":
        return list(region.children.filter(level="county").order_by("code"))
    return list(cm.Region.objects.filter(level="county", code__startswith=region.code[:2]).order_by("code"))


@applicant_required
@require_http_methods(["GET", "POST"])
def apply_start(request: HttpRequest, signed_in: SignedIn, code: str) -> HttpResponse:
    try:
        package = package_by_code(code)
    except NotFound:
        return _not_found(request, code)
    chosen = request.POST.get("region") or request.GET.get("region") or request.session.get("region") or ""
    error: OneGoError | None = None
    if request.method == "POST":
        try:
            draft = drafts.draft_start(
                user=request.user, signed_in=signed_in, package_code=package.code, region_code=chosen
            )
        except OneGoError as exc:
            error = exc
        else:
            return HttpResponseRedirect(reverse("portal:apply_resume", args=[draft.pk]))
    try:
        region = region_by_code(chosen)
    except NotFound:
        region = cm.Region.objects.filter(level="province").order_by("code").first()  # type: ignore[assignment]
    regions = [r for r in _county_choices(region) if is_offered(package, r)] if region else []
    existing = (
        drafts.open_drafts(user=request.user, signed_in=signed_in).filter(package_code=package.code).first()
    )
    # Open applications for the same subject made elsewhere (the counter, the API, an earlier draft).
    others = [
        o
        for o in open_applications(
            package_code=package.code,
            applicant_kind=signed_in.acting.kind,
            identifier=signed_in.acting.applicant().identifier,
        )
        if existing is None or o.case_id != existing.case_id
    ]
    return render(
        request,
        "portal/apply/start.html",
        {
            "package": package,
            "signed_in": signed_in,
            "regions": regions,
            "chosen": chosen,
            "error": error,
            "existing": existing,
            "others": others,
        },
        status=400 if error else 200,
    )


@applicant_required
def apply_resume(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    draft = drafts.draft_preset_answers(draft=draft, signed_in=signed_in)
    return HttpResponseRedirect(_step_url(draft, drafts.next_step(draft)))


@applicant_required
@require_http_methods(["GET", "POST"])
def apply_question(request: HttpRequest, signed_in: SignedIn, draft_id: Any, n: int) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    # Questions the e-licence library answers for this applicant are answered by it, not asked.
    draft = drafts.draft_preset_answers(draft=draft, signed_in=signed_in)
    questions = drafts.asked_questions(draft)
    if not questions:
        return HttpResponseRedirect(reverse("portal:apply_contact", args=[draft.pk]))
    if not 1 <= n <= len(questions):
        return _not_found(request)
    question = questions[n - 1]
    # No answer is chosen in advance (not even the package's default): the applicant says what applies.
    value = draft.answers.get(question.ident)
    error: OneGoError | None = None
    if request.method == "POST":
        raw = request.POST.get("answer", "")
        try:
            drafts.draft_answer(draft=draft, ident=question.ident, raw=raw)
        except OneGoError as exc:
            error, value = exc, raw
        else:
            if n < len(questions):
                return HttpResponseRedirect(reverse("portal:apply_question", args=[draft.pk, n + 1]))
            return HttpResponseRedirect(reverse("portal:apply_contact", args=[draft.pk]))
    shown = "true" if value is True else "false" if value is False else ("" if value is None else str(value))
    return render(
        request,
        "portal/apply/question.html",
        _context(
            draft,
            signed_in,
            DraftStep.QUESTIONS,
            question=question,
            n=n,
            total=len(questions),
            value=shown,
            error=error,
            back=reverse("portal:apply_question", args=[draft.pk, n - 1]) if n > 1 else None,
        ),
        status=400 if error else 200,
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def apply_contact(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    contact = drafts.draft_contact(draft)
    values = {
        "phone": contact.get("phone", ""),
        "email": contact.get("email", ""),
        "delivery_method": draft.delivery_method,
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip()[:200] for k in values}
        errors = drafts.draft_set_contact(
            draft=draft,
            phone=values["phone"],
            email=values["email"],
            delivery_method=values["delivery_method"],
        )
        if not errors:
            return HttpResponseRedirect(reverse("portal:apply_consent", args=[draft.pk]))
    questions = drafts.asked_questions(draft)
    return render(
        request,
        "portal/apply/contact.html",
        _context(
            draft,
            signed_in,
            DraftStep.CONTACT,
            values=values,
            errors=errors,
            delivery_choices=[
                ("electronic", _("电子送达")),
                ("pickup", _("窗口领取")),
                ("post", _("邮政寄递")),
            ],
            back=reverse("portal:apply_question", args=[draft.pk, len(questions)]) if questions else None,
        ),
        status=400 if errors else 200,
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def apply_consent(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    if drafts.unanswered(draft) or not draft.contact_done:
        return HttpResponseRedirect(_step_url(draft, drafts.next_step(draft)))
    error: OneGoError | None = None
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in ("agree", "decline"):
            error = OneGoError(_("请选择“同意并一键填表”或“不同意，自行填写”"), field="decision")
        else:
            try:
                draft = drafts.draft_consent(draft=draft, signed_in=signed_in, agree=decision == "agree")
            except OneGoError as exc:
                error = exc
            else:
                if draft.prefill_note:
                    messages.warning(request, draft.prefill_note)
                return HttpResponseRedirect(reverse("portal:apply_form", args=[draft.pk]))
    try:
        drafts.draft_ensure_case(draft=draft, signed_in=signed_in)
        draft.refresh_from_db()
        preview = drafts.draft_preview(draft=draft, signed_in=signed_in)
    except OneGoError as exc:
        return render(
            request,
            "portal/apply/consent.html",
            _context(draft, signed_in, DraftStep.CONSENT, error=exc, preview=None),
            status=400,
        )
    return render(
        request,
        "portal/apply/consent.html",
        _context(
            draft,
            signed_in,
            DraftStep.CONSENT,
            preview=preview,
            error=error,
            chosen=draft.consent_choice,
            back=reverse("portal:apply_contact", args=[draft.pk]),
        ),
        status=400 if error else 200,
    )


def _form_context(
    draft: ApplicationDraft, signed_in: SignedIn, errors: dict[str, str], typed: dict[str, str] | None = None
) -> dict[str, Any]:
    groups = drafts.form_view(draft, typed=typed)  # what was just posted, shown back exactly as typed
    names = {f.element: f.name for g in groups for f in g.fields}
    fields = [f for g in groups for f in g.fields]
    return _context(
        draft,
        signed_in,
        DraftStep.FORM,
        groups=groups,
        notes=form_notes({f.element: f.manual_reason for f in fields if not f.locked}),
        errors=errors,
        error_list=[(f"f-{el.replace('.', '__')}", names.get(el, el), msg) for el, msg in errors.items()],
        declined=draft.consent_choice == ConsentChoice.DECLINED,
        back=reverse("portal:apply_consent", args=[draft.pk]),
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def apply_form(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    if draft.case is None or not draft.consent_choice:
        return HttpResponseRedirect(_step_url(draft, drafts.next_step(draft)))
    errors: dict[str, str] = {}
    typed: dict[str, str] | None = None
    if request.method == "POST":
        typed = {
            k: request.POST.get(k, "") for k in request.POST if k not in ("csrfmiddlewaretoken", "action")
        }
        errors = drafts.draft_save_values(draft=draft, given=typed)
        action = request.POST.get("action", "")
        if action.startswith("edit:"):  # change a registry's value: it stops being verified, visibly
            drafts.draft_edit_verified(draft=draft, element=action.removeprefix("edit:"))
            return HttpResponseRedirect(reverse("portal:apply_form", args=[draft.pk]))
        draft.refresh_from_db()
        if request.POST.get("action") == "save":
            messages.success(request, _("已保存草稿，可稍后在“我的办件”中继续办理"))
            return HttpResponseRedirect(reverse("portal:apply_form", args=[draft.pk]))
        if not errors:
            return HttpResponseRedirect(reverse("portal:apply_materials", args=[draft.pk]))
    return render(
        request,
        "portal/apply/form.html",
        _form_context(draft, signed_in, errors, typed),
        status=400 if errors else 200,
    )


@applicant_required
@require_POST
def apply_field(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    """htmx: save one field as soon as it changes and say whether it is right (a partial)."""
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    element = request.POST.get("element", "")
    value = request.POST.get(element, "")
    try:
        errors = drafts.draft_save_values(draft=draft, given={element: value}, only_given=True)
    except OneGoError as exc:
        errors = {element: exc.message}
    return render(
        request,
        "portal/apply/_field_status.html",
        {"element": element, "error": errors.get(element), "saved": True},
    )


@applicant_required
@require_http_methods(["GET"])
def apply_materials(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    if draft.case is None or not draft.consent_choice:
        return HttpResponseRedirect(_step_url(draft, drafts.next_step(draft)))
    return _render_materials(request, draft, signed_in)


def _render_materials(
    request: HttpRequest, draft: ApplicationDraft, signed_in: SignedIn, error: OneGoError | None = None
) -> HttpResponse:
    lines = drafts.materials_view(draft)
    return render(
        request,
        "portal/apply/materials.html",
        _context(
            draft,
            signed_in,
            DraftStep.MATERIALS,
            to_upload=[m for m in lines if m.state in ("upload", "uploaded")],
            not_needed=[m for m in lines if m.state in ("verified", "produced")],
            error=error,
            max_mb=drafts.MAX_UPLOAD_BYTES // 1024 // 1024,
            back=reverse("portal:apply_form", args=[draft.pk]),
        ),
        status=400 if error else 200,
    )


@applicant_required
@require_POST
def apply_upload(request: HttpRequest, signed_in: SignedIn, draft_id: Any, material: str) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise OneGoError(_("请选择要上传的文件"), field=f"material:{material}")
        row = drafts.draft_upload(draft=draft, material=material, upload=upload)
    except OneGoError as exc:
        return _render_materials(request, draft, signed_in, error=exc)
    messages.success(request, _("已上传：%(name)s（%(file)s）") % {"name": row.name, "file": row.filename})
    return HttpResponseRedirect(reverse("portal:apply_materials", args=[draft.pk]) + f"#m-{material}")


@applicant_required
@require_POST
def apply_remove_upload(
    request: HttpRequest, signed_in: SignedIn, draft_id: Any, material: str
) -> HttpResponse:
    try:
        draft = _draft(request, signed_in, draft_id)
    except NotFound:
        return _not_found(request)
    drafts.draft_remove_upload(draft=draft, material=material)
    return HttpResponseRedirect(reverse("portal:apply_materials", args=[draft.pk]) + f"#m-{material}")


def _problem_link(draft: ApplicationDraft, field: str) -> str:
    if field.startswith("material:"):
        return reverse("portal:apply_materials", args=[draft.pk]) + f"#m-{field.removeprefix('material:')}"
    if field == "consent":
        return reverse("portal:apply_consent", args=[draft.pk])
    return reverse("portal:apply_form", args=[draft.pk]) + f"#f-{field.replace('.', '__')}"


@applicant_required
@require_http_methods(["GET", "POST"])
def apply_review(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    try:
        draft = drafts.access_draft(user=request.user, signed_in=signed_in, draft_id=draft_id)
    except NotFound:
        return _not_found(request)
    error: OneGoError | None = None
    if request.method == "POST":
        try:
            case = drafts.draft_submit(user=request.user, signed_in=signed_in, draft_id=draft.pk)
        except OneGoError as exc:
            error = exc
            draft.refresh_from_db()
        else:
            # The confirmation page says what happens next (portal.views_me.my_case_submitted).
            return HttpResponseRedirect(reverse("portal:my_case_submitted", args=[case.pk]))
    if draft.status == "submitted" and draft.case_id:
        return HttpResponseRedirect(reverse("portal:my_case", args=[draft.case_id]))
    if draft.status != "open":
        return _not_found(request)
    if draft.case is None or not draft.consent_choice:
        return HttpResponseRedirect(_step_url(draft, drafts.next_step(draft)))
    problems = drafts.draft_problems(draft)
    questions = drafts.asked_questions(draft)  # those the library answered are listed as answered by it
    answers = []
    for q in questions:
        value = draft.answers.get(q.ident)
        answers.append((q, _("是") if value is True else _("否") if value is False else value))
    return render(
        request,
        "portal/apply/review.html",
        _context(
            draft,
            signed_in,
            DraftStep.REVIEW,
            answers=answers,
            contact=drafts.draft_contact(draft),
            groups=drafts.form_view(draft),
            materials=drafts.materials_view(draft),
            problems=[(p, _problem_link(draft, p.field)) for p in problems],
            error=error,
            back=reverse("portal:apply_materials", args=[draft.pk]),
        ),
        status=400 if error else 200,
    )


@applicant_required
@require_POST
def apply_discard(request: HttpRequest, signed_in: SignedIn, draft_id: Any) -> HttpResponse:
    try:
        drafts.draft_discard(user=request.user, signed_in=signed_in, draft_id=draft_id)
    except NotFound:
        return _not_found(request)
    messages.success(request, _("已放弃该申请草稿"))
    return HttpResponseRedirect(reverse("portal:my_cases"))
