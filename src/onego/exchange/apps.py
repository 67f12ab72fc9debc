from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "onego.exchange"
    label = "exchange"
    verbose_name = "数据共享交换 Exchange"

    def ready(self) -> None:
        # `package explain` / `package contracts` (catalog commands) ask the exchange about contracts.
        from onego.catalog.advisors import ContractAdvisor, register_contract_advisor
        from onego.exchange.contracts import coverage_warnings, package_contracts_report

        register_contract_advisor(
            ContractAdvisor(warnings=coverage_warnings, report=package_contracts_report)
        )
