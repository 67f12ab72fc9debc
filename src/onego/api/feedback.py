"""好差评 endpoints: levels and indicators, the applicant's evaluation of a case, the window's short
code, the rectification work orders, and the public satisfaction figures.

Thin: parse, call one service or selector, shape the answer. Who rates and through which channel is
decided here (the applicant's session → `api`; a window code → `counter`), never read from the body.
Errors are `{"detail": {"code", "message", "field"}}` with 400/403/404/409 (api/urls.py).
Nothing returned to staff names the rater.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.security import SessionAuth

from onego.accounts.selectors import staff_of
from onego.api.cases import StaffSessionAuth
from onego.api.errors import ErrorOut
from onego.core import clock
from onego.core.errors import NotFound
from onego.feedback import rules, selectors
from onego.feedback.models import Evaluation, Rectification
from onego.feedback.rules import Channel
from onego.feedback.services import (
    DepartmentRatingIn,
    RatingIn,
    evaluation_submit,
    evaluation_submit_by_invitation,
    invitation_issue,
    rectification_answer,
    rectification_appeal,
    rectification_close,
    rectification_review,
)
from onego.signin import session as applicant_session
from onego.signin.models import ApplicantAccount
from onego.signin.session import SignedIn


class ApplicantSessionAuth(SessionAuth):
    """The applicant signed in on the portal (same session, CSRF-protected): returns `SignedIn`."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        account = ApplicantAccount.objects.filter(user=user).values_list("subject_index", flat=True).first()
        if account is None:
            return None
        return applicant_session.current(request.session, account_index=account)


router = Router(tags=["feedback"])
applicant_auth = ApplicantSessionAuth()
# Staff: the cases API's gate (an active membership, and the second factor where it is required).
staff_auth = StaffSessionAuth()


# --- schemas ------------------------------------------------------------------------------------------------


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class LevelOut(Schema):
    value: int
    label: str
    bad: bool


class TagOut(Schema):
    code: str
    label: str
    online: bool
    on_site: bool


class LevelsOut(Schema):
    levels: list[LevelOut]
    tags: list[TagOut]
    comment_max: int


class DepartmentRatingSchema(Schema):
    department: str = Field(
        ..., description="department code (GET the evaluation to see the case's departments)"
    )
    level: int = Field(..., ge=1, le=5)
    tags: list[str] = Field(default_factory=list)
    comment: str = ""


class RatingSchema(Schema):
    level: int = Field(..., description="5 非常满意 … 1 非常不满意")
    tags: list[str] = Field(default_factory=list)
    comment: str = ""
    departments: list[DepartmentRatingSchema] = Field(default_factory=list)


class DepartmentRatingOut(Schema):
    department: str
    department_name: str
    level: int
    comment: str


class RectificationBrief(Schema):
    id: uuid.UUID
    department: str
    status: str
    status_label: str
    due_on: dt.date
    reply: str


class EvaluationOut(Schema):
    case: uuid.UUID
    level: int
    level_label: str
    tags: list[str]
    comment: str
    channel: str
    version: int
    first_rated_at: dt.datetime
    rated_at: dt.datetime
    voided: bool
    departments: list[DepartmentRatingOut]
    rectifications: list[RectificationBrief]


class InvitationOut(Schema):
    code: str
    url: str
    expires_at: dt.datetime


class HistoryOut(Schema):
    at: dt.datetime
    who: str
    action: str
    from_status: str
    to_status: str
    reason: str


class RectificationOut(Schema):
    id: uuid.UUID
    case_reference: str
    package_name: str
    department: str
    department_name: str
    overall: bool
    status: str
    status_label: str
    round: int
    level: int
    level_label: str
    complaint: str
    tags: list[str]
    opened_at: dt.datetime
    due_on: dt.date
    due_days: int
    overdue: bool
    escalated: bool
    finding: str
    verification: str
    changes: str
    reply: str
    answered_on_time: bool | None
    appeal_reason: str
    review_reason: str
    history: list[HistoryOut] = Field(default_factory=list)


class AnswerIn(Schema):
    finding: Literal["rectified", "no_basis"]
    verification: str
    changes: str = ""
    reply: str


class ReasonIn(Schema):
    reason: str


class ReviewIn(Schema):
    uphold: bool
    reason: str


class SatisfactionRowOut(Schema):
    key: str
    label: str
    ratings: int
    average: float
    satisfied_share: float
    bad: int


# --- shaping ------------------------------------------------------------------------------------------------


