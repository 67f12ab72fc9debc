"""The comprehensive window (综合窗口): a clerk serves an applicant who walks in.

    look up the applicant (ID number or USCC, checked; the name read from the register — a read recorded
      in the ledger, so the applicant sees it under "who read my data" — and shown masked)
      → choose a package and answer its questions → a draft case (channel "counter")
      → the applicant consents at the counter (recorded with the clerk as actor) → one-click prefill
      → the merged form and the paper materials scanned and uploaded → save = pre-review as a draft check
        (problems shown on the page; nothing numbered, nothing sent)
      → accept (受理回执), or the clerk issues the one-time notice (一次性告知书, numbered, SMS) and prints it
      → 一类 items decided on the spot; later, supplements handed in at the counter.

Views parse the form, call one service and render; the engine decides everything. The applicant's
identity between the look-up and the draft is kept in the session sealed (`cases.identity.seal`), never
in clear; afterwards it lives sealed in the case.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onego.accounts.models import Role
from onego.accounts.selectors import Staff, StaffSeat
from onego.applications.answers import apply_known, library_answers
from onego.applications.consent import application_consent, application_prefill
from onego.applications.materials import attachable_references
from onego.applications.values import typed_form, typed_value
from onego.cases.access import access_case_by_id, region_contains
from onego.cases.applications import DuplicateApplication, open_applications
from onego.cases.formdata import form_fields
from onego.cases.identity import mask_identifier, mask_name, seal, unseal
from onego.cases.models import Case, Channel, DeliveryMethod, OneTimeNotice, SubCase, SubCaseKind
from onego.cases.selectors import case_view, notice_context
from onego.cases.services.acceptance import case_accept, case_refuse
from onego.cases.services.decisions import subcase_decide_at_window
from onego.cases.services.submission import (
    ApplicantIn,
    ContactIn,
    MaterialIn,
    case_correct,
    case_issue_notice,
    case_submit,
    case_submit_draft,
)
from onego.cases.services.supplements import supplement_answer
from onego.cases.workflow import CaseStatus, SubCaseStatus
from onego.catalog.models import Package, Region
from onego.core import clock
from onego.core.errors import NotFound, OneGoError, ValidationFailed
from onego.core.services import working_calendar
from onego.exchange.models import ConsentDecision, ConsentStatus
from onego.exchange.services import consent_preview, identity_check
from onego.registries.gateway import Subject
from onego.workbench import selectors
from onego.workbench.delivery import deliver, delivery_state
from onego.workbench.documents import document_response
from onego.workbench.forms import (
    DeliveryForm,
    LookupForm,
    NameForm,
    ReasonForm,
    WindowDecisionForm,
    attach_error,
)
from onego.workbench.presenters import deadline_light
from onego.workbench.staff import staff_of_request, staff_required

SESSION_KEY = "workbench.counter_applicant"
BEFORE_ACCEPTANCE = (
    CaseStatus.DRAFT,
    CaseStatus.SUBMITTED,
    CaseStatus.NEEDS_CORRECTION,
    CaseStatus.PRE_REVIEWED,
)
clerk_required = staff_required(Role.CLERK)


# --- helpers ------------------------------------------------------------------------------------------------


def _stored_applicant(request: HttpRequest) -> dict[str, Any] | None:
    token = request.session.get(SESSION_KEY)
    if not token:
        return None
    try:
        value = unseal(token)
    except Exception:  # a key rotated away or a tampered session: start again
        return None
    return value if isinstance(value, dict) else None


def _applicant_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the pages show of the applicant: masked number and name, and where the name came from."""
    return {
        "kind": data["kind"],
        "kind_label": _("自然人") if data["kind"] == "person" else _("法人"),
        "id_masked": mask_identifier(data["key"], data["kind"]),
        "name_masked": mask_name(data["name"], data["kind"]) if data.get("name") else "",
        "name": data.get("name") or "",  # the clerk compares it with the papers in hand (issue 15)
        "found": bool(data.get("found")),
        "problem": data.get("problem", ""),
        "has_name": bool(data.get("name")),
    }


