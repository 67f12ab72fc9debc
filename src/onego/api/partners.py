"""The partner API: partners (banks, utilities) report on the steps they were sent.

`POST /api/v1/partners/callbacks/{partner_code}` — no session, no CSRF: the request is
authenticated by its signature (headers `X-OneGo-Timestamp`, `X-OneGo-Signature`, HMAC of
timestamp + "." + raw body with the partner's shared secret; see `onego.cases.webhooks`).

Body: `{"id": "<unique per callback>", "delivery": "<delivery id we sent>", "outcome":
"started" | "done" | "failed", "reference": "<your reference>", "message": "<text>"}`.

Answers: 200 `{"status": "applied" | "unchanged" | "duplicate", ...}` (the same callback again is
`duplicate` and changes nothing); 401 bad or missing signature, expired timestamp, unknown
partner; 400 invalid body; 404 a delivery not sent to this partner; 409 the step is already
finished otherwise, or the id was used for another body.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from onego.api.errors import ErrorOut
from onego.cases import webhooks
from onego.cases.services.partner_callbacks import partner_callback_receive

router = Router(tags=["partners"], auth=None)


class CallbackOut(Schema):
    status: str
    subcase: str
    subcase_status: str


@router.post(
    "/partners/callbacks/{partner_code}",
    response={200: CallbackOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="A partner reports on a step (signed callback)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["id", "delivery", "outcome"],
                        "properties": {
                            "id": {"type": "string", "maxLength": 100},
                            "delivery": {"type": "string", "format": "uuid"},
                            "outcome": {"type": "string", "enum": ["started", "done", "failed"]},
                            "reference": {"type": "string", "maxLength": 120},
                            "message": {"type": "string", "maxLength": 500},
                        },
                    }
                }
            },
        }
    },
)
def callback(request: HttpRequest, partner_code: str) -> Status[dict[str, Any]]:
    # The raw bytes, not a parsed schema: the signature is over exactly what was sent.
    try:
        result = partner_callback_receive(
            partner_code=partner_code,
            body=request.body,
            timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER),
            signature=request.headers.get(webhooks.SIGNATURE_HEADER),
        )
    except webhooks.SignatureInvalid as exc:
        return Status(401, {"detail": exc.as_dict()})
    return Status(
        200, {"status": result.status, "subcase": result.subcase_id, "subcase_status": result.subcase_status}
    )
