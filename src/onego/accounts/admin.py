from __future__ import annotations

from django.contrib import admin

from onego.accounts.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "department", "role", "active"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "department__name", "department__code"]
    raw_id_fields = ["user", "department"]
