"""What happens next: expected acceptance, each department's decision day and the conclusion day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onego.cases import outlook
from onego.core.workdays import WorkingCalendar

CAL = WorkingCalendar()
FRIDAY = dt.date(2025, 3, 7)


def entry(
    code: str, department: str, days: int, after: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"{code}-name",
        "kind": "item",
        "department": department,
        "department_code": department,
        "days": days,
        "after": after or [],
        **extra,
    }


SNAPSHOT = {
    "entries": [
        entry("birth", "卫健局", 1),
        entry("vaccine", "疾控中心", 2),
        entry("hukou", "公安分局", 3, after=["birth"]),
        {"code": "post", "name": "寄递", "kind": "partner", "department": "", "after": [], "days": 1},
    ]
}


def test_acceptance_is_expected_on_the_next_working_day_and_departments_count_from_it() -> None:
    view = outlook.outlook(SNAPSHOT, calendar=CAL, submitted_on=FRIDAY, case_promised_days=4)
    monday = dt.date(2025, 3, 10)
    assert view.accept_by == monday
    by_dept = {s.department: s for s in view.departments}
    assert set(by_dept) == {"卫健局", "疾控中心", "公安分局"}  # partner steps decide nothing
    assert by_dept["卫健局"].decide_by == dt.date(2025, 3, 11)
    assert by_dept["疾控中心"].decide_by == dt.date(2025, 3, 12)
    # 户口 waits for the birth certificate (1 day) and then takes 3: acceptance + 4 working days.
    assert by_dept["公安分局"].decide_by == dt.date(2025, 3, 14)
    assert by_dept["公安分局"].waits_for == ("birth-name",)
    assert view.conclude_by == dt.date(2025, 3, 14)
    assert [s.department for s in view.departments] == ["卫健局", "疾控中心", "公安分局"]  # soonest first


def test_once_accepted_the_dates_count_from_the_acceptance_day() -> None:
    view = outlook.outlook(
        SNAPSHOT, calendar=CAL, submitted_on=FRIDAY, accepted_on=dt.date(2025, 3, 12), case_promised_days=4
    )
    assert view.accepted
    assert view.accept_by == dt.date(2025, 3, 12)
    assert view.conclude_by == dt.date(2025, 3, 18)


def test_an_instant_department_is_said_to_decide_by_rule() -> None:
    snapshot = {"entries": [entry("quick", "市场监管局", 0, instant_approval=True)]}
    view = outlook.outlook(snapshot, calendar=CAL, submitted_on=FRIDAY, case_promised_days=0)
    assert view.departments[0].instant


def test_the_sms_says_who_decides_and_by_when() -> None:
    view = outlook.outlook(SNAPSHOT, calendar=CAL, submitted_on=FRIDAY, case_promised_days=4)
    sms = outlook.sms_text("新生儿出生一件事", view)
    assert "新生儿出生一件事" in sms
    assert "03月10日 前受理" in sms
    assert "卫健局、疾控中心、公安分局" in sms
    assert "03月14日 前办结" in sms
    assert len(sms) < 140
