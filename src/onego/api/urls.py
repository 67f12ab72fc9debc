"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from onego.api.cases import router as cases_router
from onego.api.catalog import router as catalog_router
from onego.api.documents import router as documents_router
from onego.api.exchange import router as exchange_router
from onego.api.ledger import router as ledger_router
from onego.api.partners import router as partners_router
from onego.api.queue import router as queue_router
from onego.core.errors import Conflict, NotFound, OneGoError, PermissionDenied

api = NinjaAPI(
    title="OneGo API",
    version="1",
    description="一件事一次办 — packages, the one-form compiler, and (as they land) exchange and cases.",
    urls_namespace="api-v1",
)

STATUS = {NotFound: 404, Conflict: 409, PermissionDenied: 403}


@api.exception_handler(OneGoError)
def onego_error(request: HttpRequest, exc: OneGoError) -> HttpResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return api.create_response(request, {"detail": exc.as_dict()}, status=status)


api.add_router("/", catalog_router)
api.add_router("/", exchange_router)
api.add_router("/", ledger_router)
api.add_router("/", cases_router)
api.add_router("/", documents_router)
api.add_router("/", partners_router)
api.add_router("/", queue_router)
