"""Delivery of the results (出件/送达), shared by the lead department's page and the counter (window pickup).

`conclusion_deliver` decides; this module only reads the state for the page and turns the form into the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onego.cases.identity import unseal
from onego.cases.models import Case, Conclusion, ResultsStatus
from onego.cases.services.results import conclusion_deliver
from onego.core.errors import OneGoError
from onego.workbench.forms import DeliveryForm, attach_error


@dataclass(frozen=True)
class DeliveryState:
    issued: bool
    produced: bool  # the results step has produced the documents (e-licences, signed PDF)
    delivered: bool
    has_document: bool
    has_licence: bool
    address: str


def delivery_state(conclusion: Conclusion | None) -> DeliveryState | None:
    if conclusion is None or conclusion.issued_at is None:
        return None
    return DeliveryState(
        issued=True,
        produced=conclusion.results_status == ResultsStatus.PRODUCED,
        delivered=conclusion.delivered_at is not None,
        has_document=bool(conclusion.document),
        has_licence=bool(conclusion.licence_document),
        address=str(unseal(conclusion.delivery_address_sealed)) if conclusion.delivery_address_sealed else "",
    )


def deliver(request: HttpRequest, case: Case, form: DeliveryForm) -> tuple[int, str] | None:
    """Call the engine; None when delivered, else (HTTP status, conflict message or "")."""
    conclusion = Conclusion.objects.filter(case=case).first()
    if not form.is_valid():
        return 400, ""
    if conclusion is None:
        return 409, _("该办件尚未出具结论")
    try:
        conclusion_deliver(
            actor=request.user,
            conclusion_id=conclusion.pk,
            method=form.cleaned_data["method"],
            address=form.cleaned_data.get("address") or "",
            tracking_number=form.cleaned_data.get("tracking_number") or "",
        )
    except OneGoError as exc:
        if exc.code in ("conflict", "invalid_transition"):
            return 409, exc.message
        attach_error(form, exc)
        return (403 if exc.code == "forbidden" else 400), ""
    messages.success(request, _("已登记结果送达，申请人将收到通知。"))
    return None
