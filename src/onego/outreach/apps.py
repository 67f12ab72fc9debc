from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "onego.outreach"
    label = "outreach"
    verbose_name = "服务找人 Outreach"
