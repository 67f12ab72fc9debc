from django.urls import path

from onego.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("packages/<slug:code>/", views.package_guide, name="package_guide"),
    path("display/large-text/", views.toggle_large_text, name="toggle_large_text"),
]
