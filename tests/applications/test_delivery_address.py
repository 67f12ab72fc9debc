"""The mailing address is asked of a web draft and of a correction only when something will be posted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from onego.applications import corrections
from onego.applications.drafts import _seal_values, draft_problems
from onego.applications.models import ApplicationDraft, ConsentChoice
from onego.cases.models import Case, DeliveryMethod
from onego.catalog.services import catalog_import
from tests.builders import write_folder
from tests.cases.factories import cases_catalog, cases_package, full_form, submit

pytestmark = pytest.mark.django_db

ADDRESS = "address.detail"


@pytest.fixture
def applicant(db: None, tmp_path: Path) -> Any:
    doc = cases_catalog()
    doc["data_elements"].append({"code": ADDRESS, "name": "详细地址"})
    business = next(i for i in doc["items"] if i["code"] == "business_licence")
    business["fields"] = [*business["fields"], ADDRESS]
    catalog_import(path=write_folder(tmp_path / "catalog", doc, [cases_package()]))
    return get_user_model().objects.create_user(username="applicant", password=None)


def draft_case(user: Any, delivery: str, key: str) -> Case:
    return submit(
        user,
        key=key,
        channel="web",
        draft=True,
        form_data={},
        materials=[],
        delivery_method=delivery,
    ).case


def draft_for(user: Any, delivery: str) -> ApplicationDraft:
    case = draft_case(user, delivery, key=f"draft-{delivery}-0001")
    draft = ApplicationDraft.objects.create(
        user=user,
        subject_kind="person",
        subject_index="x",
        package_code="open-restaurant",
        package_name="开办餐饮店",
        region_code="520102",
        delivery_method=delivery,
        contact_done=True,
        case=case,
        consent_choice=ConsentChoice.DECLINED,
    )
    _seal_values(draft, full_form())  # everything but the address
    draft.save()
    return draft


def missing_fields(problems: list[Any]) -> set[str]:
    return {p.field for p in problems if p.kind == "missing_field"}


@pytest.mark.parametrize("delivery", [DeliveryMethod.ELECTRONIC, DeliveryMethod.PICKUP])
def test_a_draft_delivered_without_post_is_not_asked_for_the_address(applicant: Any, delivery: str) -> None:
    problems = draft_problems(draft_for(applicant, delivery))
    assert not any(p.field.startswith("address.") for p in problems)
    assert problems  # the materials are still missing: the check did run


def test_a_draft_delivered_by_post_is_asked_for_the_address(applicant: Any) -> None:
    problems = draft_problems(draft_for(applicant, DeliveryMethod.POST))
    assert ADDRESS in missing_fields(problems)
    assert next(p for p in problems if p.field == ADDRESS).message == "请填写“详细地址”（邮寄送达时必填）"


def test_a_correction_asks_for_the_address_only_when_the_case_is_posted(applicant: Any) -> None:
    request = corrections.Request(target=ADDRESS, kind="field", name="详细地址", message="请补充")
    electronic = draft_case(applicant, DeliveryMethod.ELECTRONIC, key="corr-electronic-01")
    posted = draft_case(applicant, DeliveryMethod.POST, key="corr-post-000001")
    assert corrections.answer_problems(electronic, [request], {ADDRESS: ""}, {}) == {}
    assert corrections.answer_problems(posted, [request], {ADDRESS: ""}, {}) == {
        ADDRESS: "请填写“详细地址”（邮寄送达时必填）"
    }
