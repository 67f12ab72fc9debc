"""The rules of 好差评, pure (no database): levels, indicator tags, which cases may be rated, the
amendment window, which ratings open a rectification, and the rectification state machine.

Sources: 国办发〔2019〕51号; GB/T 39734-2020 (online evaluation), GB/T 39735-2020 (on-site).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from django.db import models
from django.utils.html import strip_tags

from onego.core.errors import Conflict, ValidationFailed

COMMENT_MAX = 500  # characters; a longer comment is refused, not cut
TAGS_MAX = 8


class Level(IntEnum):
    """The five national levels; 不满意 and 非常不满意 are 差评."""

    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    BASIC = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]


LEVEL_LABELS: Mapping[Level, str] = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASIC: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}


class Channel(models.TextChoices):
    """Where a rating came from (decided by the entry point, never by the rater)."""

    WEB = "web", "网上评价（一事一评）"
    COUNTER = "counter", "窗口评价器/二维码（一次一评）"
    API = "api", "移动端/接口"


@dataclass(frozen=True)
class Tag:
    code: str
    label: str
    online: bool  # GB/T 39734 online indicators
    on_site: bool  # GB/T 39735 on-site indicators


# The standard's indicators: online — efficiency, guide accuracy, convenience, usability;
# on site — efficiency, service level, attitude.
TAGS: tuple[Tag, ...] = (
    Tag("efficiency", "办事效率", online=True, on_site=True),
    Tag("guide_accuracy", "办事指南准确性", online=True, on_site=False),
    Tag("convenience", "办理便捷程度", online=True, on_site=False),
    Tag("usability", "系统易用性", online=True, on_site=False),
    Tag("service_level", "服务水平", online=False, on_site=True),
    Tag("attitude", "服务态度", online=False, on_site=True),
)
TAG_LABELS: Mapping[str, str] = {t.code: t.label for t in TAGS}


def tags_for(channel: str) -> tuple[Tag, ...]:
    on_site = channel == Channel.COUNTER
    return tuple(t for t in TAGS if (t.on_site if on_site else t.online))


def parse_level(value: object, *, field: str = "level") -> Level:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed("请选择评价等级（非常满意至非常不满意）", field=field) from None
    if number not in Level._value2member_map_:
        raise ValidationFailed("评价等级只能是 1（非常不满意）至 5（非常满意）", field=field)
    return Level(number)


def check_tags(codes: Iterable[str], *, channel: str, field: str = "tags") -> list[str]:
    """The tags in the standard's order, each once; an unknown or off-channel tag is refused."""
    wanted = [str(c) for c in codes]
    allowed = {t.code for t in tags_for(channel)}
    for code in wanted:
        if code not in allowed:
            raise ValidationFailed(f"评价指标“{code[:40]}”不适用于此评价渠道", field=field)
    if len(set(wanted)) > TAGS_MAX:
        raise ValidationFailed("评价指标过多", field=field)
    return [t.code for t in TAGS if t.code in set(wanted)]


