"""The applicant's timeline: plain words for what was done for them; internal rows stay with staff."""

from __future__ import annotations

import datetime as dt

from onego.cases.selectors import TimelineEntry
from onego.portal.timeline import applicant_steps

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def entry(minutes: int, action: str, subject: str = "办件", to: str = "", reason: str = "") -> TimelineEntry:
    return TimelineEntry(
        at=T0 + dt.timedelta(minutes=minutes),
        who="系统",
        action=action,
        action_label=action,
        subject=subject,
        from_status="",
        to_status=to,
        from_label="",
        to_label="",
        reason=reason,
    )


def test_internal_rows_are_left_out_and_the_rest_is_in_plain_words_newest_first() -> None:
    rows = [
        entry(0, "create"),
        entry(1, "submit"),
        entry(2, "pre_review", to="pre_reviewed"),
        entry(3, "accept"),
        entry(4, "distribute", reason="并联分发至各部门"),
        entry(4, "distribute", "出生医学证明首次签发"),
        entry(4, "wait", "出生登记", reason="等待前置事项准予后自动开始"),
        entry(5, "claim", "出生医学证明首次签发"),
        entry(6, "request_supplement", reason="“出生医学证明首次签发”需要补正"),
        entry(6, "request_supplement", "出生医学证明首次签发", reason="请上传盖章的申请表"),
        entry(7, "supplement_answered"),
        entry(7, "supplement_answered", "出生医学证明首次签发"),
        entry(8, "approve", "出生医学证明首次签发", to="approved", reason="材料齐全"),
        entry(9, "reject", "出生登记", to="rejected", reason="户籍地不在本区"),
        entry(9, "join"),
        entry(10, "conclude"),
    ]
    steps = applicant_steps(rows, {"出生医学证明首次签发": "南明区卫生健康局", "出生登记": "南明分局"})
    titles = [s.title for s in steps]
    assert titles == [
        "出具办理结论",
        "南明分局 不予：出生登记",
        "南明区卫生健康局 准予：出生医学证明首次签发",
        "您已补正：出生医学证明首次签发，继续计时办理",
        "南明区卫生健康局 要求补正：出生医学证明首次签发",
        "综合窗口已受理，各部门开始并联审批",
        "系统预审通过：材料齐全，等待窗口受理",
        "您提交了申请",
    ]
    rejected = steps[1]
    assert rejected.detail == "户籍地不在本区"  # a refusal says why
    assert rejected.tone == "bad"
    assert steps[4].detail == "请上传盖章的申请表"
    assert steps[2].detail == ""  # an approval's internal opinion is on the case page's table, not here
