"""Read-only admin: the ledger is written by services only, never by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onego.ledger.models import LedgerEntry, TreeHead


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["index", "kind", "actor", "case_ref", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["=subject_ref", "=case_ref", "actor"]
    ordering = ["-index"]
    show_full_result_count = False  # a COUNT(*) over millions of rows on every page is not worth it


@admin.register(TreeHead)
class TreeHeadAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "root_hash", "timestamp", "key_id"]
    ordering = ["-tree_size", "-timestamp"]
