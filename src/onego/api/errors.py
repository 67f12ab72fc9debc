"""One error shape for the whole API, and the handlers that give every failure that shape.

Every error body is `{"detail": {"code", "message", "field"}}` (`ErrorOut`): domain errors
(`onego.core.errors`: 400/403/404/409), a request that does not match the operation's schema (422,
the field named), no or a refused session (401), a failed CSRF check (403), a body the server cannot
parse (400), and — never expected, but answered in the same shape without a traceback — anything
else (500, logged). `declare_errors` adds these statuses with `ErrorOut` to every operation's
OpenAPI responses, so a router cannot forget them and a new router gets them too.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from onego.core.errors import Conflict, NotFound, OneGoError, PermissionDenied

logger = logging.getLogger(__name__)


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None


class ErrorOut(Schema):
    detail: ErrorDetail


# The statuses any operation may answer with, each in the one shape.
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

STATUS = {NotFound: 404, Conflict: 409, PermissionDenied: 403}
_HTTP_CODES = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict"}
_HTTP_MESSAGES = {
    401: "请先登录：本接口需要工作人员会话。",
    403: "请求被拒绝（CSRF 校验失败或没有权限）。",
    404: "没有找到请求的资源。",
}
# Request parts ninja names in `loc`; the field a user can act on is what follows them.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file", "payload", "data"}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"detail": {"code": code, "message": message, "field": field}}


def install(api: NinjaAPI) -> None:
    """Register the handlers on `api` (call once, where the API is built)."""

    def respond(
        request: HttpRequest, status: int, code: str, message: str, field: str | None = None
    ) -> HttpResponse:
        return api.create_response(request, error_body(code, message, field), status=status)

    @api.exception_handler(OneGoError)
    def onego_error(request: HttpRequest, exc: OneGoError) -> HttpResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        return api.create_response(request, {"detail": exc.as_dict()}, status=status)

    @api.exception_handler(NinjaValidationError)
    def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        field = ".".join(str(p) for p in _field_path(first.get("loc", ()))) or None
        message = str(first.get("msg", "")) or "格式不正确"
        return respond(
            request, 422, "invalid", f"请求内容不符合接口要求（{field or '请求体'}）：{message}", field
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, "unauthenticated", _HTTP_MESSAGES[401])

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        message = _HTTP_MESSAGES.get(status) or str(exc) or "请求无法处理。"
        return respond(request, status, _HTTP_CODES.get(status, "error"), message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "not_found", _HTTP_MESSAGES[404])

    @api.exception_handler(MultiPartParserError)
    def unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return respond(request, 400, "invalid", "请求体无法解析（multipart 格式不正确，例如缺少 boundary）。")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 400, "invalid", "请求体过大。")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return respond(request, 400, "invalid", "请求无法处理。")

    @api.exception_handler(DjangoValidationError)
    def model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # A value the database layer refused (a malformed identifier reaching a query): the client's
        # mistake, never a server error. Services should catch these first; this is the safety net.
        logger.warning("API: validation error reached the handler: %s", type(exc).__name__)
        return respond(request, 400, "invalid", "请求中的标识或取值格式不正确。")

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with its traceback for operators; the client gets the shape, never the traceback.
        logger.exception("API: unexpected error on %s %s", request.method, request.path)
        return respond(request, 500, "server_error", "服务器内部错误，请稍后再试或联系服务中心。")


def declare_errors(api: NinjaAPI) -> None:
    """Add `ERRORS` (in `ErrorOut`) to every operation's documented responses, keeping its own ones."""
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                models = operation.response_models
                if list(models) == [200] or all(isinstance(k, int) for k in models):
                    for status, schema in ERRORS.items():
                        if status not in models:
                            models[status] = operation._create_response_model(schema)


def _field_path(loc: Any) -> list[Any]:
    parts = list(loc)
    while parts and parts[0] in _LOCATIONS:
        parts.pop(0)
    return parts
