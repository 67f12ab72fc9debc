"""Questions bound to data at submission: every channel refuses answers that contradict the form or the
e-licence library, and known data answers the question itself (cases/bindings.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onego.cases.models import Case
from onego.cases.prereview import pre_review, rules_from_snapshot
from onego.cases.services.submission import ApplicantIn, ContactIn, case_correct, case_submit
from onego.cases.workflow import CaseStatus
from onego.catalog.models import PackageQuestion
from onego.catalog.services import catalog_import
from onego.core.errors import ValidationFailed
from tests.builders import item
from tests.cases.conftest import Staff
from tests.cases.factories import ENTERPRISE_USCC, PERSON_ID, cases_catalog, cases_package, write_folder
from tests.exchange.people import business_licence_for

pytestmark = pytest.mark.django_db


def farm_catalog() -> dict[str, Any]:
    doc = cases_catalog()
    doc["department_types"].append({"code": "agriculture", "name": "农业农村"})
    doc["departments"].append(
        {"code": "nm-nyj", "name": "南明区农业农村局", "type": "agriculture", "region": "520102"}
    )
    doc["data_elements"] += [
        {"code": "livestock.head_count", "name": "存栏数量（头）", "type": "integer"},
        {"code": "livestock.kind", "name": "畜种", "type": "choice", "choices": ["生猪", "牛", "羊"]},
    ]
    farm = {"department": "agriculture", "fields": ["enterprise.name"]}
    doc["items"] += [
        item(
            "farm_filing",
            name="畜禽养殖场备案",
            item_type="filing",
            **{**farm, "fields": ["enterprise.name", "livestock.head_count", "livestock.kind"]},
        ),
        item("epidemic_permit", name="动物防疫条件合格证核发", **farm),
        item("eia_approval", name="建设项目环境影响评价审批", **farm),
    ]
    return doc


def farm_package() -> dict[str, Any]:
    return {
        "code": "open-farm",
        "name": "开办养殖场",
        "theme": "enterprise.opening",
        "regions": ["520000"],
        "lead_department": "agriculture",
        "questions": [
            {"id": "scale", "text": "存栏规模（头）", "type": "number", "bind": "livestock.head_count"},
            {
                "id": "kind",
                "text": "畜种",
                "type": "choice",
                "choices": ["生猪", "牛"],
                "bind": "livestock.kind",
            },
        ],
        "items": [
            {"item": "farm_filing", "binding": "bound"},
            {"item": "epidemic_permit", "when": 'kind == "生猪" and scale >= 500'},
            {"item": "eia_approval", "when": "scale >= 1000"},
        ],
    }


@pytest.fixture
def farm(db: None, tmp_path: Path) -> Staff:
    restaurant = cases_package()
    restaurant["questions"][0]["bind"] = "licence:business_licence"
    restaurant["questions"][1]["bind"] = "premises.area"
    catalog_import(path=write_folder(tmp_path / "farm", farm_catalog(), [restaurant, farm_package()]))
    return Staff()


def submit_farm(
    actor: Any, answers: dict[str, Any], form: dict[str, Any], key: str = "farm-key-0001"
) -> Case:
    return case_submit(
        actor=actor,
        package_code="open-farm",
        region_code="520102",
        applicant=ApplicantIn("enterprise", ENTERPRISE_USCC, "南明区好养殖有限公司"),
        idempotency_key=key,
        channel="counter",
        answers=answers,
        form_data={"enterprise.name": "南明区好养殖有限公司", **form},
        contact=ContactIn(phone="13812345678"),
    ).case


def items_of(case: Case) -> list[str]:
    return [e["code"] for e in case.snapshot["entries"]]


def test_the_import_stores_and_exports_the_binding(farm: Staff) -> None:
    binds = dict(PackageQuestion.objects.filter(package__code="open-farm").values_list("ident", "bind"))
    assert binds == {"scale": "livestock.head_count", "kind": "livestock.kind"}


def test_the_livestock_finding_is_refused_with_the_field_named(farm: Staff) -> None:
    # 存栏规模 100, 畜种 牛 answered; the form says 5000 head of 生猪: two permits dodged before.
    with pytest.raises(ValidationFailed) as err:
        submit_farm(
            farm.clerk, {"scale": 100, "kind": "牛"}, {"livestock.head_count": 5000, "livestock.kind": "生猪"}
        )
    assert err.value.field == "livestock.head_count"
    assert "存栏数量（头）" in err.value.message
    assert not Case.objects.exists()


def test_the_form_answers_the_bound_questions_and_decides_the_items(farm: Staff) -> None:
    case = submit_farm(farm.clerk, {}, {"livestock.head_count": 5000, "livestock.kind": "生猪"})
    assert case.answers == {"scale": 5000, "kind": "生猪"}
    assert items_of(case) == ["farm_filing", "epidemic_permit", "eia_approval"]
    assert case.status == CaseStatus.PRE_REVIEWED


def test_the_answer_given_once_fills_its_field(farm: Staff) -> None:
    case = submit_farm(farm.clerk, {"scale": 200, "kind": "牛"}, {})
    assert case.form_data["livestock.head_count"] == 200
    assert case.form_data["livestock.kind"] == "牛"
    assert items_of(case) == ["farm_filing"]
    assert case.status == CaseStatus.PRE_REVIEWED


def test_a_correction_cannot_change_a_bound_value_behind_the_answers(farm: Staff) -> None:
    case = case_submit(
        actor=farm.clerk,
        package_code="open-farm",
        region_code="520102",
        applicant=ApplicantIn("enterprise", ENTERPRISE_USCC, "南明区好养殖有限公司"),
        idempotency_key="farm-draft-0001",
        channel="counter",
        answers={"scale": 100, "kind": "牛"},
        contact=ContactIn(phone="13812345678"),
        draft=True,
    ).case
    with pytest.raises(ValidationFailed) as err:
        case_correct(actor=farm.clerk, case_id=case.pk, form_data={"livestock.head_count": 5000})
    assert err.value.field == "livestock.head_count"
    case.refresh_from_db()
    assert case.form_data["livestock.head_count"] == 100
    assert case.status == CaseStatus.DRAFT


def test_pre_review_flags_a_stored_contradiction(farm: Staff) -> None:
    case = submit_farm(farm.clerk, {"scale": 100, "kind": "牛"}, {})
    fields, materials = rules_from_snapshot(case.snapshot)
    problems = pre_review(fields, materials, {**case.form_data, "livestock.kind": "生猪"}, [])
    assert [(p.field, p.kind) for p in problems] == [("livestock.kind", "contradicts_answer")]


def test_the_e_licence_library_answers_has_licence(farm: Staff) -> None:
    from onego.registries.base import Subject

    business_licence_for(Subject(kind="enterprise", key=ENTERPRISE_USCC), "南明区好味道餐饮有限公司")
    common: dict[str, Any] = {
        "actor": farm.clerk,
        "package_code": "open-restaurant",
        "region_code": "520102",
        "applicant": ApplicantIn("enterprise", ENTERPRISE_USCC, "南明区好味道餐饮有限公司"),
        "channel": "counter",
        "form_data": {"premises.area": 80},
        "contact": ContactIn(phone="13812345678"),
        "draft": True,
    }
    with pytest.raises(ValidationFailed) as err:
        case_submit(**common, idempotency_key="licence-key-01", answers={"has_licence": False})
    assert err.value.field == "licence:business_licence"
    assert "营业执照" in err.value.message
    case = case_submit(**common, idempotency_key="licence-key-02", answers={}).case
    assert case.answers["has_licence"] is True
    assert case.answers["floor_area"] == 80
    assert "business_licence" not in items_of(case)


def test_a_person_without_a_licence_answers_for_themself(farm: Staff) -> None:
    case = case_submit(
        actor=farm.clerk,
        package_code="open-restaurant",
        region_code="520102",
        applicant=ApplicantIn("person", PERSON_ID, "张三"),
        idempotency_key="licence-key-03",
        channel="counter",
        answers={"has_licence": False, "floor_area": 500},
        contact=ContactIn(phone="13812345678"),
        draft=True,
    ).case
    assert case.answers["has_licence"] is False
    assert case.form_data["premises.area"] == 500


def test_the_api_cannot_bypass_the_check(farm: Staff) -> None:
    client = Client()
    client.force_login(farm.clerk)
    body = {
        "package": "open-farm",
        "region": "520102",
        "applicant": {"kind": "enterprise", "identifier": ENTERPRISE_USCC, "name": "南明区好养殖有限公司"},
        "channel": "counter",
        "answers": {"scale": 100, "kind": "牛"},
        "form": {
            "enterprise.name": "南明区好养殖有限公司",
            "livestock.head_count": 5000,
            "livestock.kind": "生猪",
        },
        "contact": {"phone": "13812345678"},
    }
    response = client.post(
        "/api/v1/cases", body, content_type="application/json", headers={"Idempotency-Key": "api-farm-0001"}
    )
    assert response.status_code == 400
    assert response.json()["detail"]["field"] == "livestock.head_count"
    assert not Case.objects.exists()
