from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "onego.catalog"
    label = "catalog"
    verbose_name = "服务目录 Catalog"

    def ready(self) -> None:
        from onego.catalog.revision import install_after_migrate

        # Keeps the revision triggers on every catalog table (see onego.catalog.revision).
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="catalog_revision_triggers")
