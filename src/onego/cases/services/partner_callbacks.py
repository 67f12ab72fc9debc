"""Partners reporting back: a signed callback, verified, applied once.

`partner_callback_receive` is what `POST /api/v1/partners/callbacks/{partner_code}` calls with the
raw body and the two signature headers (and what the demo's simulated partner calls in-process).
In order:

1. the partner must exist with an active endpoint, and the signature must verify over the raw
   bytes with its secret (webhooks.verify: timestamp within 5 minutes, constant-time compare) —
   anything else is `SignatureInvalid` (401), before the body is even parsed;
2. the body: `{"id", "delivery", "outcome": started|done|failed, "reference", "message"}`;
   the delivery must be one sent to *this* partner (a partner reports only its own steps);
3. the callback id is stored unique per partner (`PartnerCallback`) in the same transaction as
   the change: the same callback again — a retry or a replay inside the 5 minutes — changes
   nothing and answers `duplicate`; the same id with a different body is a Conflict;
4. `partner_report` moves the sub-case (started → 办理中, done → 准予, failed → 不予) and
   the delivery is marked acknowledged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from onego.cases import webhooks
from onego.cases.models import PartnerCallback, PartnerDelivery, PartnerEndpoint, SubCase
from onego.cases.models import PartnerDeliveryStatus as D
from onego.cases.services.decisions import PARTNER_OUTCOMES, partner_report
from onego.cases.services.partners import endpoint_secret
from onego.core import clock
from onego.core.errors import Conflict, NotFound, ValidationFailed
from onego.core.uow import unit_of_work


@dataclass(frozen=True)
class CallbackResult:
    status: str  # applied | unchanged | duplicate
    subcase_id: str
    subcase_status: str


def _endpoint(partner_code: str) -> PartnerEndpoint:
    endpoint = (
        PartnerEndpoint.objects.select_related("partner")
        .filter(partner__code=partner_code, active=True)
        .first()
    )
    if endpoint is None:
        # The same answer as a bad signature: the API tells nobody which partners are connected.
        raise webhooks.SignatureInvalid("签名校验失败", field="signature")
    return endpoint


def _text(body: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ValidationFailed(f"{key} 应为字符串", field=key)
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"缺少 {key}", field=key)
    if len(value) > limit:
        raise ValidationFailed(f"{key} 不能超过 {limit} 个字符", field=key)
    return value


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("请求体应为 UTF-8 编码的 JSON", field="body") from exc
    if not isinstance(body, dict):
        raise ValidationFailed("请求体应为 JSON 对象", field="body")
    return body


@unit_of_work
def partner_callback_receive(
    *, partner_code: str, body: bytes, timestamp: str | None, signature: str | None
) -> CallbackResult:
    endpoint = _endpoint(partner_code)
    webhooks.verify(
        endpoint_secret(endpoint),
        body,
        timestamp=timestamp,
        given=signature,
        now=clock.now().timestamp(),
        algorithm=endpoint.algorithm,
    )
    data = _parse(body)
    callback_id = _text(data, "id", 100, required=True)
    outcome = _text(data, "outcome", 10, required=True)
    if outcome not in PARTNER_OUTCOMES:
        raise ValidationFailed(f"outcome 应为：{'、'.join(PARTNER_OUTCOMES)}", field="outcome")
    reference = _text(data, "reference", 120)
    message = _text(data, "message", 500)
    try:
        delivery_pk = uuid.UUID(_text(data, "delivery", 40, required=True))
    except ValueError as exc:
        raise ValidationFailed("delivery 应为平台发送时给出的编号", field="delivery") from exc
    partner = endpoint.partner
    delivery = PartnerDelivery.objects.filter(pk=delivery_pk, partner=partner).first()
    if delivery is None:
        raise NotFound("没有找到发给贵机构的该环节", field="delivery")

    digest = webhooks.body_digest(body)
    try:
        with transaction.atomic():  # a savepoint: the loser of a race gets IntegrityError here
            callback = PartnerCallback.objects.create(
                partner=partner,
                callback_id=callback_id,
                delivery=delivery,
                outcome=outcome,
                body_sha256=digest,
            )
    except IntegrityError:
        seen = PartnerCallback.objects.get(partner=partner, callback_id=callback_id)
        if seen.body_sha256 != digest:
            raise Conflict(f"回调编号 {callback_id} 已用于另一内容的回调", field="id") from None
        status = SubCase.objects.filter(pk=delivery.subcase_id).values_list("status", flat=True).get()
        return CallbackResult("duplicate", str(delivery.subcase_id), status)

    subcase, changed = partner_report(
        partner=partner.code,
        subcase_id=delivery.subcase_id,
        outcome=outcome,
        reference=reference,
        note=message,
        case_id=delivery.case_id,  # a delivery belongs to its sub-case's case: no look-up needed
    )
    # Locked after the case and the sub-case (partner_report took those): the one order.
    locked = PartnerDelivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if locked.status in (D.PENDING, D.SENT, D.FAILED):
        locked.status = D.ACKNOWLEDGED
        locked.acknowledged_at = clock.now()
        locked.next_attempt_at = None
        locked.save(update_fields=["status", "acknowledged_at", "next_attempt_at", "updated_at"])
    callback.result = "applied" if changed else "unchanged"
    callback.save(update_fields=["result", "updated_at"])
    return CallbackResult(callback.result, str(subcase.pk), subcase.status)
