"""Case endpoints: submit, read with timeline, accept, the department inbox and sub-case actions,
the conclusion. Thin: parse, call one access function or service, shape the answer.

Authentication: Django session, staff only (an active department membership, or a superuser).
Applicants sign in with the web issue; until then a clerk or an app back end submits for them.
Errors are `{"detail": {"code", "message", "field"}}` with 400/403/404/409 (see api/urls.py);
a state conflict (two officers on one sub-case, a stale `version`) is 409.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.params import HeaderEx, P
from ninja.security import SessionAuth

from onego.accounts.models import Membership
from onego.accounts.otp import is_verified, second_factor_required
from onego.api.errors import ErrorOut
from onego.applications.consent import filing_channel
from onego.cases import sla
from onego.cases.access import access_case_by_id
from onego.cases.applications import refuse_duplicate
from onego.cases.models import Case, OneTimeNotice, SubCase, SubCaseKind
from onego.cases.selectors import case_view, inbox, one_time_notice_html, one_time_notice_text
from onego.cases.services.acceptance import case_accept, case_refuse, subcase_accept_registered
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.decisions import (
    subcase_approve,
    subcase_claim,
    subcase_decide_at_window,
    subcase_reassign,
    subcase_reject,
    subcase_review_instant,
)
from onego.cases.services.inspection import (
    FindingIn,
    access_inspection,
    case_inspections,
    inspection_cancel,
    inspection_record_findings,
    inspection_schedule,
)
from onego.cases.services.partners import partner_deliveries, partner_delivery_retry
from onego.cases.services.submission import (
    ApplicantIn,
    ContactIn,
    MaterialIn,
    case_correct,
    case_submit,
    case_withdraw,
)
from onego.cases.services.supplements import (
    SupplementItemIn,
    subcase_end_special_procedure,
    subcase_request_supplement,
    subcase_start_special_procedure,
    supplement_answer,
)
from onego.cases.workflow import SUBCASE_PAUSED
from onego.core import clock
from onego.core.errors import NotFound, ValidationFailed
from onego.core.services import working_calendar


class StaffSessionAuth(SessionAuth):
    """A signed-in user with an active department membership (or a superuser)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if not (user.is_superuser or Membership.objects.filter(user=user, active=True).exists()):
            return None
        # Staff who must pass the second factor use the API only from a session that passed it.
        return user if not second_factor_required(user) or is_verified(user) else None


router = Router(tags=["cases"], auth=StaffSessionAuth())


# --- schemas ------------------------------------------------------------------------------------


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ApplicantSchema(Schema):
    kind: Literal["person", "enterprise"]
    identifier: str = Field(..., description="居民身份证号码 or 统一社会信用代码")
    name: str


class ContactSchema(Schema):
    phone: str = ""
    email: str = ""


class MaterialSchema(Schema):
    material: str = Field(..., description="material type code")
    reference: str = Field(
        "",
        description="a reference the data exchange verified for this case (GET /exchange/cases/{case_ref}/"
        "materials); any other reference is refused (400)",
    )
    filename: str = ""
    content_base64: str = Field(
        "",
        description="the file, base64; give either this or reference. The one upload policy applies: at most "
        "10 MB, a suffix the material allows (none listed: pdf, jpg, jpeg, png, ofd) and content of that format",
    )


class SubmitIn(Schema):
    package: str
    region: str
    applicant: ApplicantSchema
    channel: Literal["web", "app", "counter"] | None = Field(
        None,
        description="Decided by the server from the session: a window clerk of the region files at the "
        "counter (`counter`); any other value is refused (400), and only such clerks may file (403).",
    )
    answers: dict[str, Any] = Field(default_factory=dict)
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)
    form: dict[str, Any] = Field(default_factory=dict, description="data element code → value")
    verified: dict[str, Any] | None = Field(
        None,
        description="Not accepted: which values are verified is decided by the server from the data "
        "exchange's records of this case (consent → prefill). A non-empty value is refused with 400.",
    )
    materials: list[MaterialSchema] = Field(default_factory=list)
    contact: ContactSchema = Field(default_factory=ContactSchema)
    confirm_duplicate: bool = Field(
        False, description="submit although an open application for the same subject exists (else 409)"
    )
    delivery_method: Literal["electronic", "pickup", "post"] = "electronic"
    draft: bool = False


