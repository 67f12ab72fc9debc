"""Catalog administration for service-centre administrators (plain records; packages are best edited as YAML
in the package designer, which checks the whole definition before storing it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from onego.catalog import models as m


@admin.register(m.Region)
class RegionAdmin(admin.ModelAdmin[m.Region]):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("parent",)


@admin.register(m.DepartmentType)
class DepartmentTypeAdmin(admin.ModelAdmin[m.DepartmentType]):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name")


@admin.register(m.Department)
class DepartmentAdmin(admin.ModelAdmin[m.Department]):
    list_display = ("code", "name", "type", "region", "phone")
    list_filter = ("type",)
    search_fields = ("code", "name", "region__name")
    raw_id_fields = ("region",)


@admin.register(m.Partner)
class PartnerAdmin(admin.ModelAdmin[m.Partner]):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    filter_horizontal = ("regions",)


@admin.register(m.Registry)
class RegistryAdmin(admin.ModelAdmin[m.Registry]):
    list_display = ("code", "name", "department_type", "connected")
    list_editable = ("connected",)


@admin.register(m.DataElement)
class DataElementAdmin(admin.ModelAdmin[m.DataElement]):
    list_display = ("code", "name", "type", "sensitive", "registry")
    list_filter = ("type", "sensitive", "registry")
    search_fields = ("code", "name", "name_en")


@admin.register(m.LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin[m.LicenceType]):
    list_display = ("code", "name", "issuer_type", "holder_kind", "type_code")
    search_fields = ("code", "name")


@admin.register(m.MaterialType)
class MaterialTypeAdmin(admin.ModelAdmin[m.MaterialType]):
    list_display = ("code", "name", "registry", "licence_type", "source")
    list_filter = ("registry",)
    search_fields = ("code", "name")


class ItemFieldInline(admin.TabularInline[m.ItemField, m.ServiceItem]):
    model = m.ItemField
    extra = 0
    autocomplete_fields = ("data_element",)


class ItemMaterialInline(admin.TabularInline[m.ItemMaterial, m.ServiceItem]):
    model = m.ItemMaterial
    extra = 0
    autocomplete_fields = ("material_type",)


class ReviewedOnly:
    """Packages and items change only through review (onego.catalog.publishing): the designer or
    `onego catalog import`. The admin shows them; editing here would skip the second administrator."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(m.ServiceItem)
class ServiceItemAdmin(ReviewedOnly, admin.ModelAdmin[m.ServiceItem]):
    list_display = (
        "code",
        "name",
        "department_type",
        "level",
        "legal_limit_days",
        "promised_limit_days",
        "handling_type",
        "window_class",
        "visits",
        "online",
    )
    list_filter = (
        "item_type",
        "department_type",
        "handling_type",
        "window_class",
        "instant_approval_eligible",
        "sole_approver_eligible",
        "needs_site_inspection",
    )
    search_fields = ("code", "basic_code", "name", "name_en")
    inlines = (ItemFieldInline, ItemMaterialInline)
    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    "code",
                    "basic_code",
                    "name",
                    "name_en",
                    "item_type",
                    "department_type",
                    "level",
                    "service_object",
                )
            },
        ),
        (
            "办事指南",
            {
                "fields": (
                    "legal_basis",
                    "acceptance_conditions",
                    "special_procedures",
                    "result_name",
                    "result_licence_type",
                )
            },
        ),
        (
            "时限与办理",
            {
                "fields": (
                    "legal_limit_days",
                    "promised_limit_days",
                    "handling_type",
                    "visits",
                    "visits_reason",
                    "online",
                    "online_depth",
                    "postal",
                    "window_class",
                )
            },
        ),
        ("收费", {"fields": ("fee_charged", "fee_description", "fee_basis")}),
        (
            "审批方式",
            {
                "fields": (
                    "sole_approver_eligible",
                    "needs_site_inspection",
                    "instant_approval_eligible",
                    "notes",
                )
            },
        ),
    )


class PackageQuestionInline(admin.TabularInline[m.PackageQuestion, m.Package]):
    model = m.PackageQuestion
    extra = 0


class PackageItemInline(admin.TabularInline[m.PackageItem, m.Package]):
    model = m.PackageItem
    extra = 0
    autocomplete_fields = ("item",)


class PartnerStepInline(admin.TabularInline[m.PartnerStep, m.Package]):
    model = m.PartnerStep
    extra = 0


@admin.register(m.Package)
class PackageAdmin(ReviewedOnly, admin.ModelAdmin[m.Package]):
    list_display = ("code", "name", "theme", "lead_department_type", "promised_days", "version", "active")
    list_filter = ("theme", "active")
    search_fields = ("code", "name", "name_en")
    filter_horizontal = ("regions",)
    readonly_fields = ("version", "source", "source_name")
    inlines = (PackageQuestionInline, PackageItemInline, PartnerStepInline)


@admin.register(m.ServicePoint)
class ServicePointAdmin(admin.ModelAdmin[m.ServicePoint]):
    list_display = ("code", "name", "kind", "region", "address")
    list_filter = ("kind",)
    search_fields = ("code", "name", "address")


@admin.register(m.DataSubject)
class DataSubjectAdmin(ReviewedOnly, admin.ModelAdmin[m.DataSubject]):
    list_display = ("code", "name", "kind", "identity", "consent", "position")


@admin.register(m.CatalogChange)
class CatalogChangeAdmin(ReviewedOnly, admin.ModelAdmin[m.CatalogChange]):
    list_display = ("title", "status", "author", "reviewer", "created_at", "decided_at")
    list_filter = ("status", "channel")
    exclude = ("content",)


@admin.register(m.PackageVersion)
class PackageVersionAdmin(ReviewedOnly, admin.ModelAdmin[m.PackageVersion]):
    list_display = ("package_code", "version", "author", "approver", "published_at")
    search_fields = ("package_code",)