def _evaluation_out(evaluation: Evaluation) -> EvaluationOut:
    return EvaluationOut(
        case=evaluation.case_id,
        level=evaluation.level,
        level_label=rules.Level(evaluation.level).label,
        tags=list(evaluation.tags),
        comment=evaluation.comment,
        channel=evaluation.channel,
        version=evaluation.version,
        first_rated_at=evaluation.first_rated_at,
        rated_at=evaluation.rated_at,
        voided=evaluation.voided_at is not None,
        departments=[
            DepartmentRatingOut(
                department=d.department.code,
                department_name=d.department.name,
                level=d.level,
                comment=d.comment,
            )
            for d in evaluation.departments.select_related("department")
        ],
        rectifications=[
            RectificationBrief(
                id=r.pk,
                department=r.department.name,
                status=r.status,
                status_label=r.get_status_display(),
                due_on=r.due_on,
                reply=r.reply,
            )
            for r in evaluation.rectifications.select_related("department")
        ],
    )


def _rating(body: RatingSchema) -> RatingIn:
    return RatingIn(
        level=body.level,
        tags=body.tags,
        comment=body.comment,
        departments=[DepartmentRatingIn(d.department, d.level, d.tags, d.comment) for d in body.departments],
    )


def rectification_out(rect: Rectification, *, history: bool = False) -> RectificationOut:
    return RectificationOut(
        id=rect.pk,
        case_reference=rect.case.reference,
        package_name=rect.case.package_name,
        department=rect.department.code,
        department_name=rect.department.name,
        overall=rect.overall,
        status=rect.status,
        status_label=rect.get_status_display(),
        round=rect.round,
        level=rect.level,
        level_label=rules.Level(rect.level).label,
        complaint=rect.complaint,
        tags=list(rect.tags),
        opened_at=rect.opened_at,
        due_on=rect.due_on,
        due_days=rect.due_days,
        overdue=rect.status == rules.RectStatus.OPEN and rect.due_on < clock.today(),
        escalated=rect.escalated_at is not None,
        finding=rect.finding,
        verification=rect.verification,
        changes=rect.changes,
        reply=rect.reply,
        answered_on_time=rect.answered_on_time,
        appeal_reason=rect.appeal_reason,
        review_reason=rect.review_reason,
        history=[
            HistoryOut(
                at=t.at,
                who=t.actor_label,
                action=t.action,
                from_status=t.from_status,
                to_status=t.to_status,
                reason=t.reason,
            )
            for t in rect.transitions.all()
        ]
        if history
        else [],
    )


# --- public -------------------------------------------------------------------------------------------------


@router.get("/feedback/levels", response=LevelsOut, auth=None, summary="The five levels and the indicators")
def levels(request: HttpRequest) -> LevelsOut:
    return LevelsOut(
        levels=[
            LevelOut(value=int(lv), label=lv.label, bad=rules.is_bad(lv))
            for lv in sorted(rules.Level, reverse=True)
        ],
        tags=[TagOut(code=t.code, label=t.label, online=t.online, on_site=t.on_site) for t in rules.TAGS],
        comment_max=rules.COMMENT_MAX,
    )


@router.get(
    "/feedback/satisfaction",
    response={200: list[SatisfactionRowOut], 400: ErrorOut},
    auth=None,
    summary="Aggregated satisfaction (no personal data)",
)
def satisfaction(
    request: HttpRequest,
    by: Literal["department", "package", "region", "channel", "period"] = "department",
    since: dt.date | None = None,
) -> list[Any]:
    return list(selectors.satisfaction(by=by, since=since))


@router.post(
    "/feedback/window/{code}/evaluation",
    response={201: EvaluationOut, **ERRORS},
    auth=None,
    summary="Rate a visit with the window's short code (一次一评; the code is the credential)",
)
def rate_with_code(request: HttpRequest, code: str, body: RatingSchema) -> Status[EvaluationOut]:
    evaluation = evaluation_submit_by_invitation(code=code, rating=_rating(body))
    return Status(201, _evaluation_out(evaluation))


# --- the applicant ------------------------------------------------------------------------------------------


@router.get(
    "/feedback/cases/{case_id}/evaluation",
    response={200: EvaluationOut, **ERRORS},
    auth=applicant_auth,
    summary="My evaluation of my case",
)
def my_evaluation(request: HttpRequest, case_id: str) -> EvaluationOut:
    signed_in: SignedIn = request.auth  # type: ignore[attr-defined]
    evaluation = Evaluation.objects.filter(
        case_id=_uuid_or_404(case_id), rater_index=signed_in.acting.index
    ).first()
    if evaluation is None:
        raise NotFound("没有找到该办件的评价", field="case")
    return _evaluation_out(evaluation)


