"""Department officers: the inbox (filters, time-limit lights, claim) and the review page of a sub-case.

The review shows the case's data only as far as the department's sharing contracts grant it, the item's
materials, and the other departments' progress (status and time limit, never their data or opinions).
The decision forms post to one view each; every one calls one engine service. A refusal of the engine is
shown beside the field it names, with everything typed kept; a conflict (someone else claimed or decided
first) is shown as a message over the page as it now stands.

An officer of another department gets 404 for the sub-case, as for one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.selectors import members_of
from onego.cases import selectors as case_selectors
from onego.cases.access import access_subcase_for_officer
from onego.cases.formdata import form_fields
from onego.cases.models import Case, InspectionStatus, SubCase
from onego.cases.services.acceptance import subcase_accept_registered
from onego.cases.services.decisions import (
    subcase_approve,
    subcase_claim,
    subcase_reassign,
    subcase_reject,
    subcase_review_instant,
)
from onego.cases.services.inspection import (
    FindingIn,
    case_inspections,
    inspection_cancel,
    inspection_record_findings,
    inspection_schedule,
)
from onego.cases.services.supplements import (
    subcase_end_special_procedure,
    subcase_request_supplement,
    subcase_start_special_procedure,
)
from onego.cases.workflow import SUBCASE_ACTIVE, SubCaseStatus
from onego.catalog.models import Package
from onego.core import clock
from onego.core.errors import NotFound, OneGoError, PermissionDenied
from onego.core.services import working_calendar
from onego.core.uploads import attachment_response
from onego.workbench import selectors
from onego.workbench.forms import (
    InspectionCancelForm,
    InspectionFindingsForm,
    InspectionScheduleForm,
    InstantReviewForm,
    OpinionForm,
    ReassignForm,
    RejectForm,
    SpecialProcedureEndForm,
    SpecialProcedureForm,
    SupplementForm,
    VersionForm,
    attach_error,
)
from onego.workbench.paging import page_of, sliced
from onego.workbench.presenters import COLOUR_CHOICES, deadline_light
from onego.workbench.staff import staff_of_request, staff_required

officer_required = staff_required(*DECIDING_ROLES)
S = SubCaseStatus
STATUS_FILTERS = [(s.value, s.label) for s in SubCaseStatus if s in SUBCASE_ACTIVE]
DONE_FILTERS = [(S.APPROVED.value, S.APPROVED.label), (S.REJECTED.value, S.REJECTED.label)]


# --- inbox --------------------------------------------------------------------------------------------------


@officer_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My departments' sub-cases, soonest due first, a page at a time; filters by status, package, time
    limit, department (all in SQL, so paging never drops a row)."""
    staff = staff_of_request(request)
    status = request.GET.get("status", "")
    package = request.GET.get("package", "")
    colour = request.GET.get("colour", "")
    department = request.GET.get("department", "")
    mine = request.GET.get("mine") == "1"
    valid_status = {v for v, _label in STATUS_FILTERS + DONE_FILTERS}
    rows = case_selectors.inbox(
        request.user,
        department_code=department or None,
        statuses=[status] if status in valid_status else None,
    )
    if package:
        rows = rows.filter(case__package_code=package)
    if mine:
        rows = rows.filter(assignee_id=request.user.pk)
    calendar, today = working_calendar(), clock.today()
    if colour in dict(COLOUR_CHOICES):
        rows = rows.filter(selectors.colour_filter(colour, calendar=calendar, today=today))
    # One page (50 rows) at a time: the lights are computed only for the rows shown (issue 14, growth).
    page = page_of(request, sliced(rows))
    shown = selectors.inbox_rows(page.rows, calendar=calendar, today=today)
    departments = sorted(
        {(s.department_code, s.department_name) for s in staff.seats if s.role in DECIDING_ROLES}
    )
    context = {
        "rows": shown,
        "page": page,
        "status": status,
        "package": package,
        "colour": colour,
        "department": department,
        "mine": mine,
        "statuses": STATUS_FILTERS + DONE_FILTERS,
        "colours": COLOUR_CHOICES,
        "packages": Package.objects.filter(active=True).order_by("code").only("code", "name"),
        "departments": departments,
        "filtered": bool(status or package or colour or department or mine),
    }
    template = (
        "workbench/inbox/_rows.html"
        if request.headers.get("HX-Request") == "true"
        else "workbench/inbox/list.html"
    )
    return render(request, template, context)


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@officer_required
@require_POST
def claim(request: HttpRequest, subcase_id: Any) -> HttpResponse:
    subcase = _subcase(request, subcase_id)
    review = reverse("workbench:review", args=[subcase.pk])
    try:
        subcase_claim(
            actor=request.user, subcase_id=subcase.pk, expected_version=_int(request.POST.get("version"))
        )
    except OneGoError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_back(request, reverse("workbench:inbox")))
    messages.success(request, _("已认领“%(name)s”，请审核办理。") % {"name": subcase.name})
    return HttpResponseRedirect(review)


