from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "onego.exchange"
    label = "exchange"
    verbose_name = "数据共享交换 Exchange"
