"""Mapping local names over the catalog, the review queue and recorded decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from onego.core.errors import NotFound, ValidationFailed
from onego.standards.models import MappingStatus, NameMapping, NameMappingReview
from onego.standards.naming import mapping_review, name_map, review_queue

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def reviewer(small_catalog: Path) -> object:
    return get_user_model().objects.create_user("centre-admin", password="x", is_staff=True)


def test_a_sure_name_is_mapped_automatically_and_an_unsure_one_waits(small_catalog: Path) -> None:
    sure = name_map(local_name="南明区 食品经营许可（新办） ", region_code="520102")
    assert (sure.item.code, sure.status) == ("food_business_permit", MappingStatus.AUTO)
    unsure = name_map(local_name="开饭馆要办的证")
    assert unsure.status == MappingStatus.PENDING
    assert review_queue() == [unsure]


def test_mapping_again_updates_the_same_row(small_catalog: Path) -> None:
    first = name_map(local_name="开饭馆要办的证")
    again = name_map(local_name="开饭馆要办的证")
    assert first.pk == again.pk
    assert NameMapping.objects.count() == 1


@pytest.mark.parametrize(("name", "field"), [("   ", "local_name"), ("名" * 201, "local_name")])
def test_bad_names_are_refused_naming_the_field(small_catalog: Path, name: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        name_map(local_name=name)
    assert caught.value.field == field


def test_an_unknown_region_is_refused(small_catalog: Path) -> None:
    with pytest.raises(ValidationFailed, match="区划代码 999999 不存在"):
        name_map(local_name="营业执照", region_code="999999")


def test_a_correction_is_recorded_with_before_and_after_and_survives_remapping(reviewer: object) -> None:
    mapping = name_map(local_name="开饭馆要办的证")
    before = mapping.item.code if mapping.item else ""
    reviewed = mapping_review(
        mapping_id=mapping.pk,
        reviewer=reviewer,
        decision="corrected",
        item_code="food_business_permit",
        note="口语",
    )
    assert (reviewed.status, reviewed.item.code, reviewed.method) == (
        "corrected",
        "food_business_permit",
        "reviewer",
    )
    [review] = NameMappingReview.objects.all()
    assert (review.item_before, review.item_after, review.note) == (before, "food_business_permit", "口语")
    assert name_map(local_name="开饭馆要办的证").item.code == "food_business_permit"  # the decision stands
    assert review_queue() == []


def test_reject_clears_the_item(reviewer: object) -> None:
    mapping = name_map(local_name="犬只登记")
    assert mapping_review(mapping_id=mapping.pk, reviewer=reviewer, decision="rejected").item is None


@pytest.mark.parametrize(
    ("decision", "item", "field"), [("corrected", "no_such_item", "item"), ("delete", "", "decision")]
)
def test_bad_decisions_change_nothing(reviewer: object, decision: str, item: str, field: str) -> None:
    mapping = name_map(local_name="开饭馆要办的证")
    with pytest.raises(ValidationFailed) as caught:
        mapping_review(mapping_id=mapping.pk, reviewer=reviewer, decision=decision, item_code=item)
    assert caught.value.field == field
    assert NameMappingReview.objects.count() == 0
    assert NameMapping.objects.get(pk=mapping.pk).status == MappingStatus.PENDING


def test_an_unknown_mapping_is_not_found(reviewer: object) -> None:
    import uuid

    with pytest.raises(NotFound):
        mapping_review(mapping_id=uuid.uuid4(), reviewer=reviewer, decision="rejected")
