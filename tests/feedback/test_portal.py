"""好差评 on the applicant web: the rating form on one's own case, the window's short-code page and
the public figures. Signed in through the real code flow; the case comes from the guided path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onego.cases.models import Case
from onego.cases.services.acceptance import case_accept
from onego.cases.services.submission import case_withdraw
from onego.feedback.models import Evaluation, Rectification
from onego.feedback.rules import Channel
from onego.feedback.services import invitation_issue
from tests.cases.factories import import_cases_catalog
from tests.exchange.factories import restaurant_contract
from tests.portal.applicants import person, sign_in, to_review
from tests.portal.test_my_cases import Staff


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def staff(db: None, tmp_path: Path) -> Staff:
    import_cases_catalog(tmp_path)
    restaurant_contract()
    return Staff()


@pytest.fixture
def signed_in(client: Client, staff: Staff) -> Client:
    sign_in(client, person("王小红"))
    return client


@pytest.fixture
def case(signed_in: Client, staff: Staff) -> Case:
    """Submitted through the guided path and accepted by the window clerk."""
    signed_in.post(f"{to_review(signed_in)}review/")
    return case_accept(actor=staff.clerk, case_id=Case.objects.get().pk)


@pytest.fixture
def withdrawn(case: Case, staff: Staff) -> Case:
    return case_withdraw(actor=staff.clerk, case_id=case.pk, reason="不再开办")


def html(response: Any) -> str:
    return str(response.content.decode())


def test_the_case_page_invites_a_rating_once_the_case_is_finished(
    signed_in: Client, case: Case, staff: Staff
) -> None:
    assert "去评价" not in html(signed_in.get(f"/me/cases/{case.pk}/"))
    case_withdraw(actor=staff.clerk, case_id=case.pk, reason="不再开办")
    page = html(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "评价本次办事（好差评）" in page
    assert f'href="/me/cases/{case.pk}/evaluate/"' in page


def test_the_form_rates_the_case_and_its_departments(signed_in: Client, withdrawn: Case) -> None:
    form = html(signed_in.get(f"/me/cases/{withdrawn.pk}/evaluate/"))
    for words in ("非常满意", "非常不满意", "办事指南准确性", "南明区市场监督管理局", "<legend>总体评价"):
        assert words in form, words
    assert "服务态度" not in form  # an on-site indicator, not asked online
    response = signed_in.post(
        f"/me/cases/{withdrawn.pk}/evaluate/",
        {
            "level": "2",
            "tags": ["efficiency"],
            "comment": "<script>alert(1)</script>等了很久",
            "dep-nm-scjg-level": "4",
            "channel": "counter",  # forged: the web form is the web channel whatever is posted
        },
    )
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.level, evaluation.channel, evaluation.comment) == (2, Channel.WEB, "等了很久")
    assert {(d.department.code, d.level) for d in evaluation.departments.all()} == {("nm-scjg", 4)}
    assert Rectification.objects.get().department.code == "nm-scjg"
    page = html(signed_in.get(f"/me/cases/{withdrawn.pk}/evaluate/"))
    assert "待核实整改" in page
    assert "<script>alert(1)" not in page


def test_bad_input_is_refused_with_a_message_at_the_field(signed_in: Client, withdrawn: Case) -> None:
    response = signed_in.post(f"/me/cases/{withdrawn.pk}/evaluate/", {"comment": "x"})
    assert response.status_code == 400
    assert "请选择评价等级" in html(response)
    response = signed_in.post(f"/me/cases/{withdrawn.pk}/evaluate/", {"level": "3", "comment": "长" * 501})
    assert response.status_code == 400
    assert "不能超过 500 字" in html(response)
    assert not Evaluation.objects.exists()


def test_another_applicant_cannot_rate_my_case(withdrawn: Case) -> None:
    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    assert other.get(f"/me/cases/{withdrawn.pk}/evaluate/").status_code == 404
    assert other.post(f"/me/cases/{withdrawn.pk}/evaluate/", {"level": "1"}).status_code == 404
    assert not Evaluation.objects.exists()


def test_the_window_short_code_rates_without_sign_in_once(withdrawn: Case, staff: Staff) -> None:
    invitation = invitation_issue(actor=staff.clerk, case_id=withdrawn.pk)
    visitor = Client()
    page = html(visitor.get(f"/r/{invitation.code}"))
    assert "请评价本次窗口服务" in page
    assert "服务态度" in page  # the on-site indicators
    assert visitor.post(f"/r/{invitation.code}", {"level": "5", "tags": ["attitude"]}).status_code == 200
    assert Evaluation.objects.get().channel == Channel.COUNTER
    again = visitor.post(f"/r/{invitation.code}", {"level": "1"})
    assert again.status_code == 404
    assert "已使用或已过期" in html(again)
    assert visitor.get("/r/NOSUCH22").status_code == 404


def test_the_public_page_shows_aggregates_only(signed_in: Client, withdrawn: Case) -> None:
    signed_in.post(f"/me/cases/{withdrawn.pk}/evaluate/", {"level": "1", "comment": "王小红很不满意"})
    page = html(Client().get("/satisfaction/"))
    assert "政务服务“好差评”公示" in page
    assert "南明区市场监督管理局" in page or "开办餐饮店" in page
    assert withdrawn.reference not in page
    assert "王小红" not in page
    assert "很不满意" not in page