class CorrectionIn(Schema):
    form: dict[str, Any] = Field(default_factory=dict)
    verified: dict[str, Any] | None = Field(
        None,
        description="Not accepted: which values are verified is decided by the server from the data "
        "exchange's records of this case (consent → prefill). A non-empty value is refused with 400.",
    )
    materials: list[MaterialSchema] = Field(default_factory=list)
    version: int | None = None


class AcceptIn(Schema):
    at_counter: bool = False
    version: int | None = None


class ReasonIn(Schema):
    reason: str


class VersionIn(Schema):
    version: int | None = None


class OpinionIn(Schema):
    opinion: str = ""
    version: int | None = None


class WindowDecisionIn(Schema):
    approve: bool
    opinion: str = ""


class SupplementItemSchema(Schema):
    target: str = Field(..., description="a data element code, or material:<code>")
    message: str


class SupplementIn(Schema):
    items: list[SupplementItemSchema]
    version: int | None = None


class SpecialProcedureIn(Schema):
    procedure: str
    reason: str = ""
    version: int | None = None


class SpecialProcedureEndIn(Schema):
    result: str
    version: int | None = None


class ReassignIn(Schema):
    to_user: str = Field(..., description="username of an officer of the same department")
    reason: str
    version: int | None = None


class InstantReviewIn(Schema):
    uphold: bool
    opinion: str


class ConclusionIn(Schema):
    summary: str = ""
    delivery_method: Literal["electronic", "pickup", "post"] | None = None
    version: int | None = None


class DeadlineOut(Schema):
    promised_due: dt.date | None
    legal_due: dt.date | None
    provisional: bool
    colour: str
    days_left: int | None
    note: str


class SubCaseOut(Schema):
    id: str
    code: str
    name: str
    kind: str
    department: str | None
    status: str
    status_label: str
    version: int
    prerequisites: list[str]
    window_class: int
    sole_approver: bool
    instant_approval: bool
    assignee: str | None
    opinion: str
    decided_by: str
    decided_at: dt.datetime | None
    deadline: DeadlineOut
    instant_decision: dict[str, Any] | None


class TimelineOut(Schema):
    at: dt.datetime
    who: str
    action: str
    action_label: str
    subject: str
    from_status: str
    to_status: str
    from_label: str
    to_label: str
    reason: str


class CaseOut(Schema):
    id: str
    reference: str
    package: str
    package_name: str
    package_version: int
    region: str
    channel: str
    status: str
    status_label: str
    version: int
    applicant: str
    applicant_id: str
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    accepted_by: str | None
    accepting_department: str | None
    lead_department: str | None
    concluded_at: dt.datetime | None
    deadline: DeadlineOut
    subcases: list[SubCaseOut]
    timeline: list[TimelineOut]
    notices: list[dict[str, Any]]
    supplement: dict[str, Any] | None
    materials: list[dict[str, Any]]
    conclusion: dict[str, Any] | None


class InboxRowOut(Schema):
    id: str
    case_id: str
    case_reference: str
    package_name: str
    region: str
    code: str
    name: str
    department: str
    status: str
    status_label: str
    version: int
    assignee: str | None
    promised_due: dt.date | None
    provisional: bool
    colour: str


# --- shaping ------------------------------------------------------------------------------------


