"""The clerks' acceptance queue (待受理) as JSON: the same selector as the workbench page (cases.queue)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from onego.api.cases import ERRORS, StaffSessionAuth
from onego.cases.queue import acceptance_queue

router = Router(tags=["cases"], auth=StaffSessionAuth())


class QueueRowOut(Schema):
    case_id: uuid.UUID
    reference: str
    package_code: str
    package_name: str
    region_code: str
    region_name: str
    applicant: str = Field(..., description="masked name (张*)")
    channel: Literal["web", "app", "counter"]
    status: Literal["submitted", "pre_reviewed"]
    submitted_at: dt.datetime
    waiting_minutes: int = Field(..., description="minutes since submission")
    waiting_label: str = Field(..., description="e.g. 3小时20分钟")
    consent_channel: Literal["online", "counter", "api", "declined", "none"] = Field(
        ..., description="where the consent to share data was given"
    )
    consent_label: str


class QueueOut(Schema):
    count: int
    rows: list[QueueRowOut]


@router.get(
    "/acceptance-queue",
    response={200: QueueOut, **ERRORS},
    summary="Online submissions awaiting acceptance in the clerk's centre, oldest first",
    description="Clerks only (403 otherwise); a clerk sees the regions their windows serve.",
)
def get_acceptance_queue(request: HttpRequest) -> dict[str, object]:
    rows = acceptance_queue(request.user)
    return {"count": len(rows), "rows": rows}
