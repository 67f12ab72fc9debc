"""The pure rules of 好差评 (no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from onego.core.errors import Conflict, ValidationFailed
from onego.feedback import rules
from onego.feedback.rules import Channel, Level, RectStatus


def test_five_national_levels_and_the_bad_ones() -> None:
    assert [lv.label for lv in sorted(Level, reverse=True)] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    assert [lv for lv in Level if rules.is_bad(lv)] == [Level.VERY_DISSATISFIED, Level.DISSATISFIED]


@pytest.mark.parametrize("value", [0, 6, "abc", None, "3.5"])
def test_a_level_outside_one_to_five_is_refused(value: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        rules.parse_level(value)
    assert err.value.field == "level"


def test_tags_follow_the_channel_of_the_standard() -> None:
    assert {t.code for t in rules.tags_for(Channel.WEB)} == {
        "efficiency",
        "guide_accuracy",
        "convenience",
        "usability",
    }
    assert {t.code for t in rules.tags_for(Channel.COUNTER)} == {"efficiency", "service_level", "attitude"}
    assert rules.check_tags(["usability", "efficiency", "efficiency"], channel=Channel.WEB) == [
        "efficiency",
        "usability",
    ]
    with pytest.raises(ValidationFailed, match="不适用"):
        rules.check_tags(["attitude"], channel=Channel.WEB)


def test_scripts_and_tags_in_comments_are_neutralised() -> None:
    text = rules.clean_comment(
        '<script>alert("x")</script>窗口<b>态度</b>差\u202e<img src=x onerror=alert(1)>'
    )
    assert text == "窗口态度差"


def test_an_oversized_comment_is_refused_not_cut() -> None:
    with pytest.raises(ValidationFailed, match="不能超过 500 字") as err:
        rules.clean_comment("慢" * 501)
    assert err.value.field == "comment"
    assert rules.clean_comment("慢" * 500) == "慢" * 500


def test_finished_refused_withdrawn_and_overdue_cases_may_be_rated() -> None:
    today = dt.date(2026, 3, 10)
    assert rules.rating_occasion("concluded", None, today) == "concluded"
    assert rules.rating_occasion("not_accepted", None, today) == "not_accepted"
    assert rules.rating_occasion("withdrawn", None, today) == "withdrawn"
    assert rules.rating_occasion("in_progress", dt.date(2026, 3, 9), today) == "overdue"
    assert rules.rating_occasion("in_progress", today, today) is None
    assert rules.rating_occasion("submitted", dt.date(2026, 3, 1), today) is None


def test_the_amendment_window_counts_from_the_first_rating() -> None:
    first = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert rules.may_amend(first, first + dt.timedelta(days=7), window_days=7)
    assert not rules.may_amend(first, first + dt.timedelta(days=7, seconds=1), window_days=7)


def test_rectification_days_come_from_the_nearest_configured_region() -> None:
    configured = {"default": 15, "520100": 5}
    assert rules.rectification_days(["520102", "520100", "520000"], configured) == 5
    assert rules.rectification_days(["520502", "520500", "520000"], configured) == 15


def test_the_rectification_machine_allows_only_its_moves() -> None:
    rules.check_rect_transition(RectStatus.OPEN, RectStatus.ANSWERED)
    rules.check_rect_transition(RectStatus.ANSWERED, RectStatus.OPEN)
    for terminal in (RectStatus.RESOLVED, RectStatus.CLOSED, RectStatus.VOIDED):
        with pytest.raises(Conflict):
            rules.check_rect_transition(terminal, RectStatus.OPEN)
    with pytest.raises(Conflict):
        rules.check_rect_transition(RectStatus.OPEN, RectStatus.RESOLVED)  # never closed without an answer
    assert rules.after_rerate(Level.DISSATISFIED) == RectStatus.OPEN
    assert rules.after_rerate(Level.BASIC) == RectStatus.RESOLVED


def test_a_malformed_rectification_days_setting_is_refused_by_name(tmp_path: Path) -> None:
    from tests.core.test_settings import SECRET, production_env, run_python

    env = production_env(tmp_path, ONEGO_SECRET_KEY=SECRET, ONEGO_FEEDBACK_RECTIFICATION_DAYS="520100:five")
    result = run_python("import onego.settings", env)
    assert result.returncode != 0
    assert "ONEGO_FEEDBACK_RECTIFICATION_DAYS='520100:five'" in result.stderr
