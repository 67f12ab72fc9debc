from django.urls import path

from onego.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("ask/", views.ask, name="ask"),
    path("packages/<slug:code>/", views.package_guide, name="package_guide"),
    path("display/large-text/", views.toggle_large_text, name="toggle_large_text"),
]
