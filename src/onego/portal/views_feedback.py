"""好差评 on the applicant web: rating one's own case (一事一评), the window's rating page reached by
its short code (一次一评, no sign-in: the code is the key), and the public satisfaction page.

Thin: parse the form, call `evaluation_submit` / `evaluation_submit_by_invitation`, render. The
channel is fixed here (web or counter), never taken from the form.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onego.cases.access import access_case_for_applicant
from onego.cases.models import Case
from onego.core import clock
from onego.core.errors import NotFound, OneGoError
from onego.core.uploads import attachment_response
from onego.feedback import rules, selectors
from onego.feedback.models import Rectification
from onego.feedback.rules import Channel
from onego.feedback.services import (
    DepartmentRatingIn,
    RatingIn,
    case_departments,
    evaluation_submit,
    evaluation_submit_by_invitation,
    invitation_case,
)
from onego.portal.applicant import applicant_required
from onego.signin.session import SignedIn

LEVELS = [(int(lv), lv.label) for lv in sorted(rules.Level, reverse=True)]


def rating_from_post(data: QueryDict, department_codes: list[str]) -> RatingIn:
    """The form as the service's input (the service checks every value)."""
    parts = [
        DepartmentRatingIn(
            department=code,
            level=int(str(data.get(f"dep-{code}-level", "")))
            if str(data.get(f"dep-{code}-level", "")).isdigit()
            else -1,
            comment=data.get(f"dep-{code}-comment", ""),
        )
        for code in department_codes
        if data.get(f"dep-{code}-level")
    ]
    return RatingIn(
        level=data.get("level", ""),  # type: ignore[arg-type]  # checked by the service
        tags=data.getlist("tags"),
        comment=data.get("comment", ""),
        departments=parts,
    )


def _form_context(case: Case, channel: str, data: QueryDict | None, evaluation: Any) -> dict[str, Any]:
    departments = case_departments(case)
    given = {d.department.code: d for d in evaluation.departments.all()} if evaluation else {}
    return {
        "levels": LEVELS,
        "tags": rules.tags_for(channel),
        "departments": departments,
        "typed": data,
        "evaluation": evaluation,
        "given": given,
        "comment_max": rules.COMMENT_MAX,
    }


def _error_target(exc: OneGoError, codes: list[str]) -> str:
    field = exc.field or ""
    if field.startswith("departments["):
        index = int(field[len("departments[") : field.index("]")])
        part = field.split(".", 1)[1] if "." in field else "level"
        return f"dep-{codes[index]}-{part}" if index < len(codes) else "level"
    return field if field in ("level", "tags", "comment") else "level"