@router.post(
    "/feedback/cases/{case_id}/evaluation",
    response={200: EvaluationOut, **ERRORS},
    auth=applicant_auth,
    summary="Rate my case, or amend / re-rate it",
)
def rate_my_case(request: HttpRequest, case_id: str, body: RatingSchema) -> EvaluationOut:
    signed_in: SignedIn = request.auth  # type: ignore[attr-defined]
    evaluation = evaluation_submit(
        case_id=case_id, rater_index=signed_in.acting.index, channel=Channel.API, rating=_rating(body)
    )
    return _evaluation_out(evaluation)


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("没有找到该办件", field="case") from None


# --- staff --------------------------------------------------------------------------------------------------


@router.post(
    "/feedback/cases/{case_id}/invitations",
    response={201: InvitationOut, **ERRORS},
    auth=staff_auth,
    summary="A short code for rating this visit at the window",
)
def issue_invitation(request: HttpRequest, case_id: str) -> Status[InvitationOut]:
    invitation = invitation_issue(actor=request.user, case_id=case_id)
    url = request.build_absolute_uri(reverse("portal:rate_at_window", args=[invitation.code]))
    return Status(201, InvitationOut(code=invitation.code, url=url, expires_at=invitation.expires_at))


class RectificationFilter(Schema):
    status: list[str] | None = None


@router.get(
    "/feedback/rectifications",
    response=list[RectificationOut],
    auth=staff_auth,
    summary="Work orders of my departments (a supervisor: of the region)",
)
def rectifications(request: HttpRequest, filters: Query[RectificationFilter]) -> list[RectificationOut]:
    rows = selectors.rectifications_for(staff_of(request.user), statuses=filters.status)[:500]
    return [rectification_out(r) for r in rows]


@router.get(
    "/feedback/rectifications/{rectification_id}",
    response={200: RectificationOut, **ERRORS},
    auth=staff_auth,
    summary="One work order with its history",
)
def rectification(request: HttpRequest, rectification_id: str) -> RectificationOut:
    rect = selectors.access_rectification(staff_of(request.user), rectification_id)
    return rectification_out(rect, history=True)


def _reloaded(request: HttpRequest, rect: Rectification) -> RectificationOut:
    return rectification_out(selectors.access_rectification(staff_of(request.user), rect.pk), history=True)


@router.post(
    "/feedback/rectifications/{rectification_id}/answer",
    response={200: RectificationOut, **ERRORS},
    auth=staff_auth,
    summary="Record verification, changes and the reply; the applicant is called back",
)
def answer(request: HttpRequest, rectification_id: str, body: AnswerIn) -> RectificationOut:
    rect = rectification_answer(
        actor=request.user,
        rectification_id=rectification_id,
        finding=body.finding,
        verification=body.verification,
        changes=body.changes,
        reply=body.reply,
    )
    return _reloaded(request, rect)


@router.post(
    "/feedback/rectifications/{rectification_id}/appeal",
    response={200: RectificationOut, **ERRORS},
    auth=staff_auth,
    summary="Appeal a mistaken or malicious rating (department head)",
)
def appeal(request: HttpRequest, rectification_id: str, body: ReasonIn) -> RectificationOut:
    rect = rectification_appeal(actor=request.user, rectification_id=rectification_id, reason=body.reason)
    return _reloaded(request, rect)


@router.post(
    "/feedback/rectifications/{rectification_id}/review",
    response={200: RectificationOut, **ERRORS},
    auth=staff_auth,
    summary="Decide an appeal (supervisor)",
)
def review(request: HttpRequest, rectification_id: str, body: ReviewIn) -> RectificationOut:
    rect = rectification_review(
        actor=request.user, rectification_id=rectification_id, uphold=body.uphold, reason=body.reason
    )
    return _reloaded(request, rect)


@router.post(
    "/feedback/rectifications/{rectification_id}/close",
    response={200: RectificationOut, **ERRORS},
    auth=staff_auth,
    summary="Close an answered work order the applicant did not re-rate (supervisor)",
)
def close(request: HttpRequest, rectification_id: str, body: ReasonIn) -> RectificationOut:
    rect = rectification_close(actor=request.user, rectification_id=rectification_id, reason=body.reason)
    return _reloaded(request, rect)
