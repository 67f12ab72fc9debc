"""Asking another adult for their own consent on an application, the same for portal, counter and API.

The applicant (online) or the window clerk (for the applicant in front of them) names the person whose
data is theirs to give (`consent: own`: the other parent, the seller…) by ID number and phone; the
exchange records the request (`onego.exchange.person_consent`) and, after commit, a one-time link goes to
that phone by SMS (the dev outbox: ONEGO_DATA_DIR/sms.log). The person opens it, signs in as themself
(the code goes to the phone the population register holds) and answers on their own page. Whoever asks,
the answer is only the person's (`other_person_decide`: the subject is the signed-in person's own).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from onego.cases.channels import ConsoleSmsBackend, Message, channel_for, sms_backend_name
from onego.core import pii
from onego.exchange.models import PersonConsentRequest
from onego.exchange.person_consent import (
    askable_subjects,
    person_consent_decide,
    person_consent_request,
    requests_for_case,
)
from onego.registries.gateway import Subject

from .consent import application_preview, case_subject, consent_giver, open_application


def person_consent_link(token: str) -> str:
    base = str(getattr(settings, "ONEGO_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{reverse('portal:person_consent', args=[token])}"


def _send_link(row: PersonConsentRequest, token: str) -> None:
    message = Message(
        key=f"person-consent-{row.pk}",
        to=pii.decrypt(row.phone_sealed),
        subject="授权请求",
        body=(
            f"【一件事一次办】有人在办理「{row.package_name or row.package_code}」时，请您作为{row.subject_name}"
            f"本人授权共享您的相关数据。请登录后确认是否同意（3天内有效）：{person_consent_link(token)}"
            " 如非您本人相关事项，请忽略。"
        ),
    )
    channel_for("sms").send(message)
    if settings.DEBUG and sms_backend_name() == "file":
        ConsoleSmsBackend().send(message)


def ask_other_person(
    *, user: Any, case_id: Any, subject_code: str, id_number: str, phone: str, applicant_label: str = ""
) -> PersonConsentRequest:
    """Ask the named person for their own consent on the case; the link is sent after commit."""
    case = open_application(user=user, case_id=case_id)
    giver = consent_giver(user=user, case=case, applicant_label=applicant_label)
    with transaction.atomic():
        asked = person_consent_request(
            case_ref=case.pk,
            applicant=case_subject(case),
            preview=application_preview(case=case),
            subject_code=subject_code,
            id_number=id_number,
            phone=phone,
            actor=giver.actor,
        )
        row, token = asked.request, asked.token
        transaction.on_commit(lambda: _send_link(row, token))
    return row


def others_to_ask(*, user: Any, case_id: Any) -> tuple[list[dict[str, Any]], list[PersonConsentRequest]]:
    """The other adults this application could ask, and the requests already made (newest first)."""
    case = open_application(user=user, case_id=case_id)
    consent_giver(user=user, case=case)
    return askable_subjects(application_preview(case=case)), requests_for_case(case.pk)


def other_person_decide(*, token: str, person: Subject, agree: bool) -> PersonConsentRequest:
    """The person's own answer; `person` is the signed-in person's own subject, never sent by a form."""
    return person_consent_decide(token=token, person=person, agree=agree)


__all__ = ["ask_other_person", "other_person_decide", "others_to_ask", "person_consent_link"]