@applicant_required
@require_http_methods(["GET", "POST"])
def evaluate(request: HttpRequest, signed_in: SignedIn, case_id: Any) -> HttpResponse:
    try:
        case = access_case_for_applicant(signed_in.acting.index, case_id)
    except NotFound:
        return render(request, "portal/not_found.html", {"what": ""}, status=404)
    evaluation = selectors.evaluation_of_case(case.pk)
    occasion = rules.rating_occasion(case.status, case.promised_due, clock.today())
    error: tuple[str, str] | None = None
    if request.method == "POST":
        codes = [d.code for d in case_departments(case)]
        rated = [c for c in codes if request.POST.get(f"dep-{c}-level")]
        try:
            evaluation_submit(
                case_id=case.pk,
                rater_index=signed_in.acting.index,
                channel=Channel.WEB,
                rating=rating_from_post(request.POST, codes),
            )
        except OneGoError as exc:
            error = (_error_target(exc, rated), exc.message)
        else:
            messages.success(request, _("感谢您的评价。差评会转交责任部门限期整改并回访您。"))
            return HttpResponseRedirect(reverse("portal:my_case", args=[case.pk]))
    context = _form_context(case, Channel.WEB, request.POST if error else None, evaluation)
    context.update(
        {
            "signed_in": signed_in,
            "case": case,
            "occasion": rules.OCCASION_LABELS.get(
                occasion or (evaluation.occasion if evaluation else ""), ""
            ),
            "may_rate": occasion is not None or evaluation is not None,
            "amend_days": settings.ONEGO_FEEDBACK_AMEND_DAYS,
            "error": error,
            "rectifications": list(case.rectifications.select_related("department")) if evaluation else [],
        }
    )
    return render(request, "portal/feedback/evaluate.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def rate_at_window(request: HttpRequest, code: str) -> HttpResponse:
    """The page behind the window's QR code / short link: rate this visit, no sign-in."""
    try:
        invitation = invitation_case(code)
    except NotFound as exc:
        return render(request, "portal/feedback/window_done.html", {"problem": exc.message}, status=404)
    case = invitation.case
    error: tuple[str, str] | None = None
    if request.method == "POST":
        codes = [d.code for d in case_departments(case)]
        rated = [c for c in codes if request.POST.get(f"dep-{c}-level")]
        try:
            evaluation_submit_by_invitation(code=code, rating=rating_from_post(request.POST, codes))
        except OneGoError as exc:
            error = (_error_target(exc, rated), exc.message)
        else:
            return render(request, "portal/feedback/window_done.html", {"problem": ""})
    context = _form_context(case, Channel.COUNTER, request.POST if error else None, None)
    context.update({"case": case, "code": code, "error": error})
    return render(request, "portal/feedback/window.html", context, status=400 if error else 200)


def public_satisfaction(request: HttpRequest) -> HttpResponse:
    """好差评 公示: aggregates only, by department and by package; no case, no person."""
    return render(
        request,
        "portal/feedback/public.html",
        {
            "by_department": selectors.satisfaction(by="department"),
            "by_package": selectors.satisfaction(by="package"),
            "by_channel": selectors.satisfaction(by="channel"),
            "figures": selectors.rectification_figures(Rectification.objects.all()),
        },
    )


# --- 办不成事: the applicant reports a matter that could not be done, and follows the replies -----------


@applicant_required
@require_http_methods(["GET", "POST"])
def my_reports(request: HttpRequest, signed_in: SignedIn) -> HttpResponse:
    """我的反映: the form (办不成事 or an event for several departments) and the applicant's reports
    with their state and the coordinator's reply. The reporter is the signed-in applicant."""
    from onego.feedback.report_forms import package_choices, region_choices, report_from_form
    from onego.feedback.report_rules import ReportKind
    from onego.feedback.report_selectors import reports_of_applicant
    from onego.feedback.report_services import reporter_for_applicant

    error: tuple[str, str] | None = None
    if request.method == "POST":
        try:
            report = report_from_form(
                reporter=reporter_for_applicant(signed_in.acting.index),
                data=request.POST,
                files=request.FILES,
            )
        except OneGoError as exc:
            error = (exc.field or "", exc.message)
        else:
            messages.success(
                request,
                _("反映已提交（编号 %(ref)s），%(dept)s将协调相关部门办理并答复您。")
                % {"ref": report.reference, "dept": report.coordinator.name},
            )
            return HttpResponseRedirect(reverse("portal:my_reports"))
    return render(
        request,
        "portal/feedback/my_reports.html",
        {
            "signed_in": signed_in,
            "reports": reports_of_applicant(signed_in.acting.index)
            .select_related("case")
            .prefetch_related("orders__department", "photos"),
            "kinds": ReportKind.choices,
            "regions": region_choices(),
            "packages": package_choices(),
            "typed": request.POST if error else {},
            "error": error,
            "action": reverse("portal:my_reports"),
        },
        status=400 if error else 200,
    )


def _own_photo(signed_in: SignedIn, report_id: Any, photo_id: Any) -> Any:
    from onego.feedback.photos import access_applicant_photo

    try:
        return access_applicant_photo(signed_in.acting.index, report_id, photo_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@applicant_required
@require_GET
def my_report_photo(
    request: HttpRequest, signed_in: SignedIn, report_id: Any, photo_id: Any
) -> HttpResponseBase:
    """A photo of the applicant's own report, as a download (never rendered); anyone else's: 404."""
    photo = _own_photo(signed_in, report_id, photo_id)
    return attachment_response(photo.file.open("rb"), photo.filename)


@applicant_required
@require_GET
def my_report_photo_thumb(
    request: HttpRequest, signed_in: SignedIn, report_id: Any, photo_id: Any
) -> HttpResponse:
    """The thumbnail on 我的反映: re-encoded from the pixels, no metadata."""
    from onego.feedback.photos import thumbnail_response

    photo = _own_photo(signed_in, report_id, photo_id)
    try:
        return thumbnail_response(photo)
    except NotFound as exc:
        raise Http404(exc.message) from exc
