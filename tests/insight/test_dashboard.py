"""The dashboard page and its exports: figures from the rollups, region scoping, CSV and xlsx."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from onego.insight.refresh import insight_refresh
from tests.cases.factories import make_staff
from tests.insight.conftest import People
from tests.insight.test_refresh import concluded_case

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-02", "to": "2026-03"}


@pytest.fixture
def world(people: People, traveller: Any) -> People:
    concluded_case(people, traveller, "insight-0001")
    insight_refresh()
    return people


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_supervisor_sees_every_figure_of_their_region(world: People) -> None:
    response = client_for(world.supervisor).get(reverse("workbench:insight"), {"region": "520102", **PERIOD})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.region.code == "520102"
    keys = [f.key for f in board.figures]
    assert keys == [
        "volume_package",
        "volume_region",
        "volume_channel",
        "volume_period",
        "time_package",
        "time_department",
        "bottleneck",
        "compliance",
        "burden",
        "satisfaction",
        "rectification",
    ]
    package = board.figure("volume_package").rows
    assert package[0]["total"] == 1
    assert package[0]["offline"] == 1
    assert package[0]["online_share"] == 0
    assert board.figure("time_package").rows[0]["conclude_days"] == 2
    assert board.headline["submitted"] == 1
    html = response.content.decode()
    assert "echarts.common.min.js" in html
    assert 'id="chart-volume_package"' in html
    assert "<caption>" in html


def test_a_region_outside_the_viewers_scope_is_not_found(world: People) -> None:
    bj = client_for(world.bj_supervisor)
    assert bj.get(reverse("workbench:insight"), {"region": "520102"}).status_code == 404
    assert bj.get(reverse("workbench:insight"), {"region": "999999"}).status_code == 404
    export = reverse("workbench:insight_export", args=["volume_package", "csv"])
    assert bj.get(export, {"region": "520102"}).status_code == 404
    # Their own region answers, and shows nothing of 南明区's case.
    own = bj.get(reverse("workbench:insight"), {"region": "520500", **PERIOD})
    assert own.status_code == 200
    assert own.context["board"].headline["submitted"] == 0


def test_staff_without_a_supervising_role_are_refused(world: People) -> None:
    assert client_for(world.officer).get(reverse("workbench:insight")).status_code == 403
    anonymous = Client().get(reverse("workbench:insight"))
    assert anonymous.status_code == 302


def test_a_bad_date_is_named_and_the_page_still_answers(world: People) -> None:
    response = client_for(world.supervisor).get(reverse("workbench:insight"), {"from": "2026-13"})
    assert response.status_code == 400
    assert response.context["error"][0] == "from"
    reversed_period = client_for(world.supervisor).get(
        reverse("workbench:insight"), {"from": "2026-04", "to": "2026-03"}
    )
    assert reversed_period.status_code == 400


def test_a_figure_exports_to_csv_and_xlsx_with_the_same_numbers(world: People) -> None:
    c = client_for(world.supervisor)
    query = {"region": "520102", **PERIOD}
    response = c.get(reverse("workbench:insight_export", args=["volume_package", "csv"]), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["一件事", "网上办理", "线下办理", "合计", "网办率 (%)"]
    assert rows[2][1:] == ["0", "1", "1", "0.0"]
    book = c.get(reverse("workbench:insight_export", args=["all", "xlsx"]), query)
    assert book.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(book.content))
    assert len(workbook.sheetnames) == 11
    sheet = workbook[workbook.sheetnames[0]]
    assert [c.value for c in sheet[3]][1:4] == [0, 1, 1]
    assert c.get(reverse("workbench:insight_export", args=["nothing", "csv"]), query).status_code == 404
    assert c.get(reverse("workbench:insight_export", args=["all", "csv"]), query).status_code == 404


def test_a_text_cell_that_looks_like_a_formula_is_written_as_text() -> None:
    from onego.insight.exports import safe_text

    assert safe_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_text("南明区") == "南明区"


def test_a_province_supervisor_drills_down_by_region(world: People) -> None:
    province = make_staff(
        "gz-supervisor", "gy-xf", "supervisor"
    )  # 贵阳市 (city) department in the test catalog
    response = client_for(province).get(reverse("workbench:insight"), PERIOD)
    board = response.context["board"]
    assert board.region.code == "520100"
    regions = board.figure("volume_region")
    assert [r["label"] for r in regions.rows] == ["南明区"]
    assert regions.links == {"南明区": "520102"}


def test_the_dashboard_reads_in_english_too(world: People) -> None:
    c = client_for(world.supervisor)
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get(reverse("workbench:insight"), PERIOD).content.decode()
    assert "Operations dashboard" in html
    assert "Cases by package" in html
    assert "Online share" in html


def test_the_page_reads_rollups_never_the_case_tables(world: People) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(world.supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert c.get(reverse("workbench:insight"), {"region": "520102", **PERIOD}).status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "insight_casemonth" in tables
    for case_table in ("cases_case", "cases_subcase", "feedback_evaluation", "feedback_rectification"):
        assert f'"{case_table}"' not in tables, case_table
