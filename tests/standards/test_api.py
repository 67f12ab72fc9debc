"""Proposals in /api/v1 (onego.api.standards): public reads, proposing and supporting as the signed-in
applicant (never as a body's value), and the administrators' ranking in their region and decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from onego.accounts.models import Role
from onego.standards.models import ItemCoOccurrence, Proposal, ProposalNotice
from tests.cases.factories import make_staff
from tests.portal.applicants import person, sign_in

pytestmark = [pytest.mark.django_db]

BODY = {
    "title": "开店时烟草证和执照一起办",
    "description": "开便利店时先办营业执照，再单独跑烟草专卖局，希望一次办完。",
    "items": ["business_licence", "tobacco_retail_licence"],
}


@pytest.fixture
def people(small_catalog: Path, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return {"a": person("王小红"), "b": person("李四", phone="13908518888")}


def signed(who: Any) -> Client:
    client = Client()
    sign_in(client, who)
    return client


def administrator(username: str = "centre-admin", department: str = "") -> Client:
    if department:
        user = make_staff(username, department, Role.ADMIN)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    else:
        user = get_user_model().objects.create_user(username, password=None, is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_propose_and_support_as_the_signed_in_person(people: dict[str, Any]) -> None:
    a, b = signed(people["a"]), signed(people["b"])
    response = post(a, "/api/v1/proposals", {**BODY, "proposer_index": "forged", "proposer": "冒名"})
    assert response.status_code == 201, response.content
    created = response.json()
    proposal = Proposal.objects.get()
    assert created["id"] == str(proposal.pk)
    assert proposal.proposer_index not in ("forged", "")
    assert created["proposer"] != "冒名"
    assert [i["code"] for i in created["items"]] == ["business_licence", "tobacco_retail_licence"]
    assert post(b, f"/api/v1/proposals/{proposal.pk}/support").json()["support_count"] == 1
    assert post(b, f"/api/v1/proposals/{proposal.pk}/support").status_code == 409  # once per person
    own = post(a, f"/api/v1/proposals/{proposal.pk}/support")
    assert own.status_code in (400, 409)  # the proposer's own support does not count
    assert Client().get("/api/v1/proposals").json()[0]["support_count"] == 1
    assert Client().get(f"/api/v1/proposals/{proposal.pk}").json()["title"] == BODY["title"]
    assert Client().get("/api/v1/proposals/not-a-uuid").status_code == 404
    assert post(Client(), "/api/v1/proposals", BODY).status_code == 401


def test_a_bad_proposal_names_its_field(people: dict[str, Any]) -> None:
    response = post(signed(people["a"]), "/api/v1/proposals", {**BODY, "title": ""})
    assert response.status_code == 400
    assert response.json()["detail"]["field"] == "title"


def test_administrators_rank_by_the_demand_of_their_region_and_decide(people: dict[str, Any]) -> None:
    from onego.catalog.models import ServiceItem
    from onego.core import clock

    created = post(signed(people["a"]), "/api/v1/proposals", BODY).json()
    items = {i.code: i for i in ServiceItem.objects.all()}
    for region, n in {"": 30, "520102": 7, "520500": 5}.items():
        ItemCoOccurrence.objects.create(
            region_code=region, item_a=items["business_licence"], item_b=items["tobacco_retail_licence"],
            applicants=n, window_days=30, computed_at=clock.now(),
        )  # fmt: skip
    centre = administrator()
    province = centre.get("/api/v1/standards/proposals", {"by": "demand"}).json()
    assert (province["region"], province["proposals"][0]["demand"]) == ("", 30)
    assert province["pairs"][0]["applicants"] == 30
    nanming = administrator("nm-admin", "nm-scjg")
    mine = nanming.get("/api/v1/standards/proposals", {"by": "demand"}).json()
    assert (mine["region"], mine["proposals"][0]["demand"]) == ("520102", 7)
    assert nanming.get("/api/v1/standards/proposals", {"region": "520500"}).status_code == 404
    # Staff who are not service-centre administrators, and applicants, are refused.
    officer = Client()
    officer.force_login(make_staff("officer", "nm-scjg", Role.OFFICER))
    assert officer.get("/api/v1/standards/proposals").status_code == 401
    assert signed(people["b"]).get("/api/v1/standards/proposals").status_code == 401
    url = f"/api/v1/standards/proposals/{created['id']}/decide"
    assert post(officer, url, {"status": "declined", "note": "x"}).status_code == 401
    no_reason = post(centre, url, {"status": "declined"})
    assert no_reason.status_code == 400
    assert no_reason.json()["detail"]["field"] == "note"
    decided = post(centre, url, {"status": "built", "package": "open-restaurant"})
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["built_package"]) == ("built", "open-restaurant")
    assert ProposalNotice.objects.count() == 1  # the proposer is told
