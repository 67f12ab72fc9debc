"""Partner steps handed to partners (banks, utilities) through their webhooks, with retries.

- `partner_dispatch` (through the `results.dispatch_partner_step` hook): when a partner sub-case
  starts, inside that transaction, choose the partner for the case's region and write a
  `PartnerDelivery` with its `deliver_partner_step` task (same transaction, see tasks.py). No
  partner with an active endpoint for the region: the delivery fails at once and the lead
  department is told.
- `deliver_partner` (the task body): one signed POST of the step — case reference, step code, the
  data elements the step needs from the merged form and nothing else, the callback URL. 2xx: sent.
  Otherwise tried again after 1, 5, 25, 125 minutes; after the fifth failure the delivery fails and
  is escalated to the lead department (timeline `partner_escalate`, e-mail to its lead officers).
- `partner_delivery_retry`: a lead officer of the lead department sends a failed step again.
- `sweep_partner_deliveries`: re-enqueues deliveries whose task died with a worker (`onego cases
  tick`).
- `partner_endpoint_set`: configure a partner's webhook and secret (the secret sealed with pii).

Locks: the task never holds a lock while it talks to the partner. It claims a try (attempts + 1
and a lease in `next_attempt_at`) in one short transaction on the delivery row alone, posts, then
records the answer in another. Callbacks lock case → sub-case → delivery, the task only the
delivery: no cycle. A worker killed mid-post leaves the delivery pending with its lease; the sweep
picks it up when the lease is over (the partner may then get the step twice: the `delivery` id in
the body and the `X-OneGo-Delivery` header are for it to spot that).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from onego.accounts.models import Role
from onego.accounts.selectors import members_of, staff_of
from onego.cases import webhooks
from onego.cases.access import access_case_ref_by_id, region_contains
from onego.cases.formdata import form_fields, form_values
from onego.cases.models import (
    PartnerDelivery,
    PartnerDeliveryAttempt,
    PartnerEndpoint,
    SignatureAlgorithm,
    SubCase,
    SubCaseKind,
)
from onego.cases.models import PartnerDeliveryStatus as D
from onego.cases.services.common import lock_subcase, staff_label
from onego.cases.services.notify import notify_staff
from onego.cases.tasks import deliver_partner_step
from onego.cases.workflow import SubCaseStatus, record_event
from onego.catalog.models import Partner
from onego.core import clock, pii
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.core.uow import unit_of_work

MAX_ATTEMPTS = 5
BACKOFF = tuple(dt.timedelta(minutes=m) for m in (1, 5, 25, 125))  # after try 1, 2, 3, 4
LEASE = dt.timedelta(minutes=5)  # a try in flight; after this the sweep may start another
OPEN_STEP = (SubCaseStatus.PENDING, SubCaseStatus.CLAIMED)
CALLBACK_PATH = "/api/v1/partners/callbacks/{code}"


# --- configuration --------------------------------------------------------------------------------


def public_url() -> str:
    """Where partners reach this platform (ONEGO_PUBLIC_URL), for the callback URL."""
    base = getattr(settings, "ONEGO_PUBLIC_URL", "")
    return (base or "http://127.0.0.1:8000").rstrip("/")


def callback_url(partner_code: str) -> str:
    return public_url() + CALLBACK_PATH.format(code=partner_code)


def endpoint_secret(endpoint: PartnerEndpoint) -> str:
    return pii.decrypt(endpoint.secret_sealed)


@unit_of_work
def partner_endpoint_set(
    *,
    partner_code: str,
    url: str,
    secret: str | None = None,
    algorithm: str = SignatureAlgorithm.HMAC_SHA256,
    active: bool = True,
) -> tuple[PartnerEndpoint, str | None]:
    """Create or change a partner's endpoint. Returns it and the secret when one was generated
    (shown once, to be handed to the partner); an existing secret is kept unless one is given."""
    partner = Partner.objects.filter(code=partner_code).first()
    if partner is None:
        raise NotFound(f"目录中没有合作机构“{partner_code}”", field="partner")
    url = webhooks.check_endpoint_url(url)
    if algorithm not in SignatureAlgorithm.values:
        raise ValidationFailed(f"签名算法应为：{'、'.join(SignatureAlgorithm.values)}", field="algorithm")
    if secret is not None and len(secret) < 16:
        raise ValidationFailed("共享密钥至少 16 个字符", field="secret")
    endpoint = PartnerEndpoint.objects.select_for_update().filter(partner=partner).first()
    generated = None
    if secret is None and endpoint is None:
        secret = generated = secrets.token_urlsafe(32)
    if endpoint is None:
        endpoint = PartnerEndpoint(partner=partner)
    endpoint.url = url
    endpoint.algorithm = algorithm
    endpoint.active = active
    if secret is not None:
        endpoint.secret_sealed = pii.encrypt(secret)
    endpoint.save()
    return endpoint, generated


def route_partner(kind: str, region_code: str) -> Partner | None:
    """The partner of `kind` with an active endpoint that serves the region, most local first.

    A partner without regions serves everywhere. Among equals the lowest code wins, so the choice
    is stable. (Letting the applicant choose the bank is for the package form, later.)
    """
    candidates = Partner.objects.filter(kind=kind, endpoint__active=True).prefetch_related("regions")
    best: tuple[int, str] | None = None
    chosen = None
    for partner in candidates:
        codes = [r.code for r in partner.regions.all()]
        matches = [c for c in codes if region_contains(c, region_code)]
        if codes and not matches:
            continue
        # Longer region codes without trailing zeros are more local (520102 beats 520100 beats 520000).
        depth = max((len(c.rstrip("0")) for c in matches), default=0)
        key = (-depth, partner.code)
        if best is None or key < best:
            best, chosen = key, partner
    return chosen


# --- the hand-over ----------------------------------------------------------------------------------


def step_payload(delivery: PartnerDelivery) -> dict[str, Any]:
    """What the partner is sent: the step and only the data elements it declared it needs."""
    subcase, case = delivery.subcase, delivery.case
    needed = [code for code, f in form_fields(case.snapshot).items() if subcase.code in f.get("used_by", [])]
    values = form_values(case)
    return {
        "delivery": str(delivery.pk),
        "subcase": str(subcase.pk),
        "case_reference": case.reference,
        "step": subcase.code,
        "step_name": subcase.name,
        "partner": delivery.partner.code if delivery.partner else "",
        "partner_kind": subcase.partner_kind,
        "region": case.region.code,
        "data": {code: values[code] for code in needed if values.get(code) not in (None, "")},
        "callback_url": callback_url(delivery.partner.code if delivery.partner else ""),
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


def partner_dispatch(*, subcase: SubCase) -> PartnerDelivery:
    """Hand a partner sub-case that just started to its partner. In the caller's transaction."""
    live = PartnerDelivery.objects.filter(subcase=subcase, status__in=[D.PENDING, D.SENT]).first()
    if live is not None:
        return live
    case = subcase.case
    partner = route_partner(subcase.partner_kind, case.region.code)
    now = clock.now()
    delivery = PartnerDelivery.objects.create(
        subcase=subcase, case=case, partner=partner, status=D.PENDING, next_attempt_at=now
    )
    if partner is None:
        delivery.status = D.FAILED
        delivery.failed_at = now
        delivery.last_error = "本地区没有已接入平台的该类合作机构"
        delivery.save(update_fields=["status", "failed_at", "last_error", "updated_at"])
        escalate_delivery(delivery, reason=delivery.last_error)
        return delivery
    record_event(
        subcase,
        actor=None,
        action="partner_dispatched",
        reason=f"交由{partner.name}办理，正在发送",
        label="系统",
        bump=False,
    )
    deliver_partner_step.enqueue(str(delivery.pk))
    return delivery


