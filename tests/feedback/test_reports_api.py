"""办不成事 reports in /api/v1: the applicant lists, creates and reads their own reports; staff list and
act on reports and work orders with the same access functions and services as the workbench pages
(the same refusals), and the operations are in the OpenAPI document."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from onego.catalog.models import Region
from onego.feedback.models import Report, WorkOrder
from tests.feedback.conftest import VILLAGE, People
from tests.portal.applicants import person, sign_in

API = "/api/v1/feedback"
BODY = {
    "kind": "event",
    "description": "餐馆后厨油烟直排、消防通道堵塞",
    "region": VILLAGE,
    "address": "新华路 12 号",
    "lat": 26.5616,
    "long": 106.7119,
}


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def staff(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def applicant(name: str = "王小红", phone: str = "13908510000") -> Client:
    c = Client()
    sign_in(c, person(name, phone=phone))
    return c


def png_base64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_the_applicant_creates_lists_and_reads_their_own_reports_only(
    people: People, village: Region
) -> None:
    mine = applicant()
    created = post(
        mine,
        f"{API}/my/reports",
        {**BODY, "photos": [{"filename": "现场.png", "content_base64": png_base64()}]},
    )
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["reference"].startswith("FY")
    assert out["status"] == "received"
    assert out["coordinator_name"] == "南明区政务服务中心"
    assert out["photos"] == 1
    report = Report.objects.get()
    assert report.source == "portal"
    assert report.reporter_index
    assert [r["reference"] for r in mine.get(f"{API}/my/reports").json()] == [out["reference"]]
    assert mine.get(f"{API}/my/reports/{report.pk}").json()["description"] == BODY["description"]

    other = applicant("李四", "13908518888")
    assert other.get(f"{API}/my/reports").json() == []
    missing = other.get(f"{API}/my/reports/{report.pk}")
    assert missing.status_code == 404
    assert missing.json()["detail"]["field"] == "report"
    assert Client().get(f"{API}/my/reports").status_code == 401
    assert staff(people.clerk).get(f"{API}/my/reports").status_code == 401  # staff are no applicant


def test_the_applicant_cannot_forge_the_source_and_bad_input_is_refused_with_the_field(
    people: People, village: Region
) -> None:
    mine = applicant()
    forged = post(
        mine,
        f"{API}/my/reports",
        {**BODY, "source": "counter", "coordinator": "gy-xf", "reporter_index": "x"},
    )
    assert forged.status_code == 201
    report = Report.objects.get()
    assert report.source == "portal"
    assert report.coordinator.code == "nm-zwfw"
    assert report.reporter_index != "x"
    bad_region = post(mine, f"{API}/my/reports", {**BODY, "description": "别的事", "region": "520102999999"})
    assert bad_region.status_code == 400
    assert bad_region.json()["detail"]["field"] == "region"
    bad_photo = post(
        mine,
        f"{API}/my/reports",
        {**BODY, "description": "第三件", "photos": [{"filename": "a.png", "content_base64": "!!"}]},
    )
    assert bad_photo.status_code == 400
    assert bad_photo.json()["detail"]["field"] == "photos[0]"
    svg = base64.b64encode(b"<svg onload=alert(1)>").decode()
    script = post(
        mine,
        f"{API}/my/reports",
        {**BODY, "description": "第四件", "photos": [{"filename": "a.png", "content_base64": svg}]},
    )
    assert script.status_code == 400
    assert script.json()["detail"]["field"] == "photos[0]"
    assert post(mine, f"{API}/my/reports", BODY).status_code == 409  # the same open report again
    assert Report.objects.count() == 1


def test_staff_dispatch_finish_and_reply_through_the_api_with_the_pages_permissions(
    people: People, village: Region
) -> None:
    reporter = applicant()
    report_id = post(reporter, f"{API}/my/reports", BODY).json()["id"]
    centre, market, fire = staff(people.clerk), staff(people.officer), staff(people.fire)

    assert [r["id"] for r in centre.get(f"{API}/reports").json()] == [report_id]
    assert market.get(f"{API}/reports").json() == []  # no order of theirs yet
    assert market.get(f"{API}/reports/{report_id}").status_code == 404
    # only the coordinating centre dispatches
    refused = post(
        market, f"{API}/reports/{report_id}/dispatch", {"orders": [{"department": "nm-scjg", "task": "x"}]}
    )
    assert refused.status_code == 404
    dispatched = post(
        centre,
        f"{API}/reports/{report_id}/dispatch",
        {"orders": [{"department": "nm-scjg", "task": "查油烟"}, {"department": "gy-xf", "task": "查通道"}]},
    )
    assert dispatched.status_code == 200, dispatched.content
    detail = dispatched.json()
    assert detail["status"] == "dispatched"
    assert len(detail["orders"]) == 2
    assert detail["reporter"] == "申请人（网上）"  # never the applicant's name
    assert any(h["action"] for h in detail["history"])
    # the department now sees it and may not dispatch
    assert market.get(f"{API}/reports/{report_id}").status_code == 200
    again = post(
        market, f"{API}/reports/{report_id}/dispatch", {"orders": [{"department": "nm-scjg", "task": "x"}]}
    )
    assert again.status_code == 403
    # a reply while orders are open is a conflict
    early = post(centre, f"{API}/reports/{report_id}/reply", {"reply": "已处理"})
    assert early.status_code == 409
    market_order = WorkOrder.objects.get(department__code="nm-scjg")
    fire_order = WorkOrder.objects.get(department__code="gy-xf")
    assert [o["id"] for o in market.get(f"{API}/orders", {"status": "open"}).json()] == [str(market_order.pk)]
    # the fire brigade cannot finish the market department's order
    assert post(fire, f"{API}/orders/{market_order.pk}/done", {"result": "x"}).status_code in (403, 404)
    done = post(market, f"{API}/orders/{market_order.pk}/done", {"result": "已责令整改油烟"})
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["on_time"] is True
    returned = post(fire, f"{API}/orders/{fire_order.pk}/return", {"reason": "通道属物业管理"})
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    closed = post(centre, f"{API}/reports/{report_id}/reply", {"reply": "油烟已整改，通道由物业清理"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert reporter.get(f"{API}/my/reports/{report_id}").json()["reply"] == "油烟已整改，通道由物业清理"
    # the supervisor reads, never acts
    supervisor = staff(people.supervisor)
    assert supervisor.get(f"{API}/reports/{report_id}").status_code == 200
    assert staff(people.bj_supervisor).get(f"{API}/reports/{report_id}").status_code == 404
    assert Client().get(f"{API}/reports").status_code == 401


def test_the_report_operations_are_in_the_openapi_document(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path, methods in {
        "/api/v1/feedback/my/reports": {"get", "post"},
        "/api/v1/feedback/my/reports/{report_id}": {"get"},
        "/api/v1/feedback/reports": {"get"},
        "/api/v1/feedback/reports/{report_id}": {"get"},
        "/api/v1/feedback/reports/{report_id}/dispatch": {"post"},
        "/api/v1/feedback/reports/{report_id}/link": {"post"},
        "/api/v1/feedback/reports/{report_id}/reply": {"post"},
        "/api/v1/feedback/orders": {"get"},
        "/api/v1/feedback/orders/{order_id}/done": {"post"},
        "/api/v1/feedback/orders/{order_id}/return": {"post"},
    }.items():
        assert methods <= set(paths[path]), path


def test_the_applicant_sees_the_case_linked_to_their_report_on_the_page_and_in_the_api(
    people: People, village: Region
) -> None:
    from onego.cases.models import Case
    from onego.cases.services.acceptance import case_accept
    from onego.feedback.report_services import report_link_case
    from tests.exchange.factories import restaurant_contract
    from tests.portal.applicants import to_review

    restaurant_contract()
    mine = applicant()
    mine.post(f"{to_review(mine)}review/")
    case = case_accept(actor=people.clerk, case_id=Case.objects.get().pk)
    report_id = post(mine, f"{API}/my/reports", {**BODY, "kind": "blocked"}).json()["id"]
    assert mine.get(f"{API}/my/reports/{report_id}").json()["case_reference"] is None
    report_link_case(actor=people.clerk, report_id=report_id, case_reference=case.reference)
    page = mine.get("/me/reports/").content.decode()
    assert f'href="/me/cases/{case.pk}/"' in page
    assert case.reference in page
    assert mine.get(f"{API}/my/reports/{report_id}").json()["case_reference"] == case.reference
