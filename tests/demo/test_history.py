"""The generated history behind the dashboard: finished cases only, once, at a county, a town and a village."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
import time_machine

from onego.cases.models import Case
from onego.cases.workflow import CASE_FINAL
from onego.catalog.models import Region
from onego.catalog.services import catalog_import
from onego.demo.history import generate_history
from onego.insight.models import CaseDay
from onego.insight.selectors import dashboard

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "onego"
TODAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def test_history_is_written_once_finished_and_shows_every_figure_at_each_level() -> None:
    with time_machine.travel(TODAY, tick=False):
        catalog_import(path=SRC / "catalog" / "starter")
        line = generate_history(cases=150, days=60, seed=3)
        assert "已生成演示历史办件 150 件" in line
        assert generate_history(cases=150, days=60, seed=3) == "演示历史办件已存在。"
        assert Case.objects.count() == 150
        assert set(Case.objects.values_list("status", flat=True)) <= {s.value for s in CASE_FINAL}
        assert sum(CaseDay.objects.values_list("submitted", flat=True)) == 150
        start, end = dt.date(2026, 4, 1), dt.date(2026, 6, 1)
        for code in ("520000", "520100", "520102", "520102016"):
            board = dashboard(region=Region.objects.get(code=code), start=start, end=end)
            empty = [f.key for f in board.figures if not f.rows]
            assert empty == [], (code, empty)
