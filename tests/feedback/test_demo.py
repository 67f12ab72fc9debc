"""`onego demo setup` leaves ratings and a rectification chain for the demo supervisor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from onego.catalog.services import catalog_import
from onego.demo.accounts import ensure_demo_logins
from onego.demo.feedback import seed_feedback_demo
from onego.feedback.models import Evaluation, Rectification
from onego.feedback.rules import RectStatus

SRC = Path(__file__).resolve().parents[2] / "src" / "onego"


def test_demo_ratings_fill_the_supervisors_page_once(db: None, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    assert "未生成演示评价" in seed_feedback_demo()  # nothing to rate without the catalog
    catalog_import(path=SRC / "catalog" / "starter")
    ensure_demo_logins()
    assert "已生成演示评价 3 条" in seed_feedback_demo()
    assert seed_feedback_demo() == "演示评价已存在。"
    assert sorted(Evaluation.objects.values_list("level", flat=True)) == [2, 4, 5]
    assert sorted(Rectification.objects.values_list("status", flat=True)) == [
        RectStatus.OPEN,
        RectStatus.RESOLVED,
    ]
    client = Client()
    client.force_login(get_user_model().objects.get(username="supervisor"))
    page = client.get("/workbench/feedback/supervision/").content.decode()
    assert "南明区人力资源和社会保障局" in page
    assert "社会保障卡居民服务" in page
    assert "暂无评价" not in page


def test_demo_reports_fill_the_coordinators_and_supervisors_pages_once(
    db: None, settings: Any, tmp_path: Path
) -> None:
    from onego.cases.models import Case
    from onego.demo.feedback import seed_reports_demo
    from onego.feedback.models import Report, WorkOrder

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    assert "未生成演示反映" in seed_reports_demo()
    catalog_import(path=SRC / "catalog" / "starter")
    ensure_demo_logins()
    seed_feedback_demo()
    assert "已生成演示反映 3 条" in seed_reports_demo()
    assert seed_reports_demo() == "演示反映已存在。"
    assert sorted(Report.objects.values_list("source", flat=True)) == ["grid", "open311", "portal"]
    assert sorted(WorkOrder.objects.values_list("status", flat=True)) == ["done", "open"]
    li_qiang = Case.objects.get(idempotency_key="demo-feedback-1")
    assert Report.objects.get(source="portal").reporter_index == li_qiang.applicant_index  # his own reports
    client = Client()
    client.force_login(get_user_model().objects.get(username="supervisor"))
    page = client.get("/workbench/feedback/supervision/").content.decode()
    assert "贵阳市南明区消防救援大队" in page  # its order is still open
    clerk = Client()
    clerk.force_login(get_user_model().objects.get(username="clerk"))
    listing = clerk.get("/workbench/reports/").content.decode()
    assert Report.objects.get(source="open311").reference in listing
    grid = Client()
    grid.force_login(get_user_model().objects.get(username="grid"))
    assert grid.get("/workbench/reports/new/").status_code == 200
