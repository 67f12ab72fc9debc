"""Proposals for new packages: submit, support once per person, decide and tell the proposer."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from onego.core.errors import Conflict, NotFound, ValidationFailed
from onego.standards.models import ProposalNotice, ProposalStatus, ProposalSupport
from onego.standards.proposals import notices_for, proposal_decide, proposal_submit, proposal_support
from onego.standards.selectors import ranked_proposals

pytestmark = [pytest.mark.django_db]


def submit(**overrides: object) -> object:
    values: dict[str, object] = {
        "proposer_index": "person-a",
        "proposer_display": "王*红",
        "title": "开店时烟草证和执照一起办",
        "description": "开便利店时先办营业执照，再单独跑烟草专卖局，希望一次办完。",
        "item_codes": ["business_licence", "tobacco_retail_licence"],
    }
    values.update(overrides)
    return proposal_submit(**values)  # type: ignore[arg-type]


def test_a_proposal_keeps_its_items_and_clean_text(small_catalog: Path) -> None:
    proposal = submit(title="  开店时\u202e烟草证和执照一起办  ")
    assert proposal.title == "开店时烟草证和执照一起办"  # direction override and spaces removed
    assert sorted(i.code for i in proposal.items.all()) == ["business_licence", "tobacco_retail_licence"]
    assert proposal.status == ProposalStatus.OPEN


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "请填写标题"),
        ({"title": "办事"}, "title", "标题至少 4 个字"),
        ({"title": "长" * 61}, "title", "标题不能超过 60 个字"),
        ({"description": "太短"}, "description", "说明至少 10 个字"),
        ({"description": "说" * 1001}, "description", "说明不能超过 1000 个字"),
        ({"item_codes": ["no_such_item"]}, "items", "所选事项不在服务目录中"),
        ({"item_codes": [], "departments": ""}, "items", "请至少选择一个事项或填写涉及的部门"),
        ({"proposer_index": ""}, "proposer", "请先登录"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_field_error(
    small_catalog: Path, overrides: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        submit(**overrides)
    assert caught.value.field == field
    assert message in caught.value.message


def test_markup_is_kept_as_text_for_the_pages_to_escape(small_catalog: Path) -> None:
    proposal = submit(description="<script>alert(1)</script> 这是一段足够长的说明文字")
    assert proposal.description.startswith("<script>")


def test_each_person_supports_once_and_not_their_own(small_catalog: Path) -> None:
    proposal = submit()
    assert proposal_support(proposal_id=proposal.pk, supporter_index="person-b").support_count == 1
    with pytest.raises(Conflict, match="每人一次"):
        proposal_support(proposal_id=proposal.pk, supporter_index="person-b")
    with pytest.raises(Conflict, match="您自己的建议"):
        proposal_support(proposal_id=proposal.pk, supporter_index="person-a")
    assert proposal_support(proposal_id=proposal.pk, supporter_index="person-c").support_count == 2
    assert ProposalSupport.objects.count() == 2


def test_an_unknown_proposal_is_not_found(small_catalog: Path) -> None:
    with pytest.raises(NotFound):
        proposal_support(proposal_id="not-a-uuid", supporter_index="person-b")


def test_marking_built_links_the_package_and_tells_the_proposer_once(small_catalog: Path) -> None:
    admin = get_user_model().objects.create_user("centre-admin", is_staff=True)
    proposal = submit()
    built = proposal_decide(
        proposal_id=proposal.pk, decided_by=admin, status="built", package_code="open-restaurant"
    )
    assert (built.status, built.built_package.code) == ("built", "open-restaurant")
    proposal_decide(proposal_id=proposal.pk, decided_by=admin, status="built", package_code="open-restaurant")
    [notice] = notices_for("person-a")
    assert "已建成一件事" in notice.subject
    assert notices_for("person-b") == []
    with pytest.raises(Conflict):
        proposal_support(proposal_id=proposal.pk, supporter_index="person-b")  # no longer open


@pytest.mark.parametrize(
    ("status", "package", "note", "field"),
    [
        ("built", "no-such-package", "", "package"),
        ("declined", "", "", "note"),
        ("deleted", "", "", "status"),
    ],
)
def test_bad_decisions_change_nothing(
    small_catalog: Path, status: str, package: str, note: str, field: str
) -> None:
    admin = get_user_model().objects.create_user("centre-admin", is_staff=True)
    proposal = submit()
    with pytest.raises(ValidationFailed) as caught:
        proposal_decide(
            proposal_id=proposal.pk, decided_by=admin, status=status, package_code=package, note=note
        )
    assert caught.value.field == field
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert ProposalNotice.objects.count() == 0


def test_ranking_by_support_and_by_demand(small_catalog: Path) -> None:
    from onego.catalog.models import ServiceItem
    from onego.core import clock
    from onego.standards.models import ItemCoOccurrence

    popular = submit(title="支持多的建议", item_codes=["food_business_permit", "fire_safety_inspection"])
    needed = submit(title="数据显示需要的建议")
    for n in range(3):
        proposal_support(proposal_id=popular.pk, supporter_index=f"s{n}")
    items = {i.code: i for i in ServiceItem.objects.all()}
    ItemCoOccurrence.objects.create(
        item_a=items["business_licence"],
        item_b=items["tobacco_retail_licence"],
        applicants=40,
        window_days=30,
        computed_at=clock.now(),
    )
    assert [r.proposal.pk for r in ranked_proposals(by="support")] == [popular.pk, needed.pk]
    by_demand = ranked_proposals(by="demand")
    assert [r.proposal.pk for r in by_demand] == [needed.pk, popular.pk]
    assert (by_demand[0].demand, by_demand[0].demand_pair) == (
        40,
        ("business_licence", "tobacco_retail_licence"),
    )
