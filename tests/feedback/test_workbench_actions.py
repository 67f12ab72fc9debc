"""The one way the workbench's 好差评 and 办不成事 pages run a POSTed action (workbench/feedback_common.py):
the object's own "not found" is a 404, other refusals re-render the page with the field (400/403), an
unknown action is a 404, and success redirects."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from onego.catalog.models import Region
from onego.feedback.models import Report, WorkOrder
from tests.feedback.conftest import People
from tests.feedback.test_report_pages import FORM, logged_in


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_report_and_order_actions_map_refusals_the_same_way(people: People, village: Region) -> None:
    clerk = logged_in(people.clerk)
    clerk.post("/workbench/reports/new/", FORM)
    report = Report.objects.get()
    base = f"/workbench/reports/{report.pk}"
    assert clerk.post(f"{base}/explode/").status_code == 404  # unknown action
    assert clerk.post(f"/workbench/reports/{uuid.uuid4()}/reply/", {"reply": "x"}).status_code == 404
    no_case = clerk.post(f"{base}/link/", {"case": "NOPE"})  # a NotFound of another field: the page, 400
    assert no_case.status_code == 400
    assert "没有找到该办件" in no_case.content.decode()
    ok = clerk.post(f"{base}/dispatch/", {"department-0": "nm-scjg", "task-0": "查"})
    assert ok.status_code == 302
    assert ok["Location"] == f"{base}/"
    order = WorkOrder.objects.get()
    officer = logged_in(people.officer)
    assert officer.post(f"{base}/reply/", {"reply": "x"}).status_code == 403  # sees it, does not coordinate
    empty = officer.post(f"/workbench/orders/{order.pk}/done/", {"result": "", "report": str(report.pk)})
    assert empty.status_code == 400  # shown on the report page
    assert officer.post(f"/workbench/orders/{order.pk}/done/", {"result": ""}).status_code == 404  # no page
    assert officer.post(f"/workbench/orders/{order.pk}/explode/").status_code == 404
    done = officer.post(f"/workbench/orders/{order.pk}/done/", {"result": "已查"})
    assert done.status_code == 302
    assert done["Location"] == f"{base}/"


def test_rectification_actions_unknown_or_missing_are_404(people: People) -> None:
    officer = logged_in(people.officer)
    missing = uuid.uuid4()
    assert officer.post(f"/workbench/feedback/{missing}/answer/", {}).status_code == 404
    assert officer.post(f"/workbench/feedback/{missing}/explode/", {}).status_code == 404
    assert logged_in(people.officer).get("/workbench/feedback/supervision/").status_code == 403
    assert logged_in(people.supervisor).get("/workbench/feedback/supervision/").status_code == 200