_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e]")
_SCRIPTS = re.compile(r"<\s*(script|style)\b.*?(<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)


def clean_comment(
    text: str, *, field: str = "comment", limit: int = COMMENT_MAX, label: str = "评价内容"
) -> str:
    """Plain text only: script/style blocks removed with their content, other tags stripped, control
    and direction-override characters dropped. Too long is refused (measured before cleaning, so a
    comment is never silently cut). Pages escape it again on output."""
    raw = unicodedata.normalize("NFC", str(text or ""))
    if len(raw) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字（现为 {len(raw)} 字）", field=field)
    cleaned = strip_tags(_SCRIPTS.sub("", raw))
    cleaned = _CONTROL.sub("", cleaned).replace("\r\n", "\n").strip()
    return cleaned


def is_bad(level: int) -> bool:
    """差评: 不满意 or 非常不满意 — each opens a rectification."""
    return level <= Level.DISSATISFIED


# --- which cases may be rated ---------------------------------------------------------------------

FINISHED_STATUSES = frozenset({"concluded", "not_accepted", "withdrawn"})
RUNNING_STATUSES = frozenset({"accepted", "in_progress", "supplement", "ready_to_conclude"})


def rating_occasion(status: str, due: dt.date | None, today: dt.date) -> str | None:
    """Why this case may be rated now ("concluded", "not_accepted", "withdrawn", "overdue"), or None.

    A concluded, refused or withdrawn case may be rated; so may a case still running past its
    promised date (the applicant should not wait for the end to say it is late)."""
    if status in FINISHED_STATUSES:
        return status
    if status in RUNNING_STATUSES and due is not None and due < today:
        return "overdue"
    return None


OCCASION_LABELS: Mapping[str, str] = {
    "concluded": "已办结",
    "not_accepted": "不予受理",
    "withdrawn": "已撤回",
    "overdue": "超期未办结",
}


def may_amend(first_rated_at: dt.datetime, now: dt.datetime, *, window_days: int) -> bool:
    """Within the window after the first rating the rater may change it (once rated, the window
    does not restart on each change)."""
    return now <= first_rated_at + dt.timedelta(days=window_days)


# --- rectification deadlines ------------------------------------------------------------------------


def rectification_days(region_chain: Iterable[str], configured: Mapping[str, int]) -> int:
    """Working days for a rectification in a region: the setting of the nearest region in the chain
    (the department's own region first, then upwards), else the "default" entry."""
    for code in region_chain:
        if code in configured:
            return int(configured[code])
    return int(configured.get("default", 15))


# --- the rectification state machine ---------------------------------------------------------------


class RectStatus(models.TextChoices):
    OPEN = "open", "待核实整改"
    ANSWERED = "answered", "已答复，已回访，待申请人再评价"
    APPEALED = "appealed", "申诉复核中"
    RESOLVED = "resolved", "已办结（申请人再评价满意）"
    CLOSED = "closed", "已办结（监督员复核关闭）"
    VOIDED = "voided", "差评已撤销（申诉成立）"


class Finding(models.TextChoices):
    RECTIFIED = "rectified", "情况属实，已整改"
    NO_BASIS = "no_basis", "经核实，诉求无政策法规依据，已解释说明"


R = RectStatus
RECT_TRANSITIONS: Mapping[RectStatus, frozenset[RectStatus]] = {
    R.OPEN: frozenset({R.ANSWERED, R.APPEALED}),
    # Re-rated still bad: a new round (OPEN); the applicant stays silent: only a supervisor closes it.
    R.ANSWERED: frozenset({R.RESOLVED, R.OPEN, R.CLOSED}),
    R.APPEALED: frozenset({R.VOIDED, R.OPEN}),
    R.RESOLVED: frozenset(),
    R.CLOSED: frozenset(),
    R.VOIDED: frozenset(),
}
LIVE_STATUSES = frozenset({R.OPEN, R.ANSWERED, R.APPEALED})


def check_rect_transition(current: str, to: str) -> None:
    allowed = RECT_TRANSITIONS.get(RectStatus(current), frozenset())
    if RectStatus(to) not in allowed:
        raise Conflict(
            f"整改工单当前为“{RectStatus(current).label}”，不能改为“{RectStatus(to).label}”", field="status"
        )


def after_rerate(level: int) -> RectStatus:
    """What a re-rating after the call-back does to an answered rectification."""
    return R.OPEN if is_bad(level) else R.RESOLVED


def on_time(answered_on: dt.date, due_on: dt.date) -> bool:
    return answered_on <= due_on


ACTION_LABELS: Mapping[str, str] = {
    "open": "收到差评，开立整改工单",
    "answer": "部门核实答复，系统回访申请人",
    "rerate": "申请人再评价",
    "reopen": "再评价仍不满意，重新整改",
    "amended": "申请人修改评价",
    "appeal": "部门申诉",
    "void": "申诉成立，撤销差评",
    "appeal_rejected": "申诉不成立，退回整改",
    "close": "监督员复核关闭",
    "escalate": "超期督办",
}