# --- review -------------------------------------------------------------------------------------------------


def _subcase(request: HttpRequest, subcase_id: Any) -> SubCase:
    """The sub-case if the officer decides for its department; 404 alike for missing and not theirs."""
    try:
        return access_subcase_for_officer(request.user, subcase_id)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(exc.message) from exc


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _targets(case: Case, subcase: SubCase) -> list[tuple[str, str]]:
    """What this item may ask the applicant to correct: its own form fields and materials."""
    fields = [
        (code, _("表单：%(name)s") % {"name": f["name"]})
        for code, f in form_fields(case.snapshot).items()
        if subcase.code in (f.get("used_by") or [])
    ]
    materials = [
        (f"material:{m['material']}", _("材料：%(name)s") % {"name": m["name"]})
        for m in case.snapshot.get("materials", [])
        if subcase.code in m.get("used_by", [])
    ]
    return fields + materials


def _members(subcase: SubCase, exclude: Any) -> list[tuple[str, str]]:
    if subcase.department_id is None:
        return []
    return [
        (u.get_username(), u.get_full_name() or u.get_username())
        for u in members_of(subcase.department_id, DECIDING_ROLES)
        if u.pk != exclude
    ]


def _review_context(request: HttpRequest, subcase: SubCase, forms: dict[str, Any]) -> dict[str, Any]:
    case = subcase.case
    view = case_selectors.case_view(case, calendar=working_calendar(), today=clock.today())
    fresh = next(s for s, _d in view.subcases if s.pk == subcase.pk)
    deadline = next(d for s, d in view.subcases if s.pk == subcase.pk)
    staff = staff_of_request(request)
    is_lead = staff.has(fresh.department_id, [Role.LEAD_OFFICER])
    mine = fresh.assignee_id == request.user.pk
    can_decide = (fresh.status == S.CLAIMED and mine) or (fresh.status == S.PENDING and fresh.sole_approver)
    version = {"version": fresh.version}
    instant = view.instant_decisions.get(fresh.pk)
    names = selectors.entry_names(case)
    data = selectors.department_data(case, fresh)
    inspection = _inspection_state(case, fresh, staff.has(fresh.department_id, DECIDING_ROLES))
    return {
        "case": case,
        "subcase": fresh,
        "light": selectors.subcase_light(fresh, deadline),
        "case_light": deadline_light(view.deadline),
        "data": data,
        "inspection": inspection,
        "materials": selectors.item_materials(case, fresh),
        "supplement_changes": selectors.supplement_changes(case, fresh),
        "progress": selectors.progress(view, department_ids=staff.departments(DECIDING_ROLES)),
        "inspection_partners": [
            s
            for s, _d in view.subcases
            if s.site_inspection and s.pk != fresh.pk and s.status in SUBCASE_ACTIVE
        ],
        "timeline": [e for e in view.timeline if e.subject in (fresh.name, "办件")],
        "open_supplement": view.open_supplement,
        "instant": instant,
        "prerequisites": [names.get(code, code) for code in fresh.prerequisites],
        "mine": mine,
        "is_lead": is_lead,
        "can_claim": fresh.status == S.PENDING and not fresh.sole_approver,
        "can_decide": can_decide,
        "can_supplement": can_decide,
        "can_accept_registered": fresh.status == S.REGISTERED,
        "can_reassign": fresh.status in (S.PENDING, S.CLAIMED, S.SUPPLEMENT, S.SPECIAL_PROCEDURE)
        and (is_lead or mine),
        "can_special": fresh.status == S.CLAIMED and mine,
        "can_end_special": fresh.status == S.SPECIAL_PROCEDURE and mine,
        "can_review_instant": instant is not None and instant.reviewed_at is None,
        "approve_form": forms.get("approve") or OpinionForm(initial=version, prefix="approve"),
        "reject_form": forms.get("reject") or RejectForm(initial=version, prefix="reject"),
        "supplement_form": forms.get("supplement")
        or SupplementForm(initial=version, prefix="supplement", targets=_targets(case, fresh)),
        "reassign_form": forms.get("reassign")
        or ReassignForm(initial=version, prefix="reassign", members=_members(fresh, fresh.assignee_id)),
        "instant_form": forms.get("instant") or InstantReviewForm(prefix="instant"),
        "special_form": forms.get("special") or SpecialProcedureForm(initial=version, prefix="special"),
        "special_end_form": forms.get("special_end")
        or SpecialProcedureEndForm(initial=version, prefix="special_end"),
        "inspect_schedule_form": forms.get("inspect_schedule")
        or InspectionScheduleForm(prefix="inspect_schedule", initial={"place": _site_address(data)}),
        "inspect_findings_form": forms.get("inspect_findings")
        or InspectionFindingsForm(prefix="inspect_findings"),
        "inspect_cancel_form": forms.get("inspect_cancel") or InspectionCancelForm(prefix="inspect_cancel"),
        "version": fresh.version,
        "conflict": forms.get("conflict"),
    }


