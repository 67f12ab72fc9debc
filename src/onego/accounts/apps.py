from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onego.accounts"
    label = "accounts"
    verbose_name = "账户与角色 Accounts"

    def ready(self) -> None:
        # Staff sessions are stamped at sign-in (session limits); connect the receiver at start-up.
        from onego.accounts import middleware  # noqa: F401
