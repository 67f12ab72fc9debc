"""新一件事建议 in the portal: public list, proposing and supporting signed in, the proposer told in the
message centre; the proposer's identity comes from the session, never from the form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from onego.standards.models import Proposal
from tests.portal.applicants import person, sign_in

pytestmark = [pytest.mark.django_db]

FORM = {
    "title": "开店时烟草证和执照一起办",
    "description": "开便利店时先办营业执照，再单独跑烟草专卖局，希望一次办完。",
    "items": ["business_licence", "tobacco_retail_licence"],
    "departments": "",
}


@pytest.fixture
def people(small_catalog: Path, data_dir: Path) -> dict[str, Any]:
    return {"a": person("王小红"), "b": person("李四", phone="13908518888")}


def signed(who: Any) -> Client:
    client = Client()
    sign_in(client, who)
    return client


def test_a_signed_in_person_proposes_and_others_support_once(people: dict[str, Any]) -> None:
    a, b = signed(people["a"]), signed(people["b"])
    response = a.post("/proposals/new/", {**FORM, "proposer_index": "forged", "proposer_display": "冒名"})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.proposer_index not in ("forged", "")
    assert proposal.proposer_display != "冒名"
    assert "这是您提出的建议" in a.get(response["Location"]).content.decode()
    b.post(f"/proposals/{proposal.pk}/support/")
    b.post(f"/proposals/{proposal.pk}/support/")
    proposal.refresh_from_db()
    assert proposal.support_count == 1
    page = b.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "您已支持" in page
    assert "开店时烟草证和执照一起办" in Client().get("/proposals/").content.decode()


def test_bad_input_shows_the_field_error_and_keeps_what_was_typed_escaped(people: dict[str, Any]) -> None:
    a = signed(people["a"])
    response = a.post("/proposals/new/", {**FORM, "title": "办", "description": "<script>alert(1)</script>"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "标题至少 4 个字" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert 'aria-invalid="true"' in page
    assert Proposal.objects.count() == 0


def test_a_script_in_a_published_proposal_shows_as_text(people: dict[str, Any]) -> None:
    a = signed(people["a"])
    a.post("/proposals/new/", {**FORM, "description": "<script>alert(1)</script> 希望一次办完"})
    proposal = Proposal.objects.get()
    page = Client().get(f"/proposals/{proposal.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_a_too_long_title_is_refused_in_chinese(people: dict[str, Any]) -> None:
    response = signed(people["a"]).post("/proposals/new/", {**FORM, "title": "长" * 61})
    assert response.status_code == 400
    assert "标题不能超过 60 个字" in response.content.decode()


def test_proposing_needs_signing_in(people: dict[str, Any]) -> None:
    response = Client().post("/proposals/new/", FORM)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Proposal.objects.count() == 0


def test_the_proposer_reads_the_decision_in_the_message_centre(people: dict[str, Any]) -> None:
    a = signed(people["a"])
    a.post("/proposals/new/", FORM)
    proposal = Proposal.objects.get()
    admin = get_user_model().objects.create_user("centre-admin", is_staff=True)
    staff = Client()
    staff.force_login(admin)
    response = staff.post(
        f"/workbench/standards/proposals/{proposal.pk}/decide/",
        {"status": "built", "package": "open-restaurant"},
    )
    assert response.status_code == 302
    messages_page = a.get("/me/messages/").content.decode()
    assert "已建成一件事" in messages_page
    assert "已建成一件事" not in signed(people["b"]).get("/me/messages/").content.decode()
