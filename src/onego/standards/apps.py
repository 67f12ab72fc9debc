from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "onego.standards"
    label = "standards"
    verbose_name = "标准 Standards"
