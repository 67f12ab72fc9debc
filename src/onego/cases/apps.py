from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onego.cases"
    label = "cases"
    verbose_name = "办件 Cases"
