"""The dashboard's period from what a person sends (`from`, `to` as 2026-03): one rule for the page, the
exports and the API. Whole months; by default the six months up to today."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from onego.core.errors import ValidationFailed

DEFAULT_MONTHS = 6


def parse_month(value: str, field: str) -> dt.date:
    """A month as a month field sends it (2026-03); a full date names its month."""
    try:
        return dt.date.fromisoformat(value[:7] + "-01" if len(value) in (7, 10) else value)
    except ValueError:
        raise ValidationFailed(_("月份格式应为 年-月，例如 2026-03"), field=field) from None


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today.replace(day=1)
    for _step in range(DEFAULT_MONTHS - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start, today


def period_from(raw_from: str, raw_to: str, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """(start, end) from the raw values (blank: the default); the start may not follow the end."""
    raw_from, raw_to = (raw_from or "").strip(), (raw_to or "").strip()
    end = parse_month(raw_to, "to") if raw_to else default_period(today)[1]
    start = parse_month(raw_from, "from") if raw_from else default_period(end)[0]
    if start.replace(day=1) > end.replace(day=1):
        raise ValidationFailed(_("开始月份不能晚于结束月份"), field="from")
    return start, end
