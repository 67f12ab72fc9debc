from django.urls import path

from onego.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.index, name="index"),
    path("designer/", views.designer, name="designer"),
    path("designer/preview/", views.preview, name="preview"),
    path("designer/save/", views.save, name="save"),
    path("designer/upload/", views.upload, name="upload"),
    path("designer/export/packages/<slug:code>.yaml", views.export_package, name="export_package"),
    path("designer/export/items.xlsx", views.export_items, name="export_items"),
]
