from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from onego.exchange.models import Consent
from onego.exchange.preview import ConsentPreview
from onego.exchange.services import consent_grant, consent_preview
from onego.registries.gateway import Subject
from tests.exchange.factories import restaurant_contract
from tests.exchange.people import business_licence_for, resident, subject_of

# The restaurant package when the applicant already holds a business licence and the premises are
# small: food business permit only, plus the bank step.
ANSWERS = {"has_licence": True, "floor_area": 100}


@dataclass
class Applicant:
    subject: Subject
    name: str


@pytest.fixture
def applicant(db: None) -> Applicant:
    person = resident("王小红", born=dt.date(1992, 5, 17))
    subject = subject_of(person)
    business_licence_for(subject, "南明区小红餐馆")
    return Applicant(subject=subject, name=person.name)


@pytest.fixture
def restaurant(small_catalog: Path) -> None:
    """The small catalog and the restaurant package's contract."""
    restaurant_contract()


def preview_for(subject: Subject, answers: dict[str, object] | None = None) -> ConsentPreview:
    return consent_preview(
        package_code="open-restaurant",
        region_code="520102",
        answers=ANSWERS if answers is None else answers,
        applicant=subject,
    )


def grant(subject: Subject, *, case_ref: uuid.UUID | None = None, ttl_days: int = 30) -> Consent:
    return consent_grant(
        case_ref=case_ref or uuid.uuid4(),
        applicant=subject,
        preview=preview_for(subject),
        ttl_days=ttl_days,
    )
