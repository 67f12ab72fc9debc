"""How the workbench words what the engine computes: time-limit lights with text (never colour alone),
form values by data type, file sizes. Presentation only; the colours come from `onego.cases.sla`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from onego.cases.selectors import DeadlineView

# The filter choices of the inbox, in order of urgency; "paused" and "none" are not warnings.
COLOUR_CHOICES = (
    ("overdue", gettext_lazy("已超期")),
    ("red", gettext_lazy("今日到期")),
    ("yellow", gettext_lazy("即将到期")),
    ("green", gettext_lazy("正常")),
    ("paused", gettext_lazy("暂停计时")),
)
# A shape beside the text, so the state reads without colour too (and in black-and-white print).
SYMBOLS = {"green": "●", "yellow": "▲", "red": "■", "overdue": "✖", "paused": "Ⅱ", "none": "○", "done": "✓"}


@dataclass(frozen=True)
class Light:
    colour: str
    symbol: str
    label: str
    due: dt.date | None
    legal_due: dt.date | None
    provisional: bool
    note: str


def deadline_light(view: DeadlineView) -> Light:
    return light(
        view.colour,
        days_left=view.days_left,
        due=view.promised_due,
        legal_due=view.legal_due,
        provisional=view.provisional,
        note=view.note,
    )


def light(
    colour: str,
    *,
    days_left: int | None,
    due: dt.date | None,
    legal_due: dt.date | None = None,
    provisional: bool = False,
    note: str = "",
) -> Light:
    return Light(
        colour=colour,
        symbol=SYMBOLS.get(colour, "○"),
        label=light_label(colour, days_left),
        due=due,
        legal_due=legal_due,
        provisional=provisional,
        note=note,
    )


def light_label(colour: str, days_left: int | None) -> str:
    left = days_left if days_left is not None else 0
    if colour == "green":
        return ngettext("正常（剩 %(n)d 个工作日）", "正常（剩 %(n)d 个工作日）", left) % {"n": left}
    if colour == "yellow":
        return ngettext("即将到期（剩 %(n)d 个工作日）", "即将到期（剩 %(n)d 个工作日）", left) % {"n": left}
    if colour == "red":
        return _("今日到期")
    if colour == "overdue":
        late = max(-left, 1)
        return ngettext("已超期 %(n)d 个工作日", "已超期 %(n)d 个工作日", late) % {"n": late}
    if colour == "paused":
        return _("暂停计时（补正或特别程序中）")
    if colour == "done":
        return _("已作出决定")
    return _("未开始计时")


def display_value(value: Any, data_type: str = "") -> str:
    """A form value as staff read it: yes/no in words, a region code as the region's name."""
    if data_type == "region_code":
        from onego.catalog.i18n import region_label

        return region_label(value)
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if value is None:
        return ""
    return str(value)


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
