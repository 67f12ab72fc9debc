"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs)."""

from __future__ import annotations

from ninja import NinjaAPI

from onego.api.cases import router as cases_router
from onego.api.catalog import router as catalog_router
from onego.api.documents import router as documents_router
from onego.api.errors import declare_errors, install
from onego.api.exchange import router as exchange_router
from onego.api.feedback import router as feedback_router
from onego.api.feedback_reports import router as feedback_reports_router
from onego.api.insight import router as insight_router
from onego.api.ledger import router as ledger_router
from onego.api.outreach import router as outreach_router
from onego.api.partners import router as partners_router
from onego.api.queue import router as queue_router
from onego.api.standards import router as standards_router

api = NinjaAPI(
    title="OneGo API",
    version="1",
    description="一件事一次办 — packages, the one-form compiler, and (as they land) exchange and cases.",
    urls_namespace="api-v1",
)

# Every failure in the one error shape (onego.api.errors), and every operation documents it.
install(api)

api.add_router("/", catalog_router)
api.add_router("/", exchange_router)
api.add_router("/", ledger_router)
api.add_router("/", cases_router)
api.add_router("/", documents_router)
api.add_router("/", partners_router)
api.add_router("/", feedback_router)
api.add_router("/", queue_router)
api.add_router("/", feedback_reports_router)
# issue 17: proactive offers, package proposals, the dashboard's figures
api.add_router("/", outreach_router)
api.add_router("/", standards_router)
api.add_router("/", insight_router)
declare_errors(api)
