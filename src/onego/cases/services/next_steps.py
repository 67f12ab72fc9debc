"""After submitting: the expected steps of a case (`outlook`) and the submission SMS through the outbox."""

from __future__ import annotations

from django.utils import timezone

from onego.cases import outlook as outlook_rules
from onego.cases.models import Case
from onego.cases.services.acceptance import case_limits
from onego.cases.services.notify import notify_applicant
from onego.core.services import working_calendar
from onego.core.workdays import WorkingCalendar


def case_outlook(case: Case, *, calendar: WorkingCalendar) -> outlook_rules.Outlook:
    """Who decides and by when; from acceptance on, counted from the day its clock started."""
    submitted = case.submitted_at or case.created_at
    promised, _legal = case_limits(case.snapshot)
    return outlook_rules.outlook(
        case.snapshot,
        calendar=calendar,
        submitted_on=timezone.localdate(submitted),
        accepted_on=case.clock_started_on,
        case_promised_days=case.promised_days or promised,
    )


def notify_submitted(case: Case) -> None:
    """Inside the submitting transaction: one outbox row per contact channel, sent after commit."""
    view = case_outlook(case, calendar=working_calendar())
    notify_applicant(
        case=case,
        kind="submitted",
        subject="申请已提交",
        body=outlook_rules.sms_text(case.package_name, view),
    )