def _user_label(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def _case_out(case: Case) -> dict[str, Any]:
    view = case_view(case, calendar=working_calendar(), today=clock.today())
    c = view.case
    return {
        "id": str(c.pk),
        "reference": c.reference,
        "package": c.package_code,
        "package_name": c.package_name,
        "package_version": c.package_version,
        "region": c.region.code,
        "channel": c.channel,
        "status": c.status,
        "status_label": c.get_status_display(),
        "version": c.version,
        "applicant": c.applicant_display,
        "applicant_id": c.applicant_id_masked,
        "submitted_at": c.submitted_at,
        "accepted_at": c.accepted_at,
        "accepted_by": _user_label(c.accepted_by),
        "accepting_department": c.accepting_department.name if c.accepting_department else None,
        "lead_department": c.lead_department.name if c.lead_department else None,
        "concluded_at": c.concluded_at,
        "deadline": view.deadline.__dict__,
        "subcases": [
            {
                "id": str(s.pk),
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "department": s.department.name if s.department else None,
                "status": s.status,
                "status_label": s.get_status_display(),
                "version": s.version,
                "prerequisites": s.prerequisites,
                "window_class": s.window_class,
                "sole_approver": s.sole_approver,
                "instant_approval": s.instant_approval,
                "assignee": _user_label(s.assignee),
                "opinion": s.opinion,
                "decided_by": s.decided_by_label,
                "decided_at": s.decided_at,
                "deadline": d.__dict__,
                "instant_decision": _instant_out(view.instant_decisions.get(s.pk)),
            }
            for s, d in view.subcases
        ],
        "timeline": [e.__dict__ for e in view.timeline],
        "notices": [
            {
                "number": n.number,
                "issued_at": n.issued_at,
                "resolved_at": n.resolved_at,
                "problems": n.problems,
            }
            for n in view.notices
        ],
        "supplement": (
            {"requested_at": view.open_supplement.requested_at, "items": view.open_supplement.items}
            if view.open_supplement
            else None
        ),
        "materials": [
            {
                "material": m.code,
                "name": m.name,
                "kind": m.kind,
                "filename": m.filename,
                "size": m.size,
                "reference": m.reference,
                "verified_by": m.verified_by,
            }
            for m in view.materials
        ],
        "conclusion": (
            {
                "outcome": view.conclusion.outcome,
                "outcome_label": view.conclusion.get_outcome_display(),
                "prepared_at": view.conclusion.prepared_at,
                "issued_at": view.conclusion.issued_at,
                "issued_by": _user_label(view.conclusion.issued_by),
                "summary": view.conclusion.summary,
                "opinions": view.conclusion.opinions,
                "results_status": view.conclusion.results_status,
                "delivery_method": view.conclusion.delivery_method,
            }
            if view.conclusion
            else None
        ),
    }


def _instant_out(decision: Any) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "rule": decision.rule_code,
        "title": decision.rule_title,
        "approved": decision.approved,
        "inputs": decision.shown_inputs,
        "sources": decision.sources,
        "reasons": decision.reasons,
        "decided_at": decision.decided_at,
        "review_verdict": decision.review_verdict,
        "review_opinion": decision.review_opinion,
    }


