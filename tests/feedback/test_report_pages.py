"""办不成事 pages: the applicant's form and list on the portal, the grid worker's and clerk's form, the
coordinator's dispatch and reply, the department's order, the supervisor's figures and data-read log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onego.catalog.models import Region
from onego.feedback.models import GridWorker, Report, WorkOrder
from onego.feedback.report_rules import ReportStatus
from onego.ledger.models import Kind
from onego.ledger.services import ledger_record
from tests.feedback.conftest import People
from tests.portal.applicants import person, sign_in

VILLAGE = "520102016002"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def logged_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


FORM = {
    "kind": "event",
    "description": "餐馆后厨油烟直排、消防通道堵塞",
    "region": VILLAGE,
    "address": "新华路 12 号",
    "lat": "26.5616",
    "long": "106.7119",
}


def test_a_grid_worker_reports_from_the_workbench_form(people: People, village: Region) -> None:
    grid = get_user_model().objects.create_user(username="grid", password=None, first_name="王网格")
    GridWorker.objects.create(user=grid, region=village)
    client = logged_in(grid)
    page = client.get("/workbench/reports/new/")
    assert page.status_code == 200
    assert "新华路社区" in page.content.decode()
    response = client.post(
        "/workbench/reports/new/",
        {**FORM, "photos": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.source == "grid"
    assert report.photos.count() == 1
    assert report.reference in client.get("/workbench/reports/new/").content.decode()  # 我登记的反映


def test_a_bad_form_shows_the_field_error_in_chinese_and_keeps_what_was_typed(
    people: People, village: Region
) -> None:
    client = logged_in(people.clerk)
    response = client.post("/workbench/reports/new/", {**FORM, "region": "520102999999"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "区划代码“520102999999”不存在" in body
    assert 'id="f-region" name="region" aria-invalid="true"' in body
    assert "餐馆后厨油烟直排" in body
    assert Report.objects.count() == 0
    script = client.post("/workbench/reports/new/", {**FORM, "description": "<script>alert(1)</script>"})
    assert script.status_code == 400  # nothing left once the script is removed
    assert "请写明反映的事情" in script.content.decode()


def test_the_coordinator_dispatches_the_department_finishes_the_coordinator_replies(
    people: People, village: Region
) -> None:
    clerk = logged_in(people.clerk)
    clerk.post("/workbench/reports/new/", FORM)
    report = Report.objects.get()
    watching = logged_in(people.supervisor).get(f"/workbench/reports/{report.pk}/").content.decode()
    assert report.description in watching
    assert "dispatch-h" not in watching  # the supervisor reads; only the coordinator dispatches
    assert report.reference in clerk.get("/workbench/reports/").content.decode()
    response = clerk.post(
        f"/workbench/reports/{report.pk}/dispatch/",
        {"department-0": "nm-scjg", "task-0": "检查后厨", "department-1": "gy-xf", "task-1": "检查通道"},
    )
    assert response.status_code == 302
    early = clerk.post(f"/workbench/reports/{report.pk}/reply/", {"reply": "好了"})
    assert early.status_code == 400
    assert "还有部门工单未处置完" in early.content.decode()
    for user, code in ((people.officer, "nm-scjg"), (people.fire, "gy-xf")):
        officer = logged_in(user)
        order = WorkOrder.objects.get(report=report, department__code=code)
        assert "检查" in officer.get("/workbench/reports/").content.decode()
        done = officer.post(
            f"/workbench/orders/{order.pk}/done/", {"report": str(report.pk), "result": "已处置"}
        )
        assert done.status_code == 302
    assert clerk.post(f"/workbench/reports/{report.pk}/reply/", {"reply": "均已处置"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED
    page = logged_in(people.supervisor).get(f"/workbench/reports/{report.pk}/").content.decode()
    assert "均已处置" in page
    assert "答复反映人，办结" in page


def test_the_applicant_reports_on_the_portal_and_reads_the_reply(people: People, village: Region) -> None:
    client = Client()
    sign_in(client, person("王小红"))
    assert client.get("/me/reports/").status_code == 200
    bad = client.post("/me/reports/", {**FORM, "lat": "95"})
    assert bad.status_code == 400
    assert "纬度应在 -90 至 90 度之间" in bad.content.decode()
    assert client.post("/me/reports/", FORM).status_code == 302
    report = Report.objects.get()
    assert report.source == "portal"
    assert report.reporter_index
    twice = client.post("/me/reports/", FORM)
    assert twice.status_code == 400
    assert "请勿重复提交" in twice.content.decode()
    clerk = logged_in(people.clerk)
    clerk.post(f"/workbench/reports/{report.pk}/reply/", {"reply": "已请窗口当场办结"})
    assert "已请窗口当场办结" in client.get("/me/reports/").content.decode()
    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    assert report.reference not in other.get("/me/reports/").content.decode()


def test_the_supervisor_sees_order_figures_and_every_data_read_of_the_region(
    people: People, village: Region
) -> None:
    ledger_record(
        kind=Kind.REGISTRY_READ,
        actor="user:officer",
        subject_ref="idx-x",
        payload={
            "registry": "population",
            "registry_name": "人口库",
            "elements": ["person.name"],
            "purpose": "办件审查",
            "department": "nm-scjg",
        },
    )
    ledger_record(
        kind=Kind.REGISTRY_READ,
        actor="user:bj",
        subject_ref="idx-y",
        payload={
            "registry": "population",
            "registry_name": "人口库",
            "elements": ["person.name"],
            "purpose": "别处",
            "department": "bj-zwfw",
        },
    )
    supervisor = logged_in(people.supervisor)
    page = supervisor.get("/workbench/feedback/data-reads/").content.decode()
    assert "办件审查" in page
    assert "别处" not in page  # 毕节 is not this supervisor's region
    assert "idx-x" not in page  # no subject
    assert logged_in(people.officer).get("/workbench/feedback/data-reads/").status_code == 403
    assert "工单按期处置率" in supervisor.get("/workbench/feedback/supervision/").content.decode()


def test_the_report_pages_have_english(people: People, village: Region) -> None:
    client = logged_in(people.supervisor)
    client.cookies["django_language"] = "en"
    form = client.get("/workbench/reports/new/").content.decode()
    assert "Send the report" in form
    assert "Region where it happened (down to village or community)" in form
    supervision = client.get("/workbench/feedback/supervision/").content.decode()
    assert "Work orders finished on time" in supervision
    assert "Personal-data reads" in supervision


def test_a_reports_photo_downloads_for_those_who_see_the_report_only(people: People, village: Region) -> None:
    clerk = logged_in(people.clerk)
    clerk.post(
        "/workbench/reports/new/",
        {**FORM, "photos": SimpleUploadedFile("现场.png", PNG, content_type="image/png")},
    )
    report = Report.objects.get()
    photo = report.photos.get()
    url = f"/workbench/reports/{report.pk}/photos/{photo.pk}/"
    response = clerk.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert url in clerk.get(f"/workbench/reports/{report.pk}/").content.decode()
    assert logged_in(people.fire).get(url).status_code == 404  # no order of theirs in it
    assert logged_in(people.bj_supervisor).get(url).status_code == 404
