"""Admin for the entered holiday notices.

A year and its dates are edited on one page and saved through `calendar_enter_year`, the same
service the import command uses, so both paths validate alike and the cases app has one place to
hook its recomputation of provisional deadlines. Dates are listed read-only on their own for
searching across years.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from onego.core.models import HolidayDate, HolidayDateKind, HolidayYear
from onego.core.services import calendar_enter_year
from onego.core.workdays import library_years

_WEEKDAY_NAMES = "一二三四五六日"


class HolidayDateFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        # Each row checks itself (HolidayDate.clean: right year, adjusted workdays on weekends);
        # what needs all rows at once is a date listed twice.
        seen: dict[dt.date, str] = {}
        errors: list[str] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("date") is None:
                continue
            day: dt.date = data["date"]
            kind = HolidayDateKind(data.get("kind") or HolidayDateKind.HOLIDAY).label
            if day in seen:
                if seen[day] != kind:
                    errors.append(f"{day.isoformat()} 同时列为{seen[day]}和{kind}，只能是其中之一")
                else:
                    errors.append(f"{day.isoformat()} 重复列出")
            seen[day] = kind
        if errors:
            raise forms.ValidationError(errors)
        super().clean()


class HolidayDateInline(admin.TabularInline):  # type: ignore[type-arg]
    model = HolidayDate
    formset = HolidayDateFormSet
    fields = ["date", "kind", "name"]
    extra = 3


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["year", "source", "holiday_count", "adjusted_count", "entered_by", "entered_at"]
    fields = ["year", "source", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]
    inlines = [HolidayDateInline]
    search_fields = ["source"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[HolidayYear]:
        queryset: QuerySet[HolidayYear] = super().get_queryset(request)
        return queryset.annotate(
            n_holidays=Count("dates", filter=Q(dates__kind=HolidayDateKind.HOLIDAY)),
            n_adjusted=Count("dates", filter=Q(dates__kind=HolidayDateKind.ADJUSTED_WORKDAY)),
        )

    @admin.display(description="放假天数", ordering="n_holidays")
    def holiday_count(self, obj: HolidayYear) -> int:
        return int(getattr(obj, "n_holidays", 0))

    @admin.display(description="调休上班天数", ordering="n_adjusted")
    def adjusted_count(self, obj: HolidayYear) -> int:
        return int(getattr(obj, "n_adjusted", 0))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        first, last = library_years()
        extra_context = {
            **(extra_context or {}),
            "subtitle": (
                f"已录入的年份优先于日历库；日历库已知 {first}–{last} 年，"
                "其余未录入的年份暂按周一至周五计算，相关期限标为“暂定”。"
            ),
        }
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: HolidayYear, form: Any, change: bool) -> None:
        # Saved first so a changed year number moves the row; save_related then stores the dates.
        obj.entered_by = request.user.get_username()
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        holidays: list[tuple[dt.date, str]] = []
        adjusted: list[tuple[dt.date, str]] = []
        for formset in formsets:
            for row in formset.forms:
                data = getattr(row, "cleaned_data", None)
                if not data or data.get("DELETE") or data.get("date") is None:
                    continue
                target = adjusted if data["kind"] == HolidayDateKind.ADJUSTED_WORKDAY else holidays
                target.append((data["date"], data.get("name") or ""))
        obj: HolidayYear = form.instance
        calendar_enter_year(
            year=obj.year,
            holidays=holidays,
            adjusted_workdays=adjusted,
            source=obj.source,
            entered_by=request.user.get_username(),
        )

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        # The service replaced the dates, so the formsets were never saved and hold no
        # new/changed/deleted objects to describe; say that the dates changed instead.
        message: list[dict[str, Any]] = super().construct_change_message(request, form, [], add)
        if not add and any(fs.has_changed() for fs in formsets):
            message.append({"changed": {"fields": ["放假日期"]}})
        return message


@admin.register(HolidayDate)
class HolidayDateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: dates are edited with their year, through the service."""

    list_display = ["date", "weekday", "kind", "name", "year"]
    list_filter = ["kind", "year"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description="星期")
    def weekday(self, obj: HolidayDate) -> str:
        return f"星期{_WEEKDAY_NAMES[obj.date.weekday()]}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
