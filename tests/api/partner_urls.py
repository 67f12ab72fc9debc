"""The site's URLs with the partner router mounted the way onego.api.urls mounts routers, so the
partner API is tested whether or not the lead has registered it there yet (first match wins)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI

from onego.api.partners import router
from onego.api.urls import STATUS
from onego.core.errors import OneGoError
from onego.urls import urlpatterns as site

api = NinjaAPI(urls_namespace="test-partners")


@api.exception_handler(OneGoError)
def onego_error(request: HttpRequest, exc: OneGoError) -> HttpResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return api.create_response(request, {"detail": exc.as_dict()}, status=status)


api.add_router("/", router)
urlpatterns = [path("api/v1/", api.urls), *site]
