from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "onego.registries"
    label = "registries"
    verbose_name = "部门数据库（模拟） Registries"
