"""The exchange router mounted on its own API for tests, with the project's error mapping.

`src/onego/api/urls.py` is the lead's to change; until the router is registered there, the API tests
reach it through this URLconf (same paths under /api/v1/).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI

from onego.api.exchange import router
from onego.api.urls import STATUS
from onego.core.errors import OneGoError

api = NinjaAPI(title="OneGo exchange (test)", version="1", urls_namespace="exchange-test")


@api.exception_handler(OneGoError)
def onego_error(request: HttpRequest, exc: OneGoError) -> HttpResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return api.create_response(request, {"detail": exc.as_dict()}, status=status)


api.add_router("/", router)
urlpatterns = [path("api/v1/", api.urls)]
