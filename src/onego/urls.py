from django.contrib import admin
from django.urls import include, path

from onego.api.urls import api
from onego.core import views as core_views
from onego.registries import http as registries_http

urlpatterns = [
    path("favicon.ico", core_views.favicon),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    # The registry simulator over HTTP: 404 unless ONEGO_REGISTRY_SIMULATOR_CLIENTS lists clients.
    path("registry-sim/<str:code>/elements", registries_http.elements, name="registry-sim"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("onego.api.open311")),  # Open311 GeoReport v2 over 办不成事 reports
    path("i18n/", include("django.conf.urls.i18n")),
    path("workbench/", include("onego.workbench.urls")),
    path("", include("onego.portal.urls")),
]
