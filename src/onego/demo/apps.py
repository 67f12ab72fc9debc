from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "onego.demo"
    label = "demo"
    verbose_name = "演示数据 Demo"
