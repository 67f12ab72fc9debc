"""The cases router mounted on its own API for its tests, with the project's error mapping.

The lead registers the router in onego.api.urls; until then (and after, harmlessly — a router may be
mounted on several APIs) the tests use this URLconf.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI

from onego.api.cases import router
from onego.api.urls import STATUS
from onego.core.errors import OneGoError

api = NinjaAPI(title="OneGo cases (tests)", version="test", urls_namespace="cases-test")


@api.exception_handler(OneGoError)
def onego_error(request: HttpRequest, exc: OneGoError) -> HttpResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return api.create_response(request, {"detail": exc.as_dict()}, status=status)


api.add_router("/", router)
urlpatterns = [path("api/v1/", api.urls)]
