from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "onego.portal"
    label = "portal"
    verbose_name = "办事门户 Portal"
