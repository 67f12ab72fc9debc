from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "onego.api"
    label = "api"
