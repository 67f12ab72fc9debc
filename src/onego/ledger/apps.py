from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "onego.ledger"
    label = "ledger"
    verbose_name = "账本 Ledger"

    def ready(self) -> None:
        from onego.ledger import checks  # noqa: F401  (registers the system check)