@dataclass(frozen=True)
class InspectionState:
    """The joint inspection as this sub-case's department sees it, and what it may do about it."""

    current: Any  # the scheduled inspection that includes this sub-case, else the latest held one
    parts: list[Any]
    mine: Any  # this sub-case's participant row
    others_to_join: list[SubCase]  # items of the case that would be inspected together
    can_schedule: bool
    can_record: bool
    can_cancel: bool


def _inspection_state(case: Case, subcase: SubCase, deciding: bool) -> InspectionState | None:
    if not subcase.site_inspection:
        return None
    rows = list(case_inspections(case))
    mine_rows = [r for r in rows if any(p.subcase_id == subcase.pk for p in r.participants.all())]
    scheduled = next((r for r in mine_rows if r.status == InspectionStatus.SCHEDULED), None)
    held = next((r for r in reversed(mine_rows) if r.status == InspectionStatus.HELD), None)
    current = scheduled or held
    parts = list(current.participants.all()) if current else []
    mine = next((p for p in parts if p.subcase_id == subcase.pk), None)
    any_scheduled = any(r.status == InspectionStatus.SCHEDULED for r in rows)
    open_status = subcase.status in (
        S.WAITING,
        S.REGISTERED,
        S.PENDING,
        S.CLAIMED,
        S.SUPPLEMENT,
        S.SPECIAL_PROCEDURE,
    )
    others = [
        s
        for s in SubCase.objects.filter(case=case, site_inspection=True).select_related("department")
        if s.pk != subcase.pk and s.status in SUBCASE_ACTIVE | {S.WAITING}
    ]
    return InspectionState(
        current=current,
        parts=parts,
        mine=mine,
        others_to_join=others,
        can_schedule=deciding and open_status and not any_scheduled and not (mine and mine.recorded_at),
        can_record=deciding and scheduled is not None and mine is not None,
        can_cancel=deciding and scheduled is not None,
    )


def _site_address(data: selectors.DepartmentData) -> str:
    """The place of the inspection, when the department may see the premises' address."""
    for row in data.rows:
        if row.element in ("premises.address", "enterprise.address", "project.address"):
            return row.value
    return ""


