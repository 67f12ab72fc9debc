"""Consent is bound to a real case and recorded with the real giver and channel, for every channel."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from onego.applications.consent import application_consent
from onego.cases.services.acceptance import case_accept
from onego.core.errors import NotFound, PermissionDenied, ValidationFailed
from onego.exchange.models import Consent
from onego.ledger.models import LedgerEntry
from tests.cases.factories import submit

pytestmark = pytest.mark.django_db


def draft_case(actor: Any, **kw: Any) -> Any:
    return submit(actor, draft=True, form_data={}, materials=[], **kw).case


def test_a_clerk_gives_consent_for_the_applicant_in_front_of_them_recorded_as_the_clerk(staff: Any) -> None:
    case = draft_case(staff.clerk)
    consent = application_consent(user=staff.clerk, case_id=case.pk, agree=True)
    assert (consent.actor, consent.channel) == ("dept:nm-zwfw/user:clerk", "window")
    entry = LedgerEntry.objects.get(kind="consent.granted")
    assert entry.actor == "dept:nm-zwfw/user:clerk"
    assert entry.payload["channel"] == "window"
    assert not entry.actor.startswith("applicant:")


def test_the_applicant_online_gives_their_own_consent_on_the_web(staff: Any) -> None:
    applicant = get_user_model().objects.create_user(username="zhangsan", password=None)
    case = draft_case(applicant, channel="web")
    consent = application_consent(user=applicant, case_id=case.pk, agree=False)
    assert consent.channel == "web"
    assert consent.actor == f"applicant:{case.applicant_index}"


def test_consent_on_a_case_that_does_not_exist_is_not_found_and_nothing_is_recorded(staff: Any) -> None:
    with pytest.raises(NotFound):
        application_consent(user=staff.clerk, case_id=uuid.uuid4(), agree=True)
    assert not Consent.objects.exists()
    assert not LedgerEntry.objects.filter(kind__startswith="consent.").exists()


def test_officers_and_clerks_of_another_region_cannot_give_consent(staff: Any) -> None:
    case = draft_case(staff.clerk)
    for user in (staff.officer, staff.supervisor, staff.other_clerk):
        with pytest.raises((PermissionDenied, NotFound)):
            application_consent(user=user, case_id=case.pk, agree=True)
    assert not Consent.objects.exists()


def test_consent_after_acceptance_is_refused(staff: Any) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    with pytest.raises(ValidationFailed) as err:
        application_consent(user=staff.clerk, case_id=case.pk, agree=True)
    assert err.value.field == "case_ref"
