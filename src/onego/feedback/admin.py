"""Admin for the people and partners of 办不成事 reports: grid workers (网格员) and Open311 partner keys.

A key is made with `onego feedback open311-key` (shown once); here it can only be read and deactivated —
the hash is never editable, so the admin cannot mint or change a key.
"""

from __future__ import annotations

from django.contrib import admin

from onego.feedback.models import GridWorker, Open311Key


@admin.register(GridWorker)
class GridWorkerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "region", "active")
    list_filter = ("active",)
    search_fields = ("user__username", "region__name", "region__code")
    raw_id_fields = ("user", "region")


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "prefix", "active", "last_used_at", "created_at")
    list_filter = ("active",)
    fields = ("name", "prefix", "active", "last_used_at")
    readonly_fields = ("name", "prefix", "last_used_at")

    def has_add_permission(self, request: object) -> bool:
        return False
