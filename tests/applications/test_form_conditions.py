"""Fields a choice makes irrelevant (`when:` naming a form datum): hidden and not required in the one view
model of every channel, dropped by the submission, refused at import when it names no field of the item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from onego.applications.drafts import _seal_values, _typed_values, draft_problems, form_errors, form_view
from onego.applications.form import Delivered, merged_form
from onego.applications.models import ApplicationDraft, ConsentChoice
from onego.cases import prereview
from onego.cases.formdata import drop_hidden, form_fields, form_values
from onego.cases.models import DeliveryMethod
from onego.cases.services.submission import case_submit_draft
from onego.catalog.rules.package import with_answers
from onego.catalog.services import CatalogImportFailed, catalog_import
from onego.workbench.selectors import PrefillState, counter_form
from tests.builders import write_folder
from tests.cases.factories import cases_catalog, cases_package, full_form, submit

pytestmark = pytest.mark.django_db

PICKUP = "licence.pickup"
ADDRESS = "address.detail"
SHOWN = "licence.pickup == '邮寄到家' or case.delivery == 'post'"


def catalog_with(when: str = SHOWN) -> dict[str, Any]:
    doc = cases_catalog()
    doc["data_elements"] += [
        {"code": ADDRESS, "name": "邮寄详细地址"},
        {"code": PICKUP, "name": "领证方式", "type": "choice", "choices": ["邮寄到家", "窗口领取"]},
    ]
    business = next(i for i in doc["items"] if i["code"] == "business_licence")
    business["fields"] = [
        *business["fields"],
        {"element": PICKUP, "required": True},
        {"element": ADDRESS, "required": True, "when": when},
    ]
    return doc


@pytest.fixture
def applicant(db: None, tmp_path: Path) -> Any:
    catalog_import(path=write_folder(tmp_path / "catalog", catalog_with(), [cases_package()]))
    return get_user_model().objects.create_user(username="applicant", password=None)


def draft_for(user: Any, values: dict[str, Any], *, key: str = "cond-draft-0001") -> ApplicationDraft:
    case = submit(
        user,
        key=key,
        channel="web",
        draft=True,
        form_data={},
        materials=[],
        delivery_method=DeliveryMethod.ELECTRONIC,
    ).case
    draft = ApplicationDraft.objects.create(
        user=user,
        subject_kind="person",
        subject_index="x",
        package_code="open-restaurant",
        package_name="开办餐饮店",
        region_code="520102",
        delivery_method=DeliveryMethod.ELECTRONIC,
        contact_done=True,
        case=case,
        consent_choice=ConsentChoice.DECLINED,
    )
    _seal_values(draft, {**full_form(), **values})
    draft.save()
    return draft


def shown_elements(groups: list[Any]) -> set[str]:
    return {f.element for g in groups for f in g.fields}


def test_the_compiled_field_keeps_its_form_condition(applicant: Any) -> None:
    case = draft_for(applicant, {}).case
    assert case is not None
    assert form_fields(case.snapshot)[ADDRESS]["shown_when"] == with_answers(SHOWN, {})
    assert form_fields(case.snapshot)[PICKUP]["shown_when"] == ""


def test_the_address_is_hidden_and_not_required_until_posting_is_chosen(applicant: Any) -> None:
    draft = draft_for(applicant, {PICKUP: "窗口领取"})
    assert ADDRESS not in shown_elements(form_view(draft))
    assert ADDRESS not in form_errors(draft)
    assert ADDRESS not in {p.field for p in draft_problems(draft)}

    posted = draft_for(applicant, {PICKUP: "邮寄到家"}, key="cond-draft-0002")
    assert ADDRESS in shown_elements(form_view(posted))
    assert form_errors(posted)[ADDRESS] == "请填写“邮寄详细地址”"
    assert any(p.field == ADDRESS and p.kind == "missing_field" for p in draft_problems(posted))


def test_the_same_view_model_shows_the_choice_to_the_clerk(applicant: Any) -> None:
    case = draft_for(applicant, {}).case
    assert case is not None
    empty = PrefillState(None, {}, {}, {})
    assert ADDRESS not in shown_elements(counter_form(case, empty, typed={f"{PICKUP}": "窗口领取"}))
    assert ADDRESS in shown_elements(counter_form(case, empty, typed={PICKUP: "邮寄到家"}))


def test_a_value_typed_before_the_choice_changed_is_dropped_at_submission(applicant: Any) -> None:
    typed = {PICKUP: "窗口领取", ADDRESS: "贵阳市南明区花果园大街1号"}
    draft = draft_for(applicant, typed)
    assert ADDRESS not in _typed_values(draft)  # what the wizard hands to the submission
    # The engine's merge drops it too, whichever channel sends it (counter, API).
    case = case_submit_draft(actor=applicant, case_id=draft.case_id, form_data={**full_form(), **typed})
    assert ADDRESS not in form_values(case)
    assert form_values(case)[PICKUP] == "窗口领取"


def test_pre_review_neither_demands_nor_checks_a_hidden_field() -> None:
    rule = prereview.FieldRule(ADDRESS, "邮寄详细地址", "string", True, shown_when=SHOWN)
    hidden = prereview.pre_review([rule], [], {PICKUP: "窗口领取"}, [], delivery_method="electronic")
    assert hidden == []
    shown = prereview.pre_review([rule], [], {PICKUP: "邮寄到家"}, [], delivery_method="electronic")
    assert [(p.field, p.kind) for p in shown] == [(ADDRESS, "missing_field")]
    by_post = prereview.pre_review([rule], [], {PICKUP: "窗口领取"}, [], delivery_method="post")
    assert [p.field for p in by_post] == [ADDRESS]


def test_drop_hidden_keeps_values_of_shown_fields() -> None:
    snapshot = {"form": [{"title": "t", "fields": [{"element": ADDRESS, "shown_when": SHOWN}]}]}
    values = {PICKUP: "窗口领取", ADDRESS: "x"}
    assert drop_hidden(snapshot, values, "electronic") == {PICKUP: "窗口领取"}
    assert drop_hidden(snapshot, values, "post") == values


def test_scenario_answers_are_put_into_a_form_condition_at_compile_time() -> None:
    condition = "has_shop and licence.pickup == '邮寄到家'"
    assert with_answers(condition, {"has_shop": True}) == 'true and licence.pickup == "邮寄到家"'
    # Unanswered: the name is left for the evaluation as the form is filled (missing, so false).
    assert with_answers(condition, {}) == 'has_shop and licence.pickup == "邮寄到家"'


def test_portal_and_counter_parameters_give_the_same_fields_with_their_provenance() -> None:
    snapshot = {
        "form": [
            {
                "title": "申请人",
                "fields": [
                    {"element": "person.name", "name": "姓名", "type": "string", "required": True},
                    {"element": "premises.area", "name": "面积", "type": "number", "required": True},
                ],
            }
        ]
    }
    delivered = {"person.name": Delivered("张三", "人口库", "c1")}
    online = merged_form(
        snapshot, delivery_method="electronic", values={"person.name": "张三"}, delivered=delivered,
        lock_delivered=True,
    )  # fmt: skip
    counter = merged_form(
        snapshot, delivery_method="electronic", values={"person.name": "张四"}, delivered=delivered,
    )  # fmt: skip
    assert [f.element for f in online[0].fields] == [f.element for f in counter[0].fields]
    assert online[0].fields[0].locked
    assert online[0].fields[0].source_name == "人口库"
    assert not counter[0].fields[0].locked
    assert counter[0].fields[0].edited_from == "人口库"
    assert counter[0].fields[0].source_name == ""


def test_an_item_field_condition_naming_no_field_of_the_item_is_refused(db: None, tmp_path: Path) -> None:
    doc = catalog_with(when="nosuch.field == '邮寄到家'")
    with pytest.raises(CatalogImportFailed) as info:
        catalog_import(path=write_folder(tmp_path / "bad", doc, [cases_package()]))
    assert any("“nosuch.field”不是本事项的字段" in issue for issue in map(str, info.value.issues))
