from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from onego.accounts.login import release_lockouts
from onego.accounts.models import LoginFailure, LoginLockout, Membership
from onego.accounts.otp import is_verified, second_factor_required


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "department", "role", "active"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "department__name", "department__code"]
    raw_id_fields = ["user", "department"]


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Lockouts are recorded, not edited: administrators see them and may release them early."""

    list_display = ["scope", "key", "failures", "created_at", "locked_until", "released_at", "released_by"]
    list_filter = ["scope", ("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["key"]
    readonly_fields = ["scope", "key", "failures", "locked_until", "released_at", "released_by"]
    actions = ["release"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="解除所选锁定")
    def release(self, request: HttpRequest, queryset: QuerySet[LoginLockout]) -> None:
        count = release_lockouts(lockouts=queryset, by=request.user)
        self.message_user(request, f"已解除 {count} 项锁定。")


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["username", "address", "created_at"]
    search_fields = ["username", "address"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# Staff sign in once, on the workbench's login page (lockout, second factor); the admin sends its
# visitors there and admits only sessions that passed the second factor when staff need one.
_admin_has_permission = admin.site.has_permission


def _has_permission(request: HttpRequest) -> bool:
    if not _admin_has_permission(request):
        return False
    return not second_factor_required(request.user) or is_verified(request.user)


def _login(request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
    return redirect_to_login(
        request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"), "workbench:login"
    )


admin.site.has_permission = _has_permission  # type: ignore[method-assign]
admin.site.login = _login  # type: ignore[method-assign]
