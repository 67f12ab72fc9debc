from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "onego.insight"
    label = "insight"
    verbose_name = "洞察 Insight"
