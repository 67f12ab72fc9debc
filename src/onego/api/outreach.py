"""为您推荐 (proactive offers) for the signed-in applicant: list their own, opt out or back in, start one,
dismiss one. The same services and access function as the portal pages (onego.outreach); whom an offer or
a choice is for is always the signed-in person, never a value in the body ("not found" = "not yours").
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from onego.api.errors import ErrorOut
from onego.api.feedback import applicant_auth
from onego.outreach import services
from onego.outreach.models import Offer, OfferStatus
from onego.outreach.selectors import offers_for, rule_choices
from onego.signin.session import SignedIn

router = Router(tags=["outreach"], auth=applicant_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class OfferOut(Schema):
    id: uuid.UUID
    rule: str
    rule_name: str
    rule_name_en: str
    package: str
    package_name: str
    package_name_en: str
    region: str
    message: str
    message_en: str
    status: str
    status_label: str
    offered_at: dt.datetime
    started_at: dt.datetime | None
    draft_id: uuid.UUID | None


class RuleChoiceOut(Schema):
    code: str
    name: str
    name_en: str
    opted_out: bool


class MyOffersOut(Schema):
    offers: list[OfferOut]
    rules: list[RuleChoiceOut]


class PreferenceIn(Schema):
    rule: str = Field("", description="a rule's code; empty: every rule", max_length=80)
    choice: Literal["out", "in"] = Field(..., description="out: stop these offers; in: receive them again")


class PreferenceOut(Schema):
    rule: str
    opted_out: bool


class StartOut(Schema):
    offer: OfferOut
    draft_id: uuid.UUID
    url: str


def offer_out(offer: Offer) -> OfferOut:
    return OfferOut(
        id=offer.pk,
        rule=offer.rule_code,
        rule_name=offer.rule_name,
        rule_name_en=offer.rule_name_en,
        package=offer.package_code,
        package_name=offer.package_name,
        package_name_en=offer.package_name_en,
        region=offer.region_code,
        message=offer.message,
        message_en=offer.message_en,
        status=offer.status,
        status_label=str(OfferStatus(offer.status).label),
        offered_at=offer.offered_at,
        started_at=offer.started_at,
        draft_id=offer.draft_id,
    )


def _me(request: HttpRequest) -> SignedIn:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@router.get("/me/offers", response={200: MyOffersOut}, summary="My proactive offers and the rules I receive")
def my_offers(request: HttpRequest) -> MyOffersOut:
    index = _me(request).person.index
    return MyOffersOut(
        offers=[offer_out(o) for o in offers_for(index)],
        rules=[
            RuleChoiceOut(
                code=str(r["code"]),
                name=str(r["name"]),
                name_en=str(r["name_en"]),
                opted_out=bool(r["opted_out"]),
            )
            for r in rule_choices(list(services.active_rules().rules), index)
        ],
    )


@router.post(
    "/me/offers/preferences",
    response={200: PreferenceOut, **ERRORS},
    summary="Opt out of a rule's offers (or every rule's), or back in",
)
def offer_preferences(request: HttpRequest, body: PreferenceIn) -> PreferenceOut:
    service = services.opt_out if body.choice == "out" else services.opt_in
    choice = service(person_index=_me(request).person.index, rule_code=body.rule.strip(), channel="api")
    return PreferenceOut(rule=choice.rule_code, opted_out=choice.opted_out)


@router.post(
    "/me/offers/{offer_id}/start",
    response={201: StartOut, **ERRORS},
    summary="Start (or resume) the offered package's application, its known answers filled in",
)
def offer_start(request: HttpRequest, offer_id: str) -> Status[StartOut]:
    signed_in = _me(request)
    draft = services.offer_start(user=request.user, signed_in=signed_in, offer_id=offer_id)
    offer = services.access_offer(person_index=signed_in.person.index, offer_id=offer_id)
    return Status(
        201,
        StartOut(
            offer=offer_out(offer), draft_id=draft.pk, url=reverse("portal:apply_resume", args=[draft.pk])
        ),
    )


@router.post("/me/offers/{offer_id}/dismiss", response={200: OfferOut, **ERRORS}, summary="Dismiss an offer")
def offer_dismiss(request: HttpRequest, offer_id: str) -> OfferOut:
    return offer_out(services.offer_dismiss(signed_in=_me(request), offer_id=offer_id))
