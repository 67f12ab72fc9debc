"""新一件事建议 in the API: the public list and a proposal (anyone), proposing and supporting (the signed-in
applicant), and for service-centre administrators the ranking by support or by the demand the cases show
in their region, and marking a proposal built or declined. The same services, selectors and access
function as the pages (onego.standards); who proposes, supports or decides comes from the session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import SessionAuth

from onego.accounts.otp import is_verified, second_factor_required
from onego.accounts.selectors import staff_of
from onego.api.errors import ErrorOut
from onego.api.feedback import applicant_auth
from onego.catalog.models import Region
from onego.signin.session import SignedIn
from onego.standards.models import Proposal, ProposalStatus
from onego.standards.proposals import (
    DESCRIPTION,
    MAX_ITEMS,
    TITLE,
    proposal_decide,
    proposal_submit,
    proposal_support,
)
from onego.standards.selectors import (
    access_demand_region,
    demand_pairs,
    proposal_by_id,
    public_proposals,
    ranked_proposals,
)


class AdministratorSessionAuth(SessionAuth):
    """Service-centre administrators (Django's staff flag, as the workbench's standards pages), past the
    second factor where it is required."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not (user.is_authenticated and user.is_active and getattr(user, "is_staff", False)):
            return None
        return user if not second_factor_required(user) or is_verified(user) else None


router = Router(tags=["standards"])
administrator_auth = AdministratorSessionAuth()
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ItemOut(Schema):
    code: str
    name: str


class ProposalOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    items: list[ItemOut]
    departments: str
    proposer: str = Field(..., description="the proposer's masked name")
    support_count: int
    status: str
    status_label: str
    built_package: str
    decision_note: str
    created_at: dt.datetime


class ProposalIn(Schema):
    title: str = Field(..., description=f"{TITLE[0]}–{TITLE[1]} characters", max_length=500)
    description: str = Field(
        ..., description=f"{DESCRIPTION[0]}–{DESCRIPTION[1]} characters", max_length=5000
    )
    items: list[str] = Field(default_factory=list, description=f"service item codes, at most {MAX_ITEMS}")
    departments: str = Field("", max_length=1000)


class DecisionIn(Schema):
    status: Literal["built", "declined"]
    package: str = Field("", description="the active package that was built (status built)")
    note: str = Field("", description="the answer to the proposer (required when declined)")


class RankedOut(Schema):
    proposal: ProposalOut
    demand: int = Field(..., description="applicants who applied for a pair of its items together")
    demand_pair: list[str] | None


class PairOut(Schema):
    item_a: ItemOut
    item_b: ItemOut
    applicants: int
    window_days: int
    computed_at: dt.datetime


class RankingOut(Schema):
    region: str = Field(..., description="the region whose cases the demand counts; empty: the province")
    region_name: str
    by: str
    proposals: list[RankedOut]
    pairs: list[PairOut]


def proposal_out(proposal: Proposal) -> ProposalOut:
    return ProposalOut(
        id=proposal.pk,
        title=proposal.title,
        description=proposal.description,
        items=[ItemOut(code=i.code, name=i.name) for i in proposal.items.all()],
        departments=proposal.departments,
        proposer=proposal.proposer_display,
        support_count=proposal.support_count,
        status=proposal.status,
        status_label=str(ProposalStatus(proposal.status).label),
        built_package=proposal.built_package.code if proposal.built_package else "",
        decision_note=proposal.decision_note,
        created_at=proposal.created_at,
    )


@router.get(
    "/proposals", response=list[ProposalOut], auth=None, summary="Public proposals, most supported first"
)
def proposals(request: HttpRequest) -> list[ProposalOut]:
    return [proposal_out(p) for p in public_proposals()]


@router.get(
    "/proposals/{proposal_id}", response={200: ProposalOut, **ERRORS}, auth=None, summary="A proposal"
)
def proposal(request: HttpRequest, proposal_id: str) -> ProposalOut:
    return proposal_out(proposal_by_id(proposal_id))


@router.post(
    "/proposals",
    response={201: ProposalOut, **ERRORS},
    auth=applicant_auth,
    summary="Propose a new package: things I had to do together",
)
def propose(request: HttpRequest, body: ProposalIn) -> Status[ProposalOut]:
    signed_in: SignedIn = request.auth  # type: ignore[attr-defined]
    created = proposal_submit(
        proposer_index=signed_in.person.index,
        proposer_display=signed_in.person.display,
        title=body.title,
        description=body.description,
        item_codes=body.items[:50],
        departments=body.departments,
    )
    return Status(201, proposal_out(proposal_by_id(created.pk)))


@router.post(
    "/proposals/{proposal_id}/support",
    response={200: ProposalOut, **ERRORS},
    auth=applicant_auth,
    summary="Support a proposal (once per person; not one's own)",
)
def support(request: HttpRequest, proposal_id: str) -> ProposalOut:
    signed_in: SignedIn = request.auth  # type: ignore[attr-defined]
    proposal_support(proposal_id=proposal_id, supporter_index=signed_in.person.index)
    return proposal_out(proposal_by_id(proposal_id))


@router.get(
    "/standards/proposals",
    response={200: RankingOut, **ERRORS},
    auth=administrator_auth,
    summary="Administrators: proposals ranked by support or by demand in their region, and the demand pairs",
)
def ranking(
    request: HttpRequest, by: Literal["support", "demand"] = "support", region: str = ""
) -> RankingOut:
    chosen: Region | None = access_demand_region(staff=staff_of(request.user), code=region)
    return RankingOut(
        region=chosen.code if chosen else "",
        region_name=chosen.name if chosen else "",
        by=by,
        proposals=[
            RankedOut(
                proposal=proposal_out(r.proposal),
                demand=r.demand,
                demand_pair=list(r.demand_pair) if r.demand_pair else None,
            )
            for r in ranked_proposals(by=by, region=chosen)
        ],
        pairs=[
            PairOut(
                item_a=ItemOut(code=p.item_a.code, name=p.item_a.name),
                item_b=ItemOut(code=p.item_b.code, name=p.item_b.name),
                applicants=p.applicants,
                window_days=p.window_days,
                computed_at=p.computed_at,
            )
            for p in demand_pairs(region=chosen)
        ],
    )


@router.post(
    "/standards/proposals/{proposal_id}/decide",
    response={200: ProposalOut, **ERRORS},
    auth=administrator_auth,
    summary="Administrators: mark a proposal built (with its package) or declined; the proposer is told",
)
def decide(request: HttpRequest, proposal_id: str, body: DecisionIn) -> ProposalOut:
    decided = proposal_decide(
        proposal_id=proposal_id,
        decided_by=request.user,
        status=body.status,
        package_code=body.package,
        note=body.note,
    )
    return proposal_out(proposal_by_id(decided.pk))