@officer_required
@require_GET
def review(request: HttpRequest, subcase_id: Any) -> HttpResponse:
    subcase = _subcase(request, subcase_id)
    return render(request, "workbench/inbox/review.html", _review_context(request, subcase, {}))


@officer_required
@require_GET
def material_file(request: HttpRequest, subcase_id: Any, material_id: Any) -> HttpResponseBase:
    """An uploaded material of this item, for the officer deciding it (never another item's)."""
    subcase = _subcase(request, subcase_id)
    material = selectors.item_material(subcase.case, subcase, material_id)
    if material is None or not material.file:
        raise Http404(_("没有找到该材料"))
    # Never rendered on the workbench's origin: a download, with no sniffing and a sandbox (issue 19).
    return attachment_response(material.file.open("rb"), material.filename or "material")


# --- decisions ----------------------------------------------------------------------------------------------

Action = Callable[[HttpRequest, SubCase, Any], str]


def _approve(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    subcase_approve(
        actor=request.user,
        subcase_id=subcase.pk,
        opinion=form.cleaned_data["opinion"],
        expected_version=form.cleaned_data.get("version"),
    )
    return _("已准予“%(name)s”。") % {"name": subcase.name}


def _reject(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    subcase_reject(
        actor=request.user,
        subcase_id=subcase.pk,
        opinion=form.cleaned_data["opinion"],
        expected_version=form.cleaned_data.get("version"),
    )
    return _("已作出不予许可决定：“%(name)s”。") % {"name": subcase.name}


def _supplement(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    items = form.items()
    if form.errors:
        raise _FormInvalid()
    supplement = subcase_request_supplement(
        actor=request.user,
        subcase_id=subcase.pk,
        items=items,
        expected_version=form.cleaned_data.get("version"),
    )
    return _("已发出补正通知（共 %(n)d 项），本事项暂停计时。") % {"n": len(supplement.items)}


def _reassign(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    username = form.cleaned_data.get("to_user") or ""
    target = get_user_model().objects.filter(username=username).first() if username else None
    subcase_reassign(
        actor=request.user,
        subcase_id=subcase.pk,
        to_user=target,
        reason=form.cleaned_data.get("reason") or "",
        expected_version=form.cleaned_data.get("version"),
    )
    return _("已转交%(who)s办理。") % {"who": (target.get_full_name() or username) if target else ""}


def _accept_registered(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    subcase_accept_registered(
        actor=request.user, subcase_id=subcase.pk, expected_version=form.cleaned_data.get("version")
    )
    return _("已受理该三类事项，开始计时。")


def _instant(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    uphold = form.cleaned_data["verdict"] == "uphold"
    subcase_review_instant(
        actor=request.user, subcase_id=subcase.pk, uphold=uphold, opinion=form.cleaned_data["opinion"]
    )
    return _("已维持秒批决定。") if uphold else _("已撤回秒批决定，本事项转由您人工办理。")


def _special(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    subcase_start_special_procedure(
        actor=request.user,
        subcase_id=subcase.pk,
        procedure=form.cleaned_data["procedure"],
        reason=form.cleaned_data["reason"],
        expected_version=form.cleaned_data.get("version"),
    )
    return _("已启动特别程序，所需时间不计入办理时限。")


def _special_end(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    subcase_end_special_procedure(
        actor=request.user,
        subcase_id=subcase.pk,
        result=form.cleaned_data["result"],
        expected_version=form.cleaned_data.get("version"),
    )
    return _("特别程序已结束，恢复计时。")


def _inspect_schedule(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    when = form.cleaned_data.get("when")
    if when is None:
        form.add_error("when", _("请填写踏勘时间"))
        raise _FormInvalid()
    inspection = inspection_schedule(
        actor=request.user, case_id=subcase.case_id, when=when, place=form.cleaned_data.get("place") or ""
    )
    shown = {
        "when": timezone.localtime(inspection.scheduled_for).strftime("%Y-%m-%d %H:%M"),
        "place": inspection.place,
    }
    if inspection.scheduled_for <= clock.now():  # under way or just done: recorded as it happens
        return _("已记录现场联合踏勘：%(when)s，%(place)s。请记录本部门的踏勘意见。") % shown
    return _("已安排联合踏勘：%(when)s，%(place)s。各参加部门和申请人将收到通知。") % shown


def _current_inspection_id(subcase: SubCase) -> Any:
    row = next(
        (
            r
            for r in case_inspections(subcase.case)
            if r.status == InspectionStatus.SCHEDULED
            and any(p.subcase_id == subcase.pk for p in r.participants.all())
        ),
        None,
    )
    return row.pk if row is not None else None


def _inspect_findings(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    inspection_record_findings(
        actor=request.user,
        inspection_id=_current_inspection_id(subcase),
        findings=[
            FindingIn(
                department=subcase.department.code if subcase.department else "",
                findings=form.cleaned_data.get("findings") or "",
                conclusion=form.cleaned_data["conclusion"],
            )
        ],
    )
    return _("已记录本部门的踏勘意见。")


def _inspect_cancel(request: HttpRequest, subcase: SubCase, form: Any) -> str:
    inspection_cancel(
        actor=request.user,
        inspection_id=_current_inspection_id(subcase),
        reason=form.cleaned_data.get("reason") or "",
    )
    return _("已取消联合踏勘，并通知各部门和申请人。")


class _FormInvalid(Exception):
    """The form itself found a problem (shown on its field) before any service was called."""


ACTIONS: dict[str, tuple[Action, Callable[..., Any]]] = {
    "approve": (_approve, lambda data, s, c: OpinionForm(data, prefix="approve")),
    "reject": (_reject, lambda data, s, c: RejectForm(data, prefix="reject")),
    "supplement": (
        _supplement,
        lambda data, s, c: SupplementForm(data, prefix="supplement", targets=_targets(c, s)),
    ),
    "reassign": (
        _reassign,
        lambda data, s, c: ReassignForm(data, prefix="reassign", members=_members(s, s.assignee_id)),
    ),
    "accept": (_accept_registered, lambda data, s, c: VersionForm(data, prefix="accept")),
    "instant": (_instant, lambda data, s, c: InstantReviewForm(data, prefix="instant")),
    "special": (_special, lambda data, s, c: SpecialProcedureForm(data, prefix="special")),
    "special_end": (_special_end, lambda data, s, c: SpecialProcedureEndForm(data, prefix="special_end")),
    "inspect_schedule": (
        _inspect_schedule,
        lambda data, s, c: InspectionScheduleForm(data, prefix="inspect_schedule"),
    ),
    "inspect_findings": (
        _inspect_findings,
        lambda data, s, c: InspectionFindingsForm(data, prefix="inspect_findings"),
    ),
    "inspect_cancel": (
        _inspect_cancel,
        lambda data, s, c: InspectionCancelForm(data, prefix="inspect_cancel"),
    ),
}


@officer_required
@require_POST
def decide(request: HttpRequest, subcase_id: Any, action: str) -> HttpResponse:
    """One decision form → one service. Refusals go back onto the form; conflicts become a message."""
    if action not in ACTIONS:
        raise Http404(_("没有这项操作"))
    subcase = _subcase(request, subcase_id)
    run, make_form = ACTIONS[action]
    form = make_form(request.POST, subcase, subcase.case)
    status = 400
    if form.is_valid():
        try:
            done = run(request, subcase, form)
        except _FormInvalid:
            pass
        except OneGoError as exc:
            if exc.code in ("conflict", "invalid_transition"):
                # Someone else moved the sub-case first: say so over the page as it now stands.
                context = _review_context(request, _subcase(request, subcase_id), {"conflict": exc.message})
                return render(request, "workbench/inbox/review.html", context, status=409)
            attach_error(form, exc)
            status = {"forbidden": 403}.get(exc.code, 400)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("workbench:review", args=[subcase.pk]))
    context = _review_context(request, _subcase(request, subcase_id), {action: form})
    context["open_form"] = action
    return render(request, "workbench/inbox/review.html", context, status=status)
