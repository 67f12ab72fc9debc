"""Base model every OneGo table builds on: UUID keys (safe to expose) and timestamps.

Also the entered holiday notices of the working-day calendar (HolidayYear, HolidayDate).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from onego.core import clock
from onego.core.workdays import DayKind, check_notice_date


class BaseModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


# --- the working-day calendar: holiday notices entered by administrators ------------------------
# The library (chinese_calendar) only knows the years whose notice it has seen; these tables hold
# the years administrators enter themselves. See onego.core.workdays and docs/working-days.md.


class HolidayYear(BaseModel):
    """One year's State Council holiday notice as entered; it overrides the library for that year."""

    year = models.PositiveSmallIntegerField(
        "年份", unique=True, validators=[MinValueValidator(1), MaxValueValidator(9999)]
    )
    source = models.CharField("依据文件", max_length=200, help_text="例如：国办发明电〔2026〕X号")
    entered_by = models.CharField("录入人", max_length=150, blank=True)
    entered_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        ordering = ["year"]
        verbose_name = verbose_name_plural = "放假安排 Holiday notice"

    def __str__(self) -> str:
        return f"{self.year}年放假安排"


class HolidayDateKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    ADJUSTED_WORKDAY = "adjusted_workday", "调休上班"


class HolidayDate(BaseModel):
    year = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="dates", verbose_name="年份")
    # Unique across years: a date is either a day off or a day worked, never both.
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=20, choices=HolidayDateKind.choices)
    name = models.CharField("节日", max_length=50, blank=True, help_text="例如：春节")

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "放假日期 Holiday date"

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()

    def clean(self) -> None:
        # The same rule as the import and the service (workdays.check_notice_date), so the admin,
        # the command line and the API refuse the same things with the same words.
        try:
            year = self.year.year
        except ObjectDoesNotExist:  # no year chosen yet: the form reports the missing field
            return
        if self.date is None or year is None or not self.kind:
            return
        if msg := check_notice_date(year, self.date, DayKind(self.kind)):
            raise ValidationError({"date": msg})
