"""Rollups the dashboard reads instead of the case tables (docs/insight.md).

Two daily rollups, one row per bucket, rebuilt bucket by bucket by `onego.insight.refresh`, and the
same two summed by month and county (`CaseMonth`, `DepartmentMonth`) for the wide views:

- `CaseDay`: cases submitted on one day × region × package × channel: volumes, acceptance and
  conclusion times, time-limit compliance, the burden of the case against its items one by one,
  and the overall ratings.
- `DepartmentDay`: the item sub-cases of those cases × department × the prerequisite that held
  them (`held_by`, "" when none): handling and waiting times, compliance, department ratings and
  rectification work orders.

A bucket is keyed by the day the case was submitted (local time) so a case stays in one bucket
for life: when it moves on (accepted, concluded, rated) its day is rebuilt whole. Sums, not
averages, are stored so any roll-up of buckets (a month, a city) divides once at the end.
`RefreshState` holds the watermark of the incremental refresh.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from onego.core.models import BaseModel

CASE_KEYS = ["day", "region_code", "package_code", "channel"]
DEPARTMENT_KEYS = ["day", "region_code", "package_code", "department_code", "held_by"]


def rollup_indexes(keys: list[str], *, once: str, prefix: str) -> tuple[list[Any], list[Any]]:
    """(constraints, indexes) every rollup shares, daily or monthly: one row per bucket (`keys`), and the
    two indexes the dashboard reads by — (day, region) for a region's days or months, and (region, day)
    for a town or village view: LIKE 'prefix%' on the region, then the days (PostgreSQL needs the pattern
    operator class for a prefix match on varchar under a non-C collation). Names as the tables have them."""
    return (
        [models.UniqueConstraint(fields=keys, name=once)],
        [
            models.Index(fields=["day", "region_code"], name=f"{prefix}_day_region"),
            models.Index(
                fields=["region_code", "day"],
                name=f"{prefix}_region_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ],
    )


class CaseSums(models.Model):
    day = models.DateField("提交日期")
    region_code = models.CharField("区划代码", max_length=12)
    package_code = models.CharField("一件事", max_length=80)
    channel = models.CharField("申请渠道", max_length=10)

    submitted = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)  # web + app
    accepted = models.PositiveIntegerField(default=0)
    not_accepted = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    concluded = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)  # approved or partly approved
    open_cases = models.PositiveIntegerField(default=0)  # accepted, not yet concluded
    open_overdue = models.PositiveIntegerField(default=0)  # of those, past the promised date

    accept_n = models.PositiveIntegerField(default=0)
    accept_hours = models.FloatField(default=0)
    accept_workdays = models.PositiveIntegerField(default=0)
    conclude_n = models.PositiveIntegerField(default=0)
    conclude_hours = models.FloatField(default=0)
    conclude_workdays = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)  # concluded by the promised date
    legal_on_time = models.PositiveIntegerField(default=0)  # concluded by the legal date

    fields_separate = models.PositiveIntegerField(default=0)
    fields_to_type = models.PositiveIntegerField(default=0)
    uploads_separate = models.PositiveIntegerField(default=0)
    uploads_to_make = models.PositiveIntegerField(default=0)
    uploads_made = models.PositiveIntegerField(default=0)
    trips_separate = models.PositiveIntegerField(default=0)
    trips_package = models.PositiveIntegerField(default=0)
    days_serial = models.PositiveIntegerField(default=0)  # of concluded cases: items one after another
    days_taken = models.PositiveIntegerField(default=0)  # of concluded cases: working days it really took

    rated = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)  # 基本满意 or better
    bad = models.PositiveIntegerField(default=0)  # 不满意, 非常不满意

    class Meta:
        abstract = True


class CaseDay(CaseSums):
    class Meta:
        constraints, indexes = rollup_indexes(
            CASE_KEYS, once="insight_case_day_once", prefix="insight_caseday"
        )
        verbose_name = verbose_name_plural = "办件日汇总 Case rollup"

    def __str__(self) -> str:
        return f"{self.day} {self.region_code} {self.package_code} {self.channel}: {self.submitted}"


class DepartmentSums(models.Model):
    day = models.DateField("提交日期")
    region_code = models.CharField("区划代码", max_length=12)
    package_code = models.CharField("一件事", max_length=80)
    department_code = models.CharField("部门", max_length=80)
    held_by = models.CharField("等待的前置事项", max_length=80, blank=True)

    subcases = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    handle_n = models.PositiveIntegerField(default=0)
    handle_hours = models.FloatField(default=0)
    handle_workdays = models.PositiveIntegerField(default=0)
    wait_n = models.PositiveIntegerField(default=0)
    wait_hours = models.FloatField(default=0)
    wait_workdays = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    open_overdue = models.PositiveIntegerField(default=0)

    ratings = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    rectifications = models.PositiveIntegerField(default=0)
    rect_answered = models.PositiveIntegerField(default=0)
    rect_on_time = models.PositiveIntegerField(default=0)
    rect_open_overdue = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DepartmentDay(DepartmentSums):
    class Meta:
        constraints, indexes = rollup_indexes(
            DEPARTMENT_KEYS, once="insight_department_day_once", prefix="insight_deptday"
        )
        verbose_name = verbose_name_plural = "部门日汇总 Department rollup"

    def __str__(self) -> str:
        return f"{self.day} {self.department_code} {self.package_code}: {self.subcases}"


class CaseMonth(CaseSums):
    """`CaseDay` summed by month and county: `day` is the month's first day, `region_code` the county (or
    the city or province itself for cases filed there). What province, city and county views read: its
    size is bounded by months × counties × packages × channels, however many cases there are."""

    class Meta:
        constraints, indexes = rollup_indexes(
            CASE_KEYS, once="insight_case_month_once", prefix="insight_casemonth"
        )
        verbose_name = verbose_name_plural = "办件月汇总（县级）Case monthly rollup"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m} {self.region_code} {self.package_code} {self.channel}: {self.submitted}"


class DepartmentMonth(DepartmentSums):
    """`DepartmentDay` summed by month and county, as `CaseMonth`."""

    class Meta:
        constraints, indexes = rollup_indexes(
            DEPARTMENT_KEYS, once="insight_department_month_once", prefix="insight_deptmonth"
        )
        verbose_name = verbose_name_plural = "部门月汇总（县级）Department monthly rollup"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m} {self.department_code} {self.package_code}: {self.subcases}"


class RefreshState(BaseModel):
    """One row: how far the incremental refresh has read, and when it last ran."""

    key = models.CharField(max_length=20, unique=True, default="rollups")
    watermark = models.DateTimeField("已读到", null=True, blank=True)
    last_day = models.DateField("上次刷新日期", null=True, blank=True)
    last_run_at = models.DateTimeField("上次刷新时间", null=True, blank=True)
    last_days = models.PositiveIntegerField("上次重算天数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "汇总刷新状态 Rollup refresh state"