def _seat_for(staff: Staff, region_code: str) -> StaffSeat | None:
    seats = [s for s in staff.seats if s.role == Role.CLERK and region_contains(s.region_code, region_code)]
    return max(seats, key=lambda s: len(s.region_code.rstrip("0"))) if seats else None


def _clerk_actor(request: HttpRequest, staff: Staff, region_code: str) -> tuple[str, str]:
    """How the exchange and its ledger name the clerk at their window for `region_code`, and that
    window's department name ("" when they have no window there)."""
    seat = _seat_for(staff, region_code) if region_code else None
    who = f"user:{request.user.get_username()}"
    if seat is None:
        return who, ""
    return f"dept:{seat.department_code}/{who}", seat.department_name


def _window_actor(request: HttpRequest) -> tuple[str, str]:
    """The clerk at their nearest window, before any case (and so any region) exists: who looked the
    applicant up, and the department the applicant reads beside it."""
    staff = staff_of_request(request)
    return _clerk_actor(request, staff, selectors.default_counter_region(staff))


def _subject(case: Case) -> Subject:
    identity = unseal(case.applicant_sealed)
    return Subject(kind=case.applicant_kind, key=str(identity["identifier"]))  # type: ignore[arg-type]


def _counter_case(request: HttpRequest, case_id: Any) -> Case:
    try:
        return access_case_by_id(request.user, case_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _case_url(case: Case, anchor: str = "") -> str:
    return reverse("workbench:counter_case", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def _status_code(exc: OneGoError) -> int:
    return {"invalid": 400, "not_found": 404, "forbidden": 403}.get(exc.code, 409)


# --- look-up ------------------------------------------------------------------------------------------------


@clerk_required
def counter(request: HttpRequest) -> HttpResponse:
    """Look up an applicant by ID number or USCC (POST, so the number never appears in a URL or log)."""
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind, key = form.cleaned_data["kind"], form.cleaned_data["key"]
        actor, department = _window_actor(request)
        found = identity_check(applicant=Subject(kind=kind, key=key), actor=actor, department=department)
        request.session[SESSION_KEY] = seal(
            {"kind": kind, "key": key, "name": found.name, "found": found.found, "problem": found.problem}
        )
        return HttpResponseRedirect(reverse("workbench:counter_applicant"))
    return render(
        request,
        "workbench/counter/lookup.html",
        {"form": form, "recent": selectors.counter_cases(request.user)},
        status=400 if form.errors else 200,
    )


@clerk_required
@require_POST
def counter_clear(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return HttpResponseRedirect(reverse("workbench:counter"))


@clerk_required
def counter_applicant(request: HttpRequest) -> HttpResponse:
    """The applicant found: their cases, the name (typed when no register knows them), start a package."""
    data = _stored_applicant(request)
    if data is None:
        return HttpResponseRedirect(reverse("workbench:counter"))
    staff = staff_of_request(request)
    name_form = NameForm(request.POST or None)
    if request.method == "POST" and name_form.is_valid():
        data["name"] = name_form.cleaned_data["name"].strip()
        request.session[SESSION_KEY] = seal(data)
        return HttpResponseRedirect(reverse("workbench:counter_applicant"))
    regions = selectors.counter_regions(staff)
    region_code = request.GET.get("region") or selectors.default_counter_region(staff)
    region = next((r for r in regions if r.code == region_code), None)
    return render(
        request,
        "workbench/counter/applicant.html",
        {
            "applicant": _applicant_view(data),
            "name_form": name_form,
            "cases": selectors.applicant_cases(request.user, staff, data["kind"], data["key"]),
            "regions": regions,
            "region": region,
            "packages": selectors.packages_for_counter(region),
        },
        status=400 if name_form.errors else 200,
    )


# --- start a package ----------------------------------------------------------------------------------------


def _start_choices(request: HttpRequest, params: QueryDict) -> tuple[Package, Region]:
    staff = staff_of_request(request)
    region = next((r for r in selectors.counter_regions(staff) if r.code == params.get("region")), None)
    if region is None:
        raise Http404(_("请选择您的窗口受理范围内的地区"))
    package = next(
        (p for p in selectors.packages_for_counter(region) if p.code == params.get("package")), None
    )
    if package is None:
        raise Http404(_("该地区没有这项一件事"))
    return package, region


def _answers(package: Package, post: QueryDict) -> dict[str, Any]:
    return {
        q.ident: post.get(f"q_{q.ident}", "")
        for q in package.questions.all()
        if post.get(f"q_{q.ident}", "") != ""
    }


def _optional_items(package: Package) -> list[Any]:
    return [pi for pi in package.package_items.select_related("item").all() if pi.binding == "optional"]


@clerk_required
def counter_start(request: HttpRequest) -> HttpResponse:
    """Answer the package's questions, choose optional items, contact and delivery; create the draft."""
    data = _stored_applicant(request)
    if data is None:
        return HttpResponseRedirect(reverse("workbench:counter"))
    params = request.POST if request.method == "POST" else request.GET
    package, region = _start_choices(request, params)
    optional = _optional_items(package)
    error: OneGoError | None = None
    duplicates = open_applications(
        package_code=package.code,
        applicant_kind=data["kind"],
        identifier=data["key"],
        idempotency_key=params.get("idempotency_key", ""),
    )
    # What the e-licence library answers for this applicant is its answer, not asked (applications/answers.py):
    # shown as confirmed, and whatever is posted for it is ignored.
    known = library_answers(package_code=package.code, applicant_kind=data["kind"], identifier=data["key"])
    if request.method == "POST":
        if not data.get("name"):
            error = ValidationFailed(_("请先填写申请人姓名或名称"), field="applicant.name")
        elif duplicates and not request.POST.get("confirm_duplicate"):
            error = DuplicateApplication(duplicates[0])
        else:
            chosen = set(request.POST.getlist("optional"))
            add = [pi.item.code for pi in optional if pi.item.code in chosen and not pi.default_selected]
            drop = [pi.item.code for pi in optional if pi.item.code not in chosen and pi.default_selected]
            try:
                result = case_submit(
                    actor=request.user,
                    package_code=package.code,
                    region_code=region.code,
                    applicant=ApplicantIn(kind=data["kind"], identifier=data["key"], name=data["name"]),
                    idempotency_key=request.POST.get("idempotency_key", ""),
                    channel=Channel.COUNTER,
                    answers=apply_known(_answers(package, request.POST), known),
                    add=add,
                    drop=drop,
                    contact=ContactIn(
                        phone=request.POST.get("phone", "").strip(),
                        email=request.POST.get("email", "").strip(),
                    ),
                    delivery_method=request.POST.get("delivery_method", DeliveryMethod.ELECTRONIC),
                    draft=True,
                )
            except OneGoError as exc:
                error = exc
            else:
                messages.success(
                    request,
                    _("已建立办件 %(ref)s，请申请人当面授权后一键填表。") % {"ref": result.case.reference},
                )
                return HttpResponseRedirect(_case_url(result.case, "consent"))
    answers = request.POST if request.method == "POST" else None
    context = {
        "applicant": _applicant_view(data),
        "package": package,
        "region": region,
        "questions": [
            {
                "q": q,
                "value": _default(known[q.ident].value)
                if q.ident in known
                else answers.get(f"q_{q.ident}", "")
                if answers is not None
                else _default(q.default),
                "known": known.get(q.ident),
            }
            for q in package.questions.all()
        ],
        "optional": [
            {
                "pi": pi,
                "checked": (pi.item.code in answers.getlist("optional"))
                if answers is not None
                else pi.default_selected,
            }
            for pi in optional
        ],
        "idempotency_key": request.POST.get("idempotency_key") or f"counter-{uuid.uuid4().hex}",
        "phone": request.POST.get("phone", ""),
        "email": request.POST.get("email", ""),
        "delivery_methods": DeliveryMethod.choices,
        "delivery_method": request.POST.get("delivery_method", DeliveryMethod.ELECTRONIC),
        "error": error,
        "duplicates": duplicates,
    }
    return render(
        request, "workbench/counter/start.html", context, status=_status_code(error) if error else 200
    )


def _default(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


# --- the case at the counter --------------------------------------------------------------------------------


def _render_case(request: HttpRequest, case: Case, *, status: int = 200, **extra: Any) -> HttpResponse:
    view = case_view(case, calendar=working_calendar(), today=clock.today())
    context: dict[str, Any] = {
        "case": case,
        "view": view,
        "light": deadline_light(view.deadline),
        "before_acceptance": case.status in BEFORE_ACCEPTANCE,
        "editable": case.status in BEFORE_ACCEPTANCE,
        "timeline": view.timeline,
    }
    if case.status in BEFORE_ACCEPTANCE:
        notice = selectors.open_notice(case)
        # After "保存并预审" (or while a changed case waits for pre-review) the draft check's findings;
        # otherwise those of the notice issued.
        checked = request.GET.get("checked") == "1" or case.status == CaseStatus.SUBMITTED
        draft = selectors.draft_check(case) if checked else []
        shown = draft or (notice.problems if notice else [])
        problems = {p["field"]: p["message"] for p in shown}
        problems.update(extra.pop("problems", {}))
        prefill_state = selectors.latest_prefill(case)
        consent = selectors.latest_consent(case)
        context.update(
            notice=notice,
            draft_problems=draft,
            problems=problems,
            groups=selectors.counter_form(
                case, prefill_state, typed=extra.pop("typed", None), problems=problems
            ),
            materials=selectors.material_lines(case, problems=problems),
            consent=consent,
            consent_active=consent is not None and consent.status == ConsentStatus.ACTIVE,
            consent_declined=consent is not None and consent.decision == ConsentDecision.DECLINED,
            prefill=prefill_state,
            refuse_form=extra.pop("refuse_form", None) or ReasonForm(),
        )
        if consent is None:
            try:
                context["preview"] = consent_preview(
                    package_code=case.package_code,
                    region_code=case.region.code,
                    answers=case.answers,
                    applicant=_subject(case),
                    add=case.add,
                    drop=case.drop,
                )
            except OneGoError as exc:
                context["preview_error"] = exc.message
    else:
        window_forms = extra.pop("window_forms", {})
        context["window_items"] = [
            (s, window_forms.get(str(s.pk)) or WindowDecisionForm(prefix=f"w{s.pk}"))
            for s, _d in view.subcases
            if s.kind == SubCaseKind.ITEM
            and s.window_class == 1
            and s.status == SubCaseStatus.PENDING
            and case.accepted_at_counter
            and case.accepted_by_id == request.user.pk
        ]
        context["progress"] = selectors.progress(view)
        context["delivery"] = delivery_state(view.conclusion)
        context["delivery_form"] = extra.pop("delivery_form", None) or DeliveryForm(
            prefix="deliver", initial={"method": view.conclusion.delivery_method if view.conclusion else ""}
        )
        context["deliver_url"] = reverse("workbench:counter_deliver", args=[case.pk])
        context["document_url_name"] = "workbench:counter_document"
        if view.open_supplement is not None and case.status == CaseStatus.SUPPLEMENT:
            context["supplement_rows"] = _supplement_rows(case, view.open_supplement.items, extra)
    context.update(extra)
    return render(request, "workbench/counter/case.html", context, status=status)


def _supplement_rows(case: Case, items: list[dict[str, Any]], extra: dict[str, Any]) -> list[dict[str, Any]]:
    fields = form_fields(case.snapshot)
    lines = {m["material"]: m for m in case.snapshot.get("materials", [])}
    typed = extra.pop("supplement_typed", {})
    errors = extra.pop("supplement_errors", {})
    rows = []
    for item in items:
        target = item["target"]
        is_material = item["kind"] == "material"
        code = target.removeprefix("material:")
        spec = lines.get(code, {}) if is_material else fields.get(target, {})
        rows.append(
            {
                "item": item,
                "target": target,
                "is_material": is_material,
                "code": code,
                "type": spec.get("type", ""),
                "choices": spec.get("choices") or [],
                "accept": ",".join(f".{t}" for t in spec.get("file_types") or []),
                "value": typed.get(target, ""),
                "error": errors.get(target, ""),
            }
        )
    return rows


@clerk_required
@require_GET
def counter_case(request: HttpRequest, case_id: Any) -> HttpResponse:
    return _render_case(request, _counter_case(request, case_id))


@clerk_required
@require_POST
def counter_consent(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The applicant agrees (or not) at the counter; on agreement the exchange prefills at once."""
    case = _counter_case(request, case_id)
    if case.status not in BEFORE_ACCEPTANCE:
        messages.error(request, _("办件已受理，不能再授权或填表"))
        return HttpResponseRedirect(_case_url(case))
    action = request.POST.get("action", "")
    try:
        if action in ("grant", "decline"):
            if action == "grant" and request.POST.get("confirmed") != "yes":
                raise ValidationFailed(_("请确认申请人已阅读授权范围并当面同意"), field="confirmed")
            # The same service as the API's: bound to this case, recorded as the clerk at the window.
            consent = application_consent(user=request.user, case_id=case.pk, agree=action == "grant")
            if action == "decline":
                messages.info(request, _("申请人未授权共享，请全部手工填写、扫描上传。"))
                return HttpResponseRedirect(_case_url(case, "form"))
        else:
            consent = selectors.latest_consent(case)  # type: ignore[assignment]
            if consent is None:
                raise ValidationFailed(_("请先请申请人授权"), field="confirmed")
        outcome = application_prefill(user=request.user, case_id=case.pk, consent_id=consent.pk)
    except OneGoError as exc:
        # "No register knows the applicant" is not a missing page: the clerk types everything instead.
        status = 200 if exc.code == "not_found" else _status_code(exc)
        return _render_case(request, case, status=status, consent_error=exc.message)
    messages.success(
        request,
        _("一键填表完成：从 %(n)d 个数据源填入 %(v)d 项，核验材料 %(m)d 份；其余请手工填写、扫描上传。")
        % {
            "n": len(outcome.registries_read),
            "v": len(outcome.values),
            "m": len(outcome.materials_verified),
        },
    )
    return HttpResponseRedirect(_case_url(case, "form"))


def _posted_materials(case: Case, files: Any) -> list[MaterialIn]:
    """Scanned paper materials (checked by the one upload policy in the service), plus the exchange's
    verified references not yet on the case — the same references the portal attaches."""
    out: list[MaterialIn] = []
    given: set[str] = set()
    for line in selectors.material_lines(case):
        if line.given is not None:
            given.add(line.code)
        upload: UploadedFile[bytes] | None = files.get(f"m:{line.code}")
        if upload is not None and upload.size:
            out.append(MaterialIn(code=line.code, file=upload, filename=upload.name or line.code))
            given.add(line.code)
    return out + attachable_references(case, skip=given)


@clerk_required
@require_POST
def counter_save(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Save the merged form and the uploads, and run pre-review (the engine does it on every save)."""
    case = _counter_case(request, case_id)
    typed = typed_form(case.snapshot, request.POST, prefix="f:")
    if case.status not in BEFORE_ACCEPTANCE:
        messages.error(request, _("办件已受理，申请内容不能再修改；如需更正请按补正通知办理"))
        return HttpResponseRedirect(_case_url(case))
    materials = _posted_materials(case, request.FILES)
    try:
        # A draft check: problems are shown on the page; nothing is numbered and no SMS is sent until the
        # clerk issues the one-time notice (`counter_issue_notice`). The portal keeps the formal notice.
        if case.status == CaseStatus.DRAFT:
            case = case_submit_draft(
                actor=request.user,
                case_id=case.pk,
                form_data=typed,
                materials=materials,
                channel=Channel.COUNTER,
                formal_notice=False,
            )
        else:
            case = case_correct(
                actor=request.user,
                case_id=case.pk,
                form_data=typed,
                materials=materials,
                expected_version=_int(request.POST.get("version")),
                formal_notice=False,
            )
    except OneGoError as exc:
        problems = {exc.field: exc.message} if exc.field else {}
        lost = [str(getattr(f, "name", "")) for f in request.FILES.values()]
        return _render_case(
            request,
            _counter_case(request, case_id),
            status=_status_code(exc),
            typed=typed,
            problems=problems,
            save_error=exc.message,
            lost_files=lost,
        )
    case.refresh_from_db()
    if case.status == CaseStatus.PRE_REVIEWED:
        messages.success(request, _("预审通过：材料齐全、符合法定形式，可以受理。"))
        return HttpResponseRedirect(_case_url(case, "accept"))
    count = len(selectors.draft_check(case))
    messages.warning(
        request,
        _(
            "已保存。预审发现 %(n)d 项需补齐或更正，已在页面标出（未出具告知书、未发短信）；"
            "如申请人需回去补齐，请点击“出具一次性告知书”。"
        )
        % {"n": count},
    )
    return HttpResponseRedirect(reverse("workbench:counter_case", args=[case.pk]) + "?checked=1#prereview")


@clerk_required
@require_POST
def counter_issue_notice(request: HttpRequest, case_id: Any) -> HttpResponse:
    """出具一次性告知书: the formal, numbered notice and its SMS — only when the clerk issues it."""
    case = _counter_case(request, case_id)
    try:
        notice = case_issue_notice(actor=request.user, case_id=case.pk)
    except OneGoError as exc:
        return _render_case(
            request, _counter_case(request, case_id), status=_status_code(exc), issue_error=exc.message
        )
    messages.success(
        request,
        _("已出具一次性告知书（第 %(no)d 号），并告知申请人；请打印交申请人。") % {"no": notice.number},
    )
    return HttpResponseRedirect(_case_url(case, "prereview"))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@clerk_required
@require_POST
def counter_accept(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = _counter_case(request, case_id)
    try:
        case = case_accept(
            actor=request.user,
            case_id=case.pk,
            at_counter=True,
            expected_version=_int(request.POST.get("version")),
        )
    except OneGoError as exc:
        return _render_case(
            request, _counter_case(request, case_id), status=_status_code(exc), accept_error=exc.message
        )
    messages.success(
        request,
        _("已受理 %(ref)s，承诺办结日 %(due)s。请打印受理回执交申请人。")
        % {"ref": case.reference, "due": case.promised_due or _("待定")},
    )
    return HttpResponseRedirect(_case_url(case, "receipt"))


@clerk_required
@require_POST
def counter_refuse(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = _counter_case(request, case_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            case_refuse(actor=request.user, case_id=case.pk, reason=form.cleaned_data["reason"])
        except OneGoError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已作出不予受理决定，并书面告知申请人理由。"))
            return HttpResponseRedirect(_case_url(case))
    return _render_case(request, _counter_case(request, case_id), status=400, refuse_form=form)


@clerk_required
@require_POST
def counter_window_decide(request: HttpRequest, subcase_id: Any) -> HttpResponse:
    """一类: the clerk who accepted the case decides the item at the window."""
    key = _uuid(subcase_id)
    case_id = SubCase.objects.filter(pk=key).values_list("case_id", flat=True).first() if key else None
    if case_id is None:
        raise Http404(_("没有找到该子件"))
    case = _counter_case(request, case_id)
    form = WindowDecisionForm(request.POST, prefix=f"w{subcase_id}")
    if form.is_valid():
        try:
            subcase_decide_at_window(
                actor=request.user,
                subcase_id=subcase_id,
                approve=form.cleaned_data["decision"] == "approve",
                opinion=form.cleaned_data["opinion"],
            )
        except OneGoError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已当场办结该事项。"))
            return HttpResponseRedirect(_case_url(case, "window"))
    return _render_case(request, case, status=400, window_forms={str(subcase_id): form})


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@clerk_required
@require_POST
def counter_supplement(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The applicant hands the supplement in at the counter; the clerk records every item at once."""
    case = _counter_case(request, case_id)
    view = case_view(case, calendar=working_calendar(), today=clock.today())
    supplement = view.open_supplement
    if supplement is None or case.status != CaseStatus.SUPPLEMENT:
        messages.error(request, _("该办件没有待补正的内容"))
        return HttpResponseRedirect(_case_url(case))
    fields = form_fields(case.snapshot)
    typed: dict[str, Any] = {}
    materials: list[MaterialIn] = []
    for item in supplement.items:
        target = item["target"]
        if item["kind"] == "material":
            code = target.removeprefix("material:")
            upload = request.FILES.get(f"s:{target}")
            if upload is not None and upload.size:
                materials.append(MaterialIn(code=code, file=upload, filename=upload.name or code))
        elif item["kind"] == "field":
            raw = request.POST.get(f"s:{target}")
            if raw is not None and raw.strip() != "":
                typed[target] = typed_value(fields.get(target, {}).get("type", ""), raw)
    try:
        supplement_answer(
            actor=request.user,
            case_id=case.pk,
            form_data=typed,
            materials=materials,
            expected_version=_int(request.POST.get("version")),
        )
    except OneGoError as exc:
        errors = {exc.field: exc.message} if exc.field else {}
        return _render_case(
            request,
            _counter_case(request, case_id),
            status=_status_code(exc),
            supplement_typed={k: str(v) for k, v in typed.items()},
            supplement_errors=errors,
            supplement_error=exc.message,
        )
    messages.success(request, _("已补正，各部门恢复计时继续办理。"))
    return HttpResponseRedirect(_case_url(case))


@clerk_required
@require_POST
def counter_deliver(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The applicant collects the results at the window (or they are posted from it)."""
    case = _counter_case(request, case_id)
    form = DeliveryForm(request.POST, prefix="deliver")
    outcome = deliver(request, case, form)
    if outcome is None:
        return HttpResponseRedirect(_case_url(case, "delivery"))
    status, conflict = outcome
    return _render_case(
        request, _counter_case(request, case_id), status=status, delivery_form=form, delivery_error=conflict
    )


@clerk_required
@require_GET
def counter_document(request: HttpRequest, case_id: Any, which: str) -> HttpResponseBase:
    return document_response(_counter_case(request, case_id), which)


# --- printable ----------------------------------------------------------------------------------------------


@clerk_required
@require_GET
def counter_receipt(request: HttpRequest, case_id: Any) -> HttpResponse:
    """受理回执: the case number, the items and their departments, the promised date, the first handlers."""
    case = _counter_case(request, case_id)
    if case.accepted_at is None:
        raise Http404(_("办件尚未受理，没有受理回执"))
    view = case_view(case, calendar=working_calendar(), today=clock.today())
    return render(
        request,
        "workbench/print/receipt.html",
        {
            "case": case,
            "view": view,
            "items": [(s, d) for s, d in view.subcases if s.kind == SubCaseKind.ITEM],
            "partners": [s for s, _d in view.subcases if s.kind == SubCaseKind.PARTNER],
            "clerk": case.accepted_by.get_full_name() or case.accepted_by.get_username()
            if case.accepted_by
            else "",
        },
    )


@clerk_required
@require_GET
def counter_notice(request: HttpRequest, case_id: Any, number: int) -> HttpResponse:
    """一次性告知书: everything missing or wrong, printable, from the notice the engine stored."""
    case = _counter_case(request, case_id)
    notice = OneTimeNotice.objects.filter(case=case, number=number).first()
    if notice is None:
        raise Http404(_("没有找到该告知书"))
    context = notice_context(notice)
    seat = _seat_for(staff_of_request(request), case.region.code)
    if case.accepting_department is None and seat is not None:
        context["issuer"] = seat.department_name  # the window that pre-reviewed it
    names = {code: f["name"] for code, f in form_fields(case.snapshot).items()}
    names.update({f"material:{m['material']}": m["name"] for m in case.snapshot.get("materials", [])})
    context["rows"] = [{**p, "name": names.get(p["field"], "")} for p in notice.problems]
    context["fields_missing"] = [r for r in context["rows"] if not r["field"].startswith("material:")]
    context["materials_missing"] = [r for r in context["rows"] if r["field"].startswith("material:")]
    return render(request, "workbench/print/notice.html", context)
