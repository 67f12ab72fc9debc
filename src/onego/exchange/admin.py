"""Read-only admin: contracts change only through `contract_publish` / the YAML import (versioned, ledgered);
consents, verified references and prefill runs only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onego.exchange.models import Consent, PrefillRun, SharingContract, VerifiedMaterial


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SharingContract)
class SharingContractAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "active", "consumer_kind", "consumer_code", "purpose", "valid_from"]
    list_filter = ["active", "consumer_kind"]
    search_fields = ["code", "consumer_code"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["case_ref", "package_code", "decision", "granted_at", "expires_at", "withdrawn_at"]
    list_filter = ["decision"]
    search_fields = ["=case_ref"]
    exclude = ["subject_index"]


@admin.register(VerifiedMaterial)
class VerifiedMaterialAdmin(ReadOnlyAdmin):
    list_display = ["case_ref", "material_name", "registry", "reference", "verified_at"]
    search_fields = ["=case_ref"]


@admin.register(PrefillRun)
class PrefillRunAdmin(ReadOnlyAdmin):
    list_display = ["case_ref", "actor", "started_at", "finished_at"]
    search_fields = ["=case_ref"]
    # Values are encrypted and stay out of the admin; the masked copies are in the case's own views.
    exclude = ["values"]
