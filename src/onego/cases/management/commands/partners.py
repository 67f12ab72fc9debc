"""`onego partners endpoint|simulate|tick`: partner endpoints, and the demo's simulated partner.

- `onego partners endpoint ccb-guizhou --url local:` configures a partner's webhook (a secret is
  generated and printed once unless `--secret` is given).
- `onego partners simulate` plays every partner whose endpoint is `local:`: it delivers their
  pending steps now (as the worker would) and then calls back for each step delivered to them —
  a properly signed callback through the same code as `POST /api/v1/partners/callbacks/{code}`
  (`--outcome failed` to see a failure, `--started` to report "started" first).
- `onego partners tick` re-enqueues deliveries whose task was lost (also part of `onego cases tick`).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.cases import webhooks
from onego.cases.models import PartnerDelivery, PartnerDeliveryStatus, SignatureAlgorithm
from onego.cases.services.partner_callbacks import partner_callback_receive
from onego.cases.services.partners import (
    OPEN_STEP,
    deliver_partner,
    encode,
    endpoint_secret,
    partner_endpoint_set,
    sweep_partner_deliveries,
)
from onego.core import clock
from onego.core.errors import OneGoError


def simulated_result(delivery: PartnerDelivery) -> tuple[str, str]:
    """A plausible reference and message for the step (marked as simulated)."""
    digits = str(int(hashlib.sha256(str(delivery.pk).encode()).hexdigest(), 16))[:12]
    kind = delivery.subcase.partner_kind
    if kind == "bank":
        account = f"6217 00{digits[:2]} {digits[2:6]} {digits[6:10]} {digits[10:12]}"
        return f"SIM-{digits}", f"（模拟）已开立基本存款账户，账号 {account}"
    return f"SIM-{digits}", f"（模拟）已办理{delivery.subcase.name}，业务号 SIM-{digits}"


def signed_callback(
    delivery: PartnerDelivery, outcome: str, reference: str, message: str
) -> tuple[bytes, dict[str, str]]:
    endpoint = delivery.partner.endpoint  # type: ignore[union-attr]
    body = encode(
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"onego-sim:{delivery.pk}:{outcome}")),
            "delivery": str(delivery.pk),
            "outcome": outcome,
            "reference": reference,
            "message": message,
        }
    )
    headers = webhooks.sign(
        endpoint_secret(endpoint), body, now=clock.now().timestamp(), algorithm=endpoint.algorithm
    )
    return body, headers


class Command(BaseCommand):
    help = "Partner endpoints and the simulated partner of the demo (local: endpoints)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        endpoint = actions.add_parser("endpoint", help="Create or change a partner's webhook endpoint.")
        endpoint.add_argument("partner", help="partner code in the catalog, e.g. ccb-guizhou")
        endpoint.add_argument(
            "--url", required=True, help="https://… ; http://127.0.0.1… ; local: ; local:down"
        )
        endpoint.add_argument("--secret", default=None, help="shared secret (default: keep, or generate)")
        endpoint.add_argument(
            "--algorithm", default=SignatureAlgorithm.HMAC_SHA256, choices=SignatureAlgorithm.values
        )
        endpoint.add_argument("--inactive", action="store_true", help="configure it switched off")
        simulate = actions.add_parser(
            "simulate", help="Deliver and answer every pending step of local: partners, signed."
        )
        simulate.add_argument("--outcome", choices=["done", "failed"], default="done")
        simulate.add_argument("--started", action="store_true", help='report "started" before the outcome')
        simulate.add_argument("--limit", type=int, default=100)
        actions.add_parser("tick", help="Re-enqueue partner deliveries whose task was lost with a worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "endpoint":
                endpoint, generated = partner_endpoint_set(
                    partner_code=options["partner"],
                    url=options["url"],
                    secret=options["secret"],
                    algorithm=options["algorithm"],
                    active=not options["inactive"],
                )
                self.stdout.write(
                    f"{endpoint.partner.code}: {endpoint.url}（{endpoint.get_algorithm_display()}）"
                )
                if generated:
                    self.stdout.write(f"共享密钥（只显示这一次，请交给合作机构）：{generated}")
            elif options["action"] == "tick":
                self.stdout.write(f"重新排队合作机构环节 {sweep_partner_deliveries()} 个。")
            else:
                self._simulate(options["outcome"], started=options["started"], limit=options["limit"])
        except OneGoError as exc:
            raise CommandError(exc.message) from exc

    def _simulate(self, outcome: str, *, started: bool, limit: int) -> None:
        local = PartnerDelivery.objects.filter(
            partner__endpoint__url=webhooks.LOCAL_OK, partner__endpoint__active=True
        )
        pending = list(
            local.filter(status=PartnerDeliveryStatus.PENDING).values_list("pk", flat=True)[:limit]
        )
        for pk in pending:
            self.stdout.write(f"发送 {pk}: {deliver_partner(delivery_id=str(pk))}")
        sent = (
            local.filter(status=PartnerDeliveryStatus.SENT, subcase__status__in=OPEN_STEP)
            .select_related("partner__endpoint", "subcase", "case")
            .order_by("created_at")[:limit]
        )
        answered = 0
        for delivery in sent:
            reference, message = simulated_result(delivery)
            if outcome == "failed":
                message = "（模拟）申请信息与银行预留信息不一致，请到网点办理"
            steps = ["started", outcome] if started else [outcome]
            for step in steps:
                body, headers = signed_callback(
                    delivery, step, reference, message if step != "started" else "（模拟）已受理"
                )
                result = partner_callback_receive(
                    partner_code=delivery.partner.code,  # type: ignore[union-attr]
                    body=body,
                    timestamp=headers[webhooks.TIMESTAMP_HEADER],
                    signature=headers[webhooks.SIGNATURE_HEADER],
                )
                self.stdout.write(
                    f"{delivery.case.reference} {delivery.subcase.name}: {step} → {result.status}（{result.subcase_status}）"
                )
            answered += 1
        self.stdout.write(f"模拟合作机构：发送 {len(pending)} 个，回调 {answered} 个。")