def _materials(items: list[MaterialSchema]) -> list[MaterialIn]:
    out: list[MaterialIn] = []
    for m in items:
        if m.content_base64:
            try:
                content = base64.b64decode(m.content_base64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValidationFailed(
                    f"材料“{m.material}”的文件内容不是有效的 base64", field=f"material:{m.material}"
                ) from exc
            name = m.filename or m.material
            out.append(MaterialIn(code=m.material, file=ContentFile(content, name=name), filename=name))
        else:
            out.append(MaterialIn(code=m.material, reference=m.reference))
    return out


def _no_verified(payload: SubmitIn | CorrectionIn) -> None:
    if payload.verified:
        raise ValidationFailed(
            "核验来源由系统根据数据共享记录确定，不能由调用方提交；请先授权并一键填表", field="verified"
        )


def _reload(case_id: Any, request: HttpRequest) -> dict[str, Any]:
    return _case_out(access_case_by_id(request.user, case_id))


# --- endpoints ------------------------------------------------------------------------------------


@router.post(
    "/cases",
    response={200: CaseOut, 201: CaseOut, **ERRORS},
    summary="Submit a package application (idempotent by the Idempotency-Key header)",
    description="201 with a new case; 200 with the same case when the same key and payload are sent again; "
    "409 when the key was used for a different payload. The case comes back pre-reviewed: "
    "`pre_reviewed`, or `needs_correction` with the one-time notice in `notices`.",
)
def submit(
    request: HttpRequest, payload: SubmitIn, idempotency_key: HeaderEx[str, P(alias="Idempotency-Key")]
) -> Status[dict[str, Any]]:
    _no_verified(payload)
    channel = filing_channel(user=request.user, region_code=payload.region)
    if payload.channel not in (None, channel):
        raise ValidationFailed(f"申请渠道由系统根据登录身份确定，应为 {channel}", field="channel")
    if not payload.confirm_duplicate:  # 409 with `existing_id` (cases/applications.py)
        refuse_duplicate(
            package_code=payload.package,
            applicant_kind=payload.applicant.kind,
            identifier=payload.applicant.identifier,
            form_data=payload.form,
            idempotency_key=idempotency_key,
        )
    result = case_submit(
        actor=request.user,
        package_code=payload.package,
        region_code=payload.region,
        applicant=ApplicantIn(**payload.applicant.dict()),
        idempotency_key=idempotency_key,
        channel=channel,
        answers=payload.answers,
        add=payload.add,
        drop=payload.drop,
        form_data=payload.form,
        materials=_materials(payload.materials),
        contact=ContactIn(**payload.contact.dict()),
        delivery_method=payload.delivery_method,
        draft=payload.draft,
    )
    return Status(201 if result.created else 200, _case_out(result.case))


@router.get(
    "/cases/{case_id}", response={200: CaseOut, **ERRORS}, summary="A case with sub-cases and timeline"
)
def get_case(request: HttpRequest, case_id: str) -> dict[str, Any]:
    return _reload(case_id, request)


@router.get(
    "/cases/{case_id}/notices/{number}",
    response={200: None, **ERRORS},
    summary="The printable one-time notice (HTML; ?format=text for plain text)",
)
def get_notice(request: HttpRequest, case_id: str, number: int, format: str = "html") -> HttpResponse:
    case = access_case_by_id(request.user, case_id)
    notice = OneTimeNotice.objects.filter(case=case, number=number).first()
    if notice is None:
        raise NotFound("没有找到该一次性告知书", field="number")
    if format == "text":
        return HttpResponse(one_time_notice_text(notice), content_type="text/plain; charset=utf-8")
    html = one_time_notice_html(notice, csp_nonce=getattr(request, "csp_nonce", ""))
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@router.post(
    "/cases/{case_id}/correct", response={200: CaseOut, **ERRORS}, summary="Answer a one-time notice"
)
def correct(request: HttpRequest, case_id: str, payload: CorrectionIn) -> dict[str, Any]:
    _no_verified(payload)
    case = case_correct(
        actor=request.user,
        case_id=case_id,
        form_data=payload.form,
        materials=_materials(payload.materials),
        expected_version=payload.version,
    )
    return _reload(case.pk, request)


@router.post(
    "/cases/{case_id}/accept", response={200: CaseOut, **ERRORS}, summary="Accept (受理) and distribute"
)
def accept(request: HttpRequest, case_id: str, payload: AcceptIn) -> dict[str, Any]:
    case = case_accept(
        actor=request.user, case_id=case_id, at_counter=payload.at_counter, expected_version=payload.version
    )
    return _reload(case.pk, request)


@router.post(
    "/cases/{case_id}/refuse", response={200: CaseOut, **ERRORS}, summary="不予受理, with the reason"
)
def refuse(request: HttpRequest, case_id: str, payload: ReasonIn) -> dict[str, Any]:
    case = case_refuse(actor=request.user, case_id=case_id, reason=payload.reason)
    return _reload(case.pk, request)


@router.post(
    "/cases/{case_id}/supplement", response={200: CaseOut, **ERRORS}, summary="Answer the open supplement"
)
def answer_supplement(request: HttpRequest, case_id: str, payload: CorrectionIn) -> dict[str, Any]:
    _no_verified(payload)
    supplement = supplement_answer(
        actor=request.user,
        case_id=case_id,
        form_data=payload.form,
        materials=_materials(payload.materials),
        expected_version=payload.version,
    )
    return _reload(supplement.case_id, request)


@router.post(
    "/cases/{case_id}/withdraw", response={200: CaseOut, **ERRORS}, summary="Withdraw the application"
)
def withdraw(request: HttpRequest, case_id: str, payload: ReasonIn) -> dict[str, Any]:
    case = case_withdraw(actor=request.user, case_id=case_id, reason=payload.reason)
    return _reload(case.pk, request)


@router.post(
    "/cases/{case_id}/conclusion",
    response={200: CaseOut, **ERRORS},
    summary="Issue the conclusion (lead department)",
)
def conclude(request: HttpRequest, case_id: str, payload: ConclusionIn) -> dict[str, Any]:
    case_issue_conclusion(
        actor=request.user,
        case_id=case_id,
        summary=payload.summary,
        delivery_method=payload.delivery_method,
        expected_version=payload.version,
    )
    return _reload(case_id, request)


@router.get(
    "/inbox",
    response={200: list[InboxRowOut], **ERRORS},
    summary="My departments' sub-cases, soonest due first",
)
def get_inbox(
    request: HttpRequest, department: str | None = None, region: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    calendar, today = working_calendar(), clock.today()
    rows = inbox(
        request.user,
        department_code=department,
        region_code=region,
        statuses=status.split(",") if status else None,
    )[:500]
    return [
        {
            "id": str(s.pk),
            "case_id": str(s.case_id),
            "case_reference": s.case.reference,
            "package_name": s.case.package_name,
            "region": s.case.region.code,
            "code": s.code,
            "name": s.name,
            "department": s.department.name if s.department else "",
            "status": s.status,
            "status_label": s.get_status_display(),
            "version": s.version,
            "assignee": _user_label(s.assignee),
            "promised_due": s.promised_due,
            "provisional": s.deadline_provisional,
            "colour": sla.colour(calendar, today, s.promised_due, paused=s.status in SUBCASE_PAUSED),
        }
        for s in rows
    ]


@router.post("/subcases/{subcase_id}/claim", response={200: CaseOut, **ERRORS}, summary="Claim (认领)")
def claim(request: HttpRequest, subcase_id: str, payload: VersionIn) -> dict[str, Any]:
    sc = subcase_claim(actor=request.user, subcase_id=subcase_id, expected_version=payload.version)
    return _reload(sc.case_id, request)


@router.post(
    "/subcases/{subcase_id}/accept", response={200: CaseOut, **ERRORS}, summary="Department acceptance (三类)"
)
def accept_registered(request: HttpRequest, subcase_id: str, payload: VersionIn) -> dict[str, Any]:
    sc = subcase_accept_registered(
        actor=request.user, subcase_id=subcase_id, expected_version=payload.version
    )
    return _reload(sc.case_id, request)


@router.post("/subcases/{subcase_id}/approve", response={200: CaseOut, **ERRORS}, summary="Approve (准予)")
def approve(request: HttpRequest, subcase_id: str, payload: OpinionIn) -> dict[str, Any]:
    sc = subcase_approve(
        actor=request.user, subcase_id=subcase_id, opinion=payload.opinion, expected_version=payload.version
    )
    return _reload(sc.case_id, request)


@router.post(
    "/subcases/{subcase_id}/reject",
    response={200: CaseOut, **ERRORS},
    summary="Reject (不予) with the reason",
)
def reject(request: HttpRequest, subcase_id: str, payload: OpinionIn) -> dict[str, Any]:
    sc = subcase_reject(
        actor=request.user, subcase_id=subcase_id, opinion=payload.opinion, expected_version=payload.version
    )
    return _reload(sc.case_id, request)


@router.post(
    "/subcases/{subcase_id}/window-decision",
    response={200: CaseOut, **ERRORS},
    summary="一类: decided at the window",
)
def window_decision(request: HttpRequest, subcase_id: str, payload: WindowDecisionIn) -> dict[str, Any]:
    sc = subcase_decide_at_window(
        actor=request.user, subcase_id=subcase_id, approve=payload.approve, opinion=payload.opinion
    )
    return _reload(sc.case_id, request)


@router.post(
    "/subcases/{subcase_id}/supplement",
    response={200: CaseOut, **ERRORS},
    summary="Request a supplement (补正)",
)
def request_supplement(request: HttpRequest, subcase_id: str, payload: SupplementIn) -> dict[str, Any]:
    supplement = subcase_request_supplement(
        actor=request.user,
        subcase_id=subcase_id,
        items=[SupplementItemIn(target=i.target, message=i.message) for i in payload.items],
        expected_version=payload.version,
    )
    return _reload(supplement.case_id, request)


@router.post(
    "/subcases/{subcase_id}/special-procedure",
    response={200: CaseOut, **ERRORS},
    summary="Start a special procedure",
)
def start_special(request: HttpRequest, subcase_id: str, payload: SpecialProcedureIn) -> dict[str, Any]:
    sc = subcase_start_special_procedure(
        actor=request.user,
        subcase_id=subcase_id,
        procedure=payload.procedure,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _reload(sc.case_id, request)


@router.post(
    "/subcases/{subcase_id}/special-procedure/end",
    response={200: CaseOut, **ERRORS},
    summary="End a special procedure",
)
def end_special(request: HttpRequest, subcase_id: str, payload: SpecialProcedureEndIn) -> dict[str, Any]:
    sc = subcase_end_special_procedure(
        actor=request.user, subcase_id=subcase_id, result=payload.result, expected_version=payload.version
    )
    return _reload(sc.case_id, request)


@router.post("/subcases/{subcase_id}/reassign", response={200: CaseOut, **ERRORS}, summary="Reassign (转办)")
def reassign(request: HttpRequest, subcase_id: str, payload: ReassignIn) -> dict[str, Any]:
    target = get_user_model().objects.filter(username=payload.to_user).first()
    sc = subcase_reassign(
        actor=request.user,
        subcase_id=subcase_id,
        to_user=target,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _reload(sc.case_id, request)


@router.post(
    "/subcases/{subcase_id}/instant-review",
    response={200: CaseOut, **ERRORS},
    summary="Review an instant decision",
)
def instant_review(request: HttpRequest, subcase_id: str, payload: InstantReviewIn) -> dict[str, Any]:
    decision = subcase_review_instant(
        actor=request.user, subcase_id=subcase_id, uphold=payload.uphold, opinion=payload.opinion
    )
    return _reload(decision.subcase.case_id, request)


# --- joint site inspection (联合踏勘) and partner steps ---------------------------------------------


class InspectionScheduleIn(Schema):
    scheduled_for: dt.datetime = Field(
        ..., description="踏勘时间 (ISO 8601; without an offset: Asia/Shanghai)"
    )
    place: str


class FindingSchema(Schema):
    department: str = Field(..., description="department code; you record only your own department's part")
    findings: str
    conclusion: Literal["pass", "fail", "conditional"]
    subcase: str = Field("", description="item code, only when your department inspects for several items")


class FindingsIn(Schema):
    findings: list[FindingSchema]


class ParticipantOut(Schema):
    subcase: str
    code: str
    name: str
    department: str | None
    pauses_clock: bool
    findings: str
    conclusion: str
    conclusion_label: str
    recorded_by: str
    recorded_at: dt.datetime | None


class InspectionOut(Schema):
    id: str
    case_id: str
    scheduled_for: dt.datetime
    place: str
    lead_department: str | None
    status: str
    status_label: str
    scheduled_by: str
    held_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str
    participants: list[ParticipantOut]


class PartnerTryOut(Schema):
    number: int
    at: dt.datetime
    ok: bool
    http_status: int | None
    error: str
    duration_ms: int
    next_attempt_at: dt.datetime | None


class PartnerDeliveryOut(Schema):
    id: str
    partner: str | None
    partner_name: str | None
    status: str
    status_label: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_http_status: int | None
    last_error: str
    sent_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    failed_at: dt.datetime | None
    tries: list[PartnerTryOut]


def _inspection_out(inspection: Any) -> dict[str, Any]:
    return {
        "id": str(inspection.pk),
        "case_id": str(inspection.case_id),
        "scheduled_for": inspection.scheduled_for,
        "place": inspection.place,
        "lead_department": inspection.lead_department.name if inspection.lead_department else None,
        "status": inspection.status,
        "status_label": inspection.get_status_display(),
        "scheduled_by": inspection.scheduled_by_label,
        "held_at": inspection.held_at,
        "cancelled_at": inspection.cancelled_at,
        "cancel_reason": inspection.cancel_reason,
        "participants": [
            {
                "subcase": str(p.subcase_id),
                "code": p.subcase.code,
                "name": p.subcase.name,
                "department": p.department.name if p.department else None,
                "pauses_clock": p.pauses_clock,
                "findings": p.findings,
                "conclusion": p.conclusion,
                "conclusion_label": p.get_conclusion_display() if p.conclusion else "",
                "recorded_by": p.recorded_by_label,
                "recorded_at": p.recorded_at,
            }
            for p in inspection.participants.all()
        ],
    }


def _inspection_reload(request: HttpRequest, inspection_id: Any) -> dict[str, Any]:
    inspection = access_inspection(request.user, inspection_id)
    return _inspection_out(case_inspections(inspection.case).get(pk=inspection.pk))


@router.get(
    "/cases/{case_id}/inspections",
    response={200: list[InspectionOut], **ERRORS},
    summary="The case's joint site inspections (联合踏勘)",
)
def list_inspections(request: HttpRequest, case_id: str) -> list[dict[str, Any]]:
    case = access_case_by_id(request.user, case_id)
    return [_inspection_out(i) for i in case_inspections(case)]


@router.post(
    "/cases/{case_id}/inspections",
    response={201: InspectionOut, **ERRORS},
    summary="Schedule one joint site inspection for every item that needs one",
)
def schedule_inspection(
    request: HttpRequest, case_id: str, payload: InspectionScheduleIn
) -> Status[dict[str, Any]]:
    inspection = inspection_schedule(
        actor=request.user, case_id=case_id, when=payload.scheduled_for, place=payload.place
    )
    return Status(201, _inspection_reload(request, inspection.pk))


@router.post(
    "/inspections/{inspection_id}/findings",
    response={200: InspectionOut, **ERRORS},
    summary="Record your department's inspection findings",
)
def record_findings(request: HttpRequest, inspection_id: str, payload: FindingsIn) -> dict[str, Any]:
    inspection_record_findings(
        actor=request.user,
        inspection_id=inspection_id,
        findings=[
            FindingIn(
                department=f.department, findings=f.findings, conclusion=f.conclusion, subcase=f.subcase
            )
            for f in payload.findings
        ],
    )
    return _inspection_reload(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/cancel",
    response={200: InspectionOut, **ERRORS},
    summary="Cancel a scheduled joint site inspection",
)
def cancel_inspection(request: HttpRequest, inspection_id: str, payload: ReasonIn) -> dict[str, Any]:
    inspection_cancel(actor=request.user, inspection_id=inspection_id, reason=payload.reason)
    return _inspection_reload(request, inspection_id)


@router.get(
    "/subcases/{subcase_id}/partner",
    response={200: list[PartnerDeliveryOut], **ERRORS},
    summary="A partner step's deliveries to its partner, with every try",
)
def partner_status(request: HttpRequest, subcase_id: str) -> list[dict[str, Any]]:
    subcase = _partner_subcase(request, subcase_id)
    return partner_deliveries(subcase)


@router.post(
    "/subcases/{subcase_id}/partner/resend",
    response={200: list[PartnerDeliveryOut], **ERRORS},
    summary="Send a failed partner step again (lead department)",
)
def partner_resend(request: HttpRequest, subcase_id: str) -> list[dict[str, Any]]:
    partner_delivery_retry(actor=request.user, subcase_id=subcase_id)
    return partner_deliveries(_partner_subcase(request, subcase_id))


def _partner_subcase(request: HttpRequest, subcase_id: str) -> SubCase:
    try:
        subcase = SubCase.objects.filter(pk=subcase_id, kind=SubCaseKind.PARTNER).first()
    except (ValueError, DjangoValidationError):
        subcase = None
    if subcase is None:
        raise NotFound("没有找到该合作机构环节", field="subcase")
    try:
        access_case_by_id(request.user, subcase.case_id)
    except NotFound:
        raise NotFound("没有找到该合作机构环节", field="subcase") from None
    return subcase
