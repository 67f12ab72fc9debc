"""The acceptance queue (待受理): online submissions waiting for a clerk of their centre to accept them.

One selector for the workbench page (`/workbench/queue/`) and the API (`GET /api/v1/acceptance-queue`):
submissions that came in online (portal or API) and passed or await pre-review, in the regions the
clerk's windows serve, oldest first, with how long each has waited and where its consent came from.
A clerk sees only their centre's: a clerk of another region gets an empty queue, and a person who is no
clerk is refused (PermissionDenied).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from onego.accounts.models import Role
from onego.accounts.selectors import Staff, staff_of
from onego.cases.access import region_prefix
from onego.cases.models import Case, Channel
from onego.cases.workflow import CaseStatus
from onego.core import clock
from onego.core.errors import PermissionDenied
from onego.exchange.models import Consent, ConsentChannel, ConsentDecision

ONLINE_CHANNELS = (Channel.WEB, Channel.APP)
WAITING_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.PRE_REVIEWED)

CONSENT_ONLINE = "online"
CONSENT_COUNTER = "counter"
CONSENT_API = "api"
CONSENT_DECLINED = "declined"
CONSENT_NONE = "none"
CONSENT_LABELS = {
    CONSENT_ONLINE: "申请人网上授权",
    CONSENT_COUNTER: "窗口当面授权",
    CONSENT_API: "经接口授权",
    CONSENT_DECLINED: "申请人拒绝授权（自行填写）",
    CONSENT_NONE: "未授权",
}


@dataclass(frozen=True)
class QueueRow:
    case_id: uuid.UUID
    reference: str
    package_code: str
    package_name: str
    region_code: str
    region_name: str
    applicant: str  # masked (张*), never the name in full
    channel: str
    channel_label: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    waiting_minutes: int
    waiting_label: str
    consent_channel: str  # online | counter | api | declined | none
    consent_label: str


def waiting_label(minutes: int) -> str:
    """How long, in the words a clerk uses: 不到1分钟, 45分钟, 3小时20分钟, 2天5小时."""
    if minutes < 1:
        return "不到1分钟"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分钟" if mins else f"{hours}小时"
    return f"{mins}分钟"


def consent_channel(consent: Consent | None) -> str:
    """Where the consent was given, from who the exchange recorded as giving it (`Consent.channel`, set by the server, and `Consent.actor`):
    the applicant themself (`applicant:…`) online, a clerk at a window (`dept:…/user:…`), anyone
    else through the API."""
    if consent is None:
        return CONSENT_NONE
    if consent.decision == ConsentDecision.DECLINED:
        return CONSENT_DECLINED
    if consent.channel == ConsentChannel.WINDOW or consent.actor.startswith("dept:"):
        return CONSENT_COUNTER
    if consent.actor.startswith("applicant:"):
        return CONSENT_ONLINE
    return CONSENT_API


def _clerk_regions(staff: Staff) -> set[str]:
    return staff.regions([Role.CLERK])


def acceptance_queue(
    user: Any, *, staff: Staff | None = None, limit: int = 200, offset: int = 0
) -> list[QueueRow]:
    """The online submissions awaiting acceptance in the clerk's regions, oldest first (`offset`: paging)."""
    staff = staff if staff is not None else staff_of(user)
    regions = _clerk_regions(staff)
    if not regions:
        raise PermissionDenied("待受理队列仅供综合窗口受理员查看", field="role")
    in_regions = Q()
    for code in regions:
        in_regions |= Q(region__code__startswith=region_prefix(code))
    cases = list(
        Case.objects.filter(in_regions, channel__in=ONLINE_CHANNELS, status__in=WAITING_STATUSES)
        .exclude(submitted_at=None)
        .select_related("region")
        .order_by("submitted_at", "reference")[offset : offset + limit]
    )
    consents: dict[uuid.UUID, Consent] = {}
    for consent in Consent.objects.filter(case_ref__in=[c.pk for c in cases]).order_by("created_at"):
        consents[consent.case_ref] = consent  # the latest decision counts
    now = clock.now()
    rows = []
    for case in cases:
        assert case.submitted_at is not None  # excluded above
        minutes = max(0, int((now - case.submitted_at).total_seconds() // 60))
        source = consent_channel(consents.get(case.pk))
        rows.append(
            QueueRow(
                case_id=case.pk,
                reference=case.reference,
                package_code=case.package_code,
                package_name=case.package_name,
                region_code=case.region.code,
                region_name=case.region.name,
                applicant=case.applicant_display,
                channel=case.channel,
                channel_label=Channel(case.channel).label,
                status=case.status,
                status_label=CaseStatus(case.status).label,
                submitted_at=case.submitted_at,
                waiting_minutes=minutes,
                waiting_label=waiting_label(minutes),
                consent_channel=source,
                consent_label=CONSENT_LABELS[source],
            )
        )
    return rows
