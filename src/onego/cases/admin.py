"""Administration of the cases app: partner endpoints (webhook and shared secret), and a read-only
view of partner deliveries for operators. Cases themselves are worked in the workbench, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from onego.cases import webhooks
from onego.cases.models import PartnerDelivery, PartnerDeliveryAttempt, PartnerEndpoint
from onego.core import pii
from onego.core.errors import ValidationFailed


class PartnerEndpointForm(forms.ModelForm):  # type: ignore[type-arg]
    secret = forms.CharField(
        label="共享密钥",
        required=False,
        min_length=16,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="至少 16 个字符，加密保存、不再显示；修改时留空则保持原密钥。",
    )

    class Meta:
        model = PartnerEndpoint
        fields = ["partner", "url", "algorithm", "active"]
        help_texts = {"url": "https://…；http:// 仅限本机调试；local: 为演示用的模拟合作机构"}

    def clean_url(self) -> str:
        try:
            return webhooks.check_endpoint_url(self.cleaned_data["url"])
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.instance.secret_sealed and not data.get("secret"):
            self.add_error("secret", "新建接口须设置共享密钥")
        return data

    def save(self, commit: bool = True) -> PartnerEndpoint:
        endpoint: PartnerEndpoint = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            endpoint.secret_sealed = pii.encrypt(self.cleaned_data["secret"])
        if commit:
            endpoint.save()
        return endpoint


@admin.register(PartnerEndpoint)
class PartnerEndpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PartnerEndpointForm
    list_display = ("partner", "url", "algorithm", "active", "updated_at")
    list_filter = ("active", "algorithm", "partner__kind")
    search_fields = ("partner__code", "partner__name", "url")
    raw_id_fields = ("partner",)


class AttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PartnerDeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "at", "ok", "http_status", "error", "duration_ms", "next_attempt_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PartnerDelivery)
class PartnerDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: deliveries change only through the services (send, callbacks, re-send)."""

    list_display = ("case", "subcase", "partner", "status", "attempts", "next_attempt_at", "last_http_status")
    list_filter = ("status", "partner")
    search_fields = ("case__reference", "partner__code")
    inlines = [AttemptInline]
    readonly_fields = (
        "case",
        "subcase",
        "partner",
        "status",
        "attempts",
        "next_attempt_at",
        "last_http_status",
        "last_error",
        "sent_at",
        "acknowledged_at",
        "failed_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
