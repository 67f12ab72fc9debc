"""The 好差评 API: the contract (status codes, error shape), server-owned channel and rater, and
staff seeing work orders without the rater."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onego.cases.models import Case
from onego.cases.services.acceptance import case_accept
from onego.cases.services.submission import case_withdraw
from onego.feedback.models import Evaluation, Rectification
from onego.feedback.rules import Channel
from tests.cases.factories import import_cases_catalog
from tests.exchange.factories import restaurant_contract
from tests.feedback.conftest import People
from tests.portal.applicants import person, sign_in, to_review

API = "/api/v1/feedback"


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def world(db: None, tmp_path: Path) -> People:
    import_cases_catalog(tmp_path)
    restaurant_contract()
    return People()


@pytest.fixture
def applicant(client: Client, world: People) -> Client:
    sign_in(client, person("王小红"))
    return client


@pytest.fixture
def finished(applicant: Client, world: People) -> Case:
    applicant.post(f"{to_review(applicant)}review/")
    case = case_accept(actor=world.clerk, case_id=Case.objects.get().pk)
    return case_withdraw(actor=world.clerk, case_id=case.pk, reason="不再开办")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def staff_client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_levels_and_indicators_are_public(client: Client, db: None) -> None:
    body = client.get(f"{API}/levels").json()
    assert [lv["label"] for lv in body["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert {t["code"] for t in body["tags"] if t["on_site"]} == {"efficiency", "service_level", "attitude"}


def test_the_applicant_rates_through_the_api_channel_whatever_the_body_says(
    applicant: Client, finished: Case
) -> None:
    response = post(
        applicant,
        f"{API}/cases/{finished.pk}/evaluation",
        {"level": 1, "comment": "慢", "channel": "counter", "rater_index": "x" * 64},
    )
    assert response.status_code == 200, response.content
    assert response.json()["channel"] == Channel.API
    evaluation = Evaluation.objects.get()
    assert evaluation.rater_index == finished.applicant_index
    got = applicant.get(f"{API}/cases/{finished.pk}/evaluation").json()
    assert got["level_label"] == "非常不满意"
    assert got["rectifications"][0]["department"] == "南明区市场监督管理局"


def test_errors_name_the_field_in_chinese(applicant: Client, finished: Case) -> None:
    too_long = post(applicant, f"{API}/cases/{finished.pk}/evaluation", {"level": 3, "comment": "长" * 501})
    assert too_long.status_code == 400
    assert too_long.json()["detail"]["field"] == "comment"
    assert "500" in too_long.json()["detail"]["message"]
    bad_level = post(applicant, f"{API}/cases/{finished.pk}/evaluation", {"level": 9})
    assert bad_level.status_code == 400
    assert bad_level.json()["detail"]["field"] == "level"
    stranger_dept = post(
        applicant,
        f"{API}/cases/{finished.pk}/evaluation",
        {"level": 3, "departments": [{"department": "gz-yc", "level": 1}]},
    )
    assert stranger_dept.status_code == 400
    assert stranger_dept.json()["detail"]["field"] == "departments[0].department"
    assert not Evaluation.objects.exists()


def test_someone_elses_case_is_404(finished: Case, world: People) -> None:
    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    response = post(other, f"{API}/cases/{finished.pk}/evaluation", {"level": 1})
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "not_found"
    assert post(other, f"{API}/cases/garbage/evaluation", {"level": 1}).status_code == 404
    assert (
        Client()
        .post(f"{API}/cases/{finished.pk}/evaluation", "{}", content_type="application/json")
        .status_code
        == 401
    )


def test_a_duplicate_after_the_window_is_409(applicant: Client, finished: Case, settings: Any) -> None:
    settings.ONEGO_FEEDBACK_AMEND_DAYS = 0
    assert post(applicant, f"{API}/cases/{finished.pk}/evaluation", {"level": 5}).status_code == 200
    again = post(applicant, f"{API}/cases/{finished.pk}/evaluation", {"level": 4})
    assert again.status_code == 409
    assert again.json()["detail"]["field"] == "case"


def test_a_window_code_from_staff_rates_on_the_counter_channel(finished: Case, world: People) -> None:
    issued = staff_client(world.clerk).post(f"{API}/cases/{finished.pk}/invitations")
    assert issued.status_code == 201
    code = issued.json()["code"]
    assert issued.json()["url"].endswith(f"/r/{code}")
    rated = post(Client(), f"{API}/window/{code}/evaluation", {"level": 4, "tags": ["attitude"]})
    assert rated.status_code == 201
    assert rated.json()["channel"] == Channel.COUNTER
    assert post(Client(), f"{API}/window/{code}/evaluation", {"level": 1}).status_code == 404


def test_departments_see_and_answer_their_work_orders_without_the_rater(
    applicant: Client, finished: Case, world: People
) -> None:
    post(applicant, f"{API}/cases/{finished.pk}/evaluation", {"level": 2, "comment": "窗口推诿"})
    rect = Rectification.objects.get()
    officer = staff_client(world.officer)
    rows = officer.get(f"{API}/rectifications").json()
    assert [r["id"] for r in rows] == [str(rect.pk)]
    assert finished.applicant_index not in json.dumps(rows)
    assert "王小红" not in json.dumps(rows)
    assert finished.applicant_display not in json.dumps(rows)
    assert staff_client(world.fire).get(f"{API}/rectifications").json() == []
    assert staff_client(world.fire).get(f"{API}/rectifications/{rect.pk}").status_code == 404
    supervisor = staff_client(world.supervisor)
    assert len(supervisor.get(f"{API}/rectifications").json()) == 1
    denied = post(
        supervisor,
        f"{API}/rectifications/{rect.pk}/answer",
        {"finding": "rectified", "verification": "x", "changes": "y", "reply": "z"},
    )
    assert denied.status_code == 403
    answered = post(
        officer,
        f"{API}/rectifications/{rect.pk}/answer",
        {"finding": "no_basis", "verification": "已调阅记录", "reply": "依法需补齐材料，已致电说明"},
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "answered"
    assert [h["action"] for h in answered.json()["history"]] == ["open", "answer"]
    rerate = post(applicant, f"{API}/cases/{finished.pk}/evaluation", {"level": 4})
    assert rerate.json()["rectifications"][0]["status"] == "resolved"


def test_satisfaction_is_aggregated(applicant: Client, finished: Case) -> None:
    post(applicant, f"{API}/cases/{finished.pk}/evaluation", {"level": 2})
    rows = Client().get(f"{API}/satisfaction?by=channel").json()
    assert rows == [
        {"key": "api", "label": "移动端/接口", "ratings": 1, "average": 2.0, "satisfied_share": 0.0, "bad": 1}
    ]
    assert Client().get(f"{API}/satisfaction?by=nonsense").status_code in (400, 422)