@dataclass(frozen=True)
class _Try:
    number: int
    url: str
    body: bytes
    headers: dict[str, str]


def _claim(delivery_id: str) -> _Try | str:
    """Take the next try of a pending, due delivery (short transaction on its row alone)."""
    with unit_of_work():
        delivery = (
            PartnerDelivery.objects.select_for_update(of=("self",))
            .select_related("subcase", "case__region", "partner__endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.status != D.PENDING:
            return str(delivery.status)
        now = clock.now()
        if delivery.subcase.status not in OPEN_STEP:
            delivery.status = D.CANCELLED
            delivery.save(update_fields=["status", "updated_at"])
            return "cancelled"
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return "not_due"  # an early duplicate; the scheduled run (or the sweep) does it
        delivery.attempts += 1
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        endpoint = getattr(delivery.partner, "endpoint", None) if delivery.partner else None
        body = encode(step_payload(delivery))
        if endpoint is None or not endpoint.active:
            return _Try(delivery.attempts, "", body, {})
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "OneGo-Partner/1",
            webhooks.DELIVERY_HEADER: str(delivery.pk),
            webhooks.ATTEMPT_HEADER: str(delivery.attempts),
            **webhooks.sign(
                endpoint_secret(endpoint), body, now=now.timestamp(), algorithm=endpoint.algorithm
            ),
        }
        return _Try(delivery.attempts, endpoint.url, body, headers)


def deliver_partner(*, delivery_id: str) -> str:
    """Task body: one try of a delivery, then its outcome recorded. Returns what happened."""
    claimed = _claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    if claimed.url:
        response = webhooks.post(claimed.url, claimed.body, claimed.headers)
    else:
        response = webhooks.Response(False, None, "合作机构接口未配置或已停用", 0)
    return _record(delivery_id, claimed.number, response)


def _record(delivery_id: str, number: int, response: webhooks.Response) -> str:
    with unit_of_work():
        delivery = (
            PartnerDelivery.objects.select_for_update(of=("self",))
            .select_related("subcase", "case__lead_department", "partner")
            .get(pk=delivery_id)
        )
        now = clock.now()
        attempt = PartnerDeliveryAttempt(
            delivery=delivery,
            number=number,
            at=now,
            ok=response.ok,
            http_status=response.status,
            error=response.error,
            duration_ms=response.duration_ms,
        )
        delivery.last_http_status = response.status
        delivery.last_error = response.error
        fields = ["last_http_status", "last_error", "updated_at"]
        name = delivery.partner.name if delivery.partner else "合作机构"
        if delivery.status != D.PENDING:
            # The partner called back while we were waiting for its answer: nothing left to do.
            attempt.save()
            delivery.save(update_fields=fields)
            return str(delivery.status)
        subcase = delivery.subcase
        if response.ok:
            delivery.status = D.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            attempt.save()
            delivery.save(update_fields=[*fields, "status", "sent_at", "next_attempt_at"])
            record_event(
                subcase,
                actor=None,
                action="partner_sent",
                reason=f"已送达{name}（HTTP {response.status}），等待合作机构办理",
                label="系统",
                bump=False,
            )
            return "sent"
        what = f"第{number}次发送失败（{response.error or '无响应'}）"
        if number >= MAX_ATTEMPTS:
            delivery.status = D.FAILED
            delivery.failed_at = now
            delivery.next_attempt_at = None
            attempt.save()
            delivery.save(update_fields=[*fields, "status", "failed_at", "next_attempt_at"])
            escalate_delivery(delivery, reason=f"{what}，已重试{MAX_ATTEMPTS}次仍未送达{name}")
            return "failed"
        delivery.next_attempt_at = attempt.next_attempt_at = now + BACKOFF[min(number, len(BACKOFF)) - 1]
        attempt.save()
        delivery.save(update_fields=[*fields, "next_attempt_at"])
        deliver_partner_step.using(run_after=delivery.next_attempt_at).enqueue(str(delivery.pk))
        when = f"{timezone.localtime(delivery.next_attempt_at):%m-%d %H:%M}"
        record_event(
            subcase,
            actor=None,
            action="partner_retry",
            reason=f"{what}，将于 {when} 重试",
            label="系统",
            bump=False,
        )
        return "retry"


def escalate_delivery(delivery: PartnerDelivery, *, reason: str) -> None:
    """The step could not be handed over: on the timeline, and the lead department is told."""
    subcase, case = delivery.subcase, delivery.case
    lead = case.lead_department
    text = f"{reason}，已上报牵头部门{lead.name if lead else ''}督办"
    record_event(subcase, actor=None, action="partner_escalate", reason=text, label="系统", bump=False)
    record_event(
        case,
        actor=None,
        action="partner_escalate",
        reason=f"“{subcase.name}”{text}",
        label="系统",
        bump=False,
    )
    leads = members_of(lead.pk, [Role.LEAD_OFFICER]) if lead is not None else []
    notify_staff(
        users=leads,
        case=case,
        kind="partner_failed",
        subject=f"“{subcase.name}”未能交合作机构办理",
        body=f"办件 {case.reference} 中的合作机构环节“{subcase.name}”{text}。"
        "请联系合作机构或检查接口配置后重新发送。",
    )


@unit_of_work
def partner_delivery_retry(*, actor: Any, subcase_id: Any) -> PartnerDelivery:
    """Send a failed partner step again (a lead officer of the lead department, after escalation)."""
    seen = SubCase.objects.filter(pk=subcase_id, kind=SubCaseKind.PARTNER).values_list("case_id", flat=True)
    case_id = seen.first()
    if case_id is None:
        raise NotFound("没有找到该合作机构环节", field="subcase")
    staff = staff_of(actor)
    lead = access_case_ref_by_id(actor, case_id, staff=staff).lead_department_id
    if lead is None or not staff.has(lead, [Role.LEAD_OFFICER]):
        raise PermissionDenied("只有牵头部门负责人可以重新发送合作机构环节", field="subcase")
    case, subcase = lock_subcase(subcase_id, case_id=case_id)
    if subcase.status not in OPEN_STEP:
        raise Conflict(
            f"“{subcase.name}”当前为“{SubCaseStatus(subcase.status).label}”，无需重新发送", field="status"
        )
    if PartnerDelivery.objects.filter(subcase=subcase, status__in=[D.PENDING, D.SENT]).exists():
        raise Conflict(f"“{subcase.name}”正在发送或已送达合作机构，无需重新发送", field="subcase")
    record_event(
        subcase,
        actor=actor,
        action="partner_resend",
        reason="牵头部门要求重新发送",
        label=staff_label(actor, case.lead_department.name if case.lead_department else ""),
        bump=False,
    )
    return partner_dispatch(subcase=subcase)


def sweep_partner_deliveries(*, grace: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Re-enqueue pending deliveries overdue by `grace` (their task died with a worker)."""
    cutoff = clock.now() - grace
    ids = list(
        PartnerDelivery.objects.filter(status=D.PENDING, next_attempt_at__lte=cutoff).values_list(
            "pk", flat=True
        )
    )
    with unit_of_work():
        for pk in ids:
            deliver_partner_step.enqueue(str(pk))
    return len(ids)


# --- reads --------------------------------------------------------------------------------------------


def partner_deliveries(subcase: SubCase) -> list[dict[str, Any]]:
    """The deliveries of a partner sub-case with every try, newest first (for staff screens)."""
    rows = (
        PartnerDelivery.objects.filter(subcase=subcase)
        .select_related("partner")
        .prefetch_related("attempt_log")
        .order_by("-created_at")
    )
    return [
        {
            "id": str(d.pk),
            "partner": d.partner.code if d.partner else None,
            "partner_name": d.partner.name if d.partner else None,
            "status": d.status,
            "status_label": d.get_status_display(),
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at if d.status == D.PENDING else None,
            "last_http_status": d.last_http_status,
            "last_error": d.last_error,
            "sent_at": d.sent_at,
            "acknowledged_at": d.acknowledged_at,
            "failed_at": d.failed_at,
            "tries": [
                {
                    "number": a.number,
                    "at": a.at,
                    "ok": a.ok,
                    "http_status": a.http_status,
                    "error": a.error,
                    "duration_ms": a.duration_ms,
                    "next_attempt_at": a.next_attempt_at,
                }
                for a in d.attempt_log.all()
            ],
        }
        for d in rows
    ]
