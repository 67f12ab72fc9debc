from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "onego.applications"
    label = "applications"
    verbose_name = "申请（草稿与一表） Applications"
