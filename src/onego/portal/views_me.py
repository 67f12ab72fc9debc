"""我的办件: the applicant's cases, one case with its timeline, supplements answered in place, the
conclusion, and "谁查看了我的数据". Every case is reached through `access_case_for_applicant`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onego.applications import corrections
from onego.applications.drafts import open_drafts
from onego.applications.models import ApplicationDraft
from onego.cases.access import access_case_for_applicant
from onego.cases.models import Case
from onego.cases.selectors import (
    applicant_shown,
    case_view,
    cases_of_applicant,
    deadline_view,
    listed_for_applicant,
    messages_of_applicant,
)
from onego.cases.services.linking import case_link_applicant, may_take_online
from onego.cases.services.next_steps import case_outlook
from onego.cases.services.notify import case_contact
from onego.cases.services.submission import MaterialIn, case_correct
from onego.cases.services.supplements import supplement_answer
from onego.cases.workflow import SUBCASE_ACTIVE, SUBCASE_PAUSED, CaseStatus, actor_label
from onego.core import clock
from onego.core.errors import NotFound, OneGoError
from onego.core.services import working_calendar
from onego.exchange.selectors import reads_for_subject
from onego.outreach.selectors import offers_for
from onego.portal.applicant import applicant_required
from onego.portal.timeline import applicant_steps
from onego.signin.session import SignedIn
from onego.standards.proposals import notices_for

RUNNING = (CaseStatus.IN_PROGRESS, CaseStatus.SUPPLEMENT)


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_found.html", {"what": ""}, status=404)


@applicant_required
@require_GET
def my_cases(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    calendar, today = working_calendar(), clock.today()
    rows = []
    for case in cases_of_applicant(signed_in.acting.index):
        if not listed_for_applicant(case):
            continue
        running = case.status in RUNNING
        rows.append(
            (
                case,
                deadline_view(
                    calendar, today, case, running=running, paused=running and case.promised_due is None
                ),
            )
        )
    return render(
        request,
        "portal/me/cases.html",
        {"signed_in": signed_in, "rows": rows, "drafts": open_drafts(user=request.user, signed_in=signed_in)},
    )


def _case_page(
    request: HttpRequest,
    signed_in: SignedIn,
    case: Case,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    form_error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = case_view(case, calendar=working_calendar(), today=clock.today())
    notice, notice_requests = corrections.open_notice_requests(case)
    supplement_requests = corrections.open_supplement_requests(case)
    handlers = [
        {
            "subcase": s,
            "deadline": d,
            "handler": actor_label(s.assignee, fallback="") if s.assignee_id else "",
            "active": s.status in SUBCASE_ACTIVE,
            "paused": s.status in SUBCASE_PAUSED,
        }
        for s, d in view.subcases
    ]
    draft = (
        ApplicationDraft.objects.filter(
            case=case, subject_index=signed_in.acting.index, status="open"
        ).first()
        if case.status == CaseStatus.DRAFT
        else None
    )
    return render(
        request,
        "portal/me/case.html",
        {
            "signed_in": signed_in,
            "view": view,
            "case": case,
            "handlers": handlers,
            # The applicant's own page: their name in full (others see it masked).
            "applicant": applicant_shown(case, full=True),
            "accepted_by": actor_label(case.accepted_by, fallback="") if case.accepted_by_id else "",
            "supplement_requests": supplement_requests,
            # A supplement: the applicant's online case, or a counter case of theirs that no online user
            # holds yet (linked to them when they answer, `portal.links`). The one-time notice comes
            # before acceptance, while a counter case is still being put together at the window.
            "can_answer": may_take_online(case, request.user),
            "can_correct": case.applicant_user_id is not None and case.applicant_user_id == request.user.pk,
            "has_files": any(r.kind == "material" for r in [*supplement_requests, *notice_requests]),
            "notice": notice,
            "notice_requests": notice_requests,
            "errors": errors or {},
            "typed": typed or {},
            "form_error": form_error,
            "steps": applicant_steps(
                view.timeline,
                {sc.name: sc.department.name for sc, _d in view.subcases if sc.department is not None},
            ),
            "draft": draft,
            "conclusion": view.conclusion if view.conclusion and view.conclusion.issued_at else None,
        },
        status=status,
    )


def _applicant_case(signed_in: SignedIn, case_id: Any) -> Case:
    return access_case_for_applicant(signed_in.acting.index, case_id)


@applicant_required
@require_GET
def my_case(request: HttpRequest, signed_in: SignedIn, case_id: Any) -> HttpResponse:
    try:
        case = _applicant_case(signed_in, case_id)
    except NotFound:
        return _not_found(request)
    return _case_page(request, signed_in, case)


@applicant_required
@require_GET
def my_case_submitted(request: HttpRequest, signed_in: SignedIn, case_id: Any) -> HttpResponse:
    """The page after submitting: what happens next, who decides, by when; and how we will tell them."""
    try:
        case = _applicant_case(signed_in, case_id)
    except NotFound:
        return _not_found(request)
    if case.status == CaseStatus.DRAFT:
        return HttpResponseRedirect(reverse("portal:my_case", args=[case.pk]))
    phone = case_contact(case).get("phone", "")
    return render(
        request,
        "portal/me/submitted.html",
        {
            "signed_in": signed_in,
            "case": case,
            "outlook": case_outlook(case, calendar=working_calendar()),
            "phone_tail": phone[-4:],
            "needs_correction": case.status == CaseStatus.NEEDS_CORRECTION,
        },
    )


def _answer(request: HttpRequest, signed_in: SignedIn, case_id: Any, *, which: str) -> HttpResponse:
    try:
        case = _applicant_case(signed_in, case_id)
    except NotFound:
        return _not_found(request)
    if which == "supplement":
        requests = corrections.open_supplement_requests(case)
    else:
        requests = corrections.open_notice_requests(case)[1]
    if not requests:
        messages.info(request, _("该办件目前没有需要补正的内容"))
        return HttpResponseRedirect(reverse("portal:my_case", args=[case.pk]))
    if which == "supplement" and not may_take_online(case, request.user):
        messages.info(request, _("该办件由其他账号在线办理，请到任一综合窗口补正"))
        return HttpResponseRedirect(reverse("portal:my_case", args=[case.pk]))
    typed = {r.target: request.POST.get(r.target, "").strip()[:1000] for r in requests if r.kind == "field"}
    form_data = corrections.parse_answers(requests, typed)
    uploads: dict[str, UploadedFile[Any]] = {}
    for r in requests:
        if r.kind == "material" and (f := request.FILES.get(r.target)) is not None:
            uploads[r.code] = f
    files = {code: (f.name or "", f.size or 0) for code, f in uploads.items()}
    errors = corrections.answer_problems(case, requests, form_data, files)
    if not errors:
        materials = [MaterialIn(code=code, file=f, filename=f.name or "") for code, f in uploads.items()]
        try:
            if which == "supplement":
                # One transaction: a counter case is linked to the signed-in applicant only if the answer
                # is taken.
                with transaction.atomic():
                    case_link_applicant(
                        case_id=case.pk, applicant_index=signed_in.acting.index, user=request.user
                    )
                    supplement_answer(
                        actor=request.user, case_id=case.pk, form_data=form_data, materials=materials
                    )
            else:
                case_correct(actor=request.user, case_id=case.pk, form_data=form_data, materials=materials)
        except OneGoError as exc:
            if exc.field and exc.field in {r.target for r in requests}:
                errors = {exc.field: exc.message}
            else:
                return _case_page(request, signed_in, case, typed=typed, form_error=exc.message, status=400)
        else:
            messages.success(
                request, _("已提交补正，办理计时继续") if which == "supplement" else _("已补齐并重新提交")
            )
            return HttpResponseRedirect(reverse("portal:my_case", args=[case.pk]))
    return _case_page(request, signed_in, case, errors=errors, typed=typed, status=400)


@applicant_required
@require_POST
def my_case_supplement(request: HttpRequest, signed_in: SignedIn, case_id: Any) -> HttpResponse:
    return _answer(request, signed_in, case_id, which="supplement")


@applicant_required
@require_POST
def my_case_correct(request: HttpRequest, signed_in: SignedIn, case_id: Any) -> HttpResponse:
    return _answer(request, signed_in, case_id, which="notice")


def _actor_words(actor: str) -> str:
    if actor.startswith("platform:signin"):
        return _("政务服务平台（登录身份核验）")
    if actor.startswith("applicant:"):
        return (
            _("您本人（授权后一键填表）") if "/legal_rep:" not in actor else _("法定代表人（授权后一键填表）")
        )
    if actor.startswith("dept:") and "/user:" in actor:
        # A member of staff (e.g. the window clerk who checked your identity): named by their account;
        # the department is shown beside it from the entry.
        return _("工作人员（账号 %(user)s）") % {"user": actor.partition("/user:")[2]}
    return actor


@applicant_required
@require_GET
def my_data_reads(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    reads = list(reversed(reads_for_subject(signed_in.acting.subject)))
    mine = {str(c.pk): c for c in cases_of_applicant(signed_in.acting.index)}
    rows = [{"read": r, "who": _actor_words(r.actor), "case": mine.get(r.case_ref)} for r in reads]
    return render(request, "portal/me/data_reads.html", {"signed_in": signed_in, "rows": rows})


@applicant_required
@require_GET
def my_messages(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    """消息中心: every SMS and e-mail sent about the applicant's cases, readable on the site too."""
    return render(
        request,
        "portal/me/messages.html",
        {
            "signed_in": signed_in,
            "messages_sent": messages_of_applicant(signed_in.acting.index),
            "offers": list(offers_for(signed_in.person.index, limit=20)),  # 服务找人 (onego.outreach)
            # replies to the person's proposals for new packages (onego.standards)
            "proposal_notices": notices_for(signed_in.person.index),
        },
    )
