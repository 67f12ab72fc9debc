"""Admin for the simulated registries: read-only, personal data masked everywhere.

The registries stand in for other departments' systems, so nothing here edits their data; only the
availability switch (RegistryState) can be changed, through the service. Encrypted columns are never
shown: lists and detail pages show masked values (`5201**********1234`, `138****5678`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from onego.core.pii import mask_id_number, mask_name, mask_phone, mask_uscc
from onego.registries import models as m
from onego.registries.assignment import assigned_of
from onego.registries.gateway import set_registry_available


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.RegistryState)
class RegistryStateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "available", "note", "updated_at")
    readonly_fields = ("code", "available", "note")
    actions = ["switch_on", "switch_off"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def _switch(self, request: HttpRequest, queryset: QuerySet[m.RegistryState], available: bool) -> None:
        who = getattr(request.user, "username", "")
        for state in queryset:
            set_registry_available(code=state.code, available=available, note=f"管理后台 {who}")
        messages.success(request, f"已{'恢复' if available else '停止'} {queryset.count()} 个数据源的访问")

    @admin.action(description="恢复访问（模拟部门接口恢复）")
    def switch_on(self, request: HttpRequest, queryset: QuerySet[m.RegistryState]) -> None:
        self._switch(request, queryset, True)

    @admin.action(description="停止访问（模拟部门接口故障）")
    def switch_off(self, request: HttpRequest, queryset: QuerySet[m.RegistryState]) -> None:
        self._switch(request, queryset, False)


@admin.register(m.RegistryStateChange)
class RegistryStateChangeAdmin(ReadOnlyAdmin):
    list_display = ("code", "available", "note", "changed_at")
    list_filter = ["code"]


@admin.register(m.SeedRun)
class SeedRunAdmin(ReadOnlyAdmin):
    list_display = ("seed", "people", "enterprises", "created_at", "finished_at")


@admin.register(m.Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = (
        "masked_name_field",
        "masked_id_number",
        "gender",
        "birth_date",
        "ethnicity",
        "region_code",
        "alive",
    )
    list_filter = ["gender", "alive"]
    fields = (
        "masked_name_field",
        "masked_id_number",
        "gender",
        "birth_date",
        "ethnicity",
        "masked_phone",
        "region_code",
        "relationship_to_head",
        "alive",
    )
    readonly_fields = fields

    @admin.display(description="姓名")
    def masked_name_field(self, obj: m.Resident) -> str:
        return mask_name(obj.name)

    @admin.display(description="公民身份号码")
    def masked_id_number(self, obj: m.Resident) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: m.Resident) -> str:
        return mask_phone(obj.phone) if obj.phone else ""


@admin.register(m.Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("number", "region_code")
    fields = ("number", "region_code")


@admin.register(m.BirthCertificate)
class BirthCertificateAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "masked_newborn",
        "gender",
        "birth_date",
        "birth_place",
        "registered",
    )
    fields = ("number", "masked_newborn", "gender", "birth_date", "birth_place", "issued_on")
    readonly_fields = fields

    @admin.display(description="新生儿")
    def masked_newborn(self, obj: m.BirthCertificate) -> str:
        return mask_name(obj.newborn_name)

    @admin.display(description="已落户", boolean=True)
    def registered(self, obj: m.BirthCertificate) -> bool:
        return obj.newborn_id is not None


@admin.register(m.MarriageRecord)
class MarriageRecordAdmin(ReadOnlyAdmin):
    list_display = ("certificate_number", "registered_on", "office", "dissolved_on")
    fields = list_display


@admin.register(m.SocialInsurance)
class SocialInsuranceAdmin(ReadOnlyAdmin):
    list_display = ("status", "insured_since", "employer_name")
    list_filter = ["status"]
    fields = ("status", "insured_since", "employer_name", "unit_number")


@admin.register(m.MedicalInsurance)
class MedicalInsuranceAdmin(ReadOnlyAdmin):
    list_display = ("scheme", "status", "unit_number")
    list_filter = ["scheme"]
    fields = list_display


@admin.register(m.HousingFund)
class HousingFundAdmin(ReadOnlyAdmin):
    list_display = ("employer_name", "deposit_rate", "status", "opened_on")
    fields = list_display


@admin.register(m.RealEstate)
class RealEstateAdmin(ReadOnlyAdmin):
    list_display = ("certificate_number", "region_code", "area", "use", "registered_on")
    fields = (
        *list_display,
        "unit_number",
        "address",
        "water_account",
        "power_account",
        "gas_account",
    )


@admin.register(m.Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ("name", "uscc", "type", "status", "established_on", "region_code")
    list_filter = ["status", "type"]
    search_fields = ["=uscc", "name"]
    fields = (
        "name",
        "uscc",
        "type",
        "masked_legal_rep",
        "registered_capital",
        "business_scope",
        "address",
        "region_code",
        "status",
        "established_on",
    )
    readonly_fields = fields

    @admin.display(description="法定代表人")
    def masked_legal_rep(self, obj: m.Enterprise) -> str:
        return mask_name(obj.legal_rep.name) if obj.legal_rep else ""


@admin.register(m.Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    # A voided number stays as the record of a number given and withdrawn (it is never given again).
    list_display = (
        "registry",
        "element",
        "masked_value",
        "status",
        "request_key",
        "record",
        "created_at",
        "voided_at",
    )
    list_filter = ["status", "registry", "element"]
    fields = (*list_display, "void_reason")
    readonly_fields = fields

    @admin.display(description="所赋号码")
    def masked_value(self, obj: m.Assignment) -> str:
        return assigned_of(obj).masked


@admin.register(m.Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "masked_holder",
        "masked_holder_code",
        "issuer_name",
        "issued_on",
        "status",
    )
    list_filter = ["licence_type", "status"]
    search_fields = ["=identifier"]
    fields = (
        "identifier",
        "name",
        "masked_holder",
        "masked_holder_code",
        "holder_code_type",
        "issuer_name",
        "issuer_code",
        "issued_on",
        "valid_from",
        "valid_until",
        "status",
    )
    readonly_fields = fields

    @admin.display(description="持证主体")
    def masked_holder(self, obj: m.Licence) -> str:
        if obj.holder_code_type == m.HolderCodeType.USCC:
            return obj.holder_name
        return mask_name(obj.holder_name)

    @admin.display(description="持证主体代码")
    def masked_holder_code(self, obj: m.Licence) -> str:
        if obj.holder_code_type == m.HolderCodeType.USCC:
            return mask_uscc(obj.holder_code)
        return mask_id_number(obj.holder_code)


for model in (
    m.TaxRegistration,
    m.CreditRecord,
    m.DisabilityRecord,
    m.SocialAssistance,
    m.Vaccination,
    m.StudentStatus,
    m.Vehicle,
    m.DrivingLicence,
    m.RoadTransportPermit,
    m.DriverQualification,
    m.HousingTransaction,
):
    # Default change views would render encrypted fields' plaintext: show the record's own fields only.
    safe = [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in ("id", "created_at", "updated_at")
        and not f.name.endswith(("_code", "_phone", "_index"))
        and not f.is_relation
    ]
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": safe[:6] or ["id"], "fields": safe}
        ),
    )
