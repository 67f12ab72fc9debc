"""Cases data migrations: what stored snapshots lack is carried into them from the catalog."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from onego.accounts.models import Role
from onego.cases.formdata import form_fields
from onego.cases.models import Case
from onego.cases.prereview import pre_review, rules_from_snapshot
from onego.cases.workflow import CaseStatus
from onego.catalog.models import DataElement
from onego.catalog.services import catalog_import
from tests.builders import write_folder
from tests.cases.factories import cases_catalog, cases_package, full_form, make_staff, submit

pytestmark = pytest.mark.django_db

post_choices_migration = importlib.import_module("onego.cases.migrations.0005_snapshot_post_choices")

CARD = "social_security_card.delivery"


@pytest.fixture
def clerk(db: None, tmp_path: Path) -> Any:
    """The cases catalog with 营业执照 also asking 领卡方式 (邮寄到家 means posted) and a mailing address."""
    doc = cases_catalog()
    doc["data_elements"] += [
        {
            "code": CARD,
            "name": "领卡方式",
            "type": "choice",
            "choices": ["邮寄到家", "网点领取"],
            "post_choices": ["邮寄到家"],
        },
        {"code": "address.detail", "name": "邮寄详细地址"},
    ]
    licence = next(i for i in doc["items"] if i["code"] == "business_licence")
    licence["fields"] = [*licence["fields"], CARD, "address.detail"]
    catalog_import(path=write_folder(tmp_path / "catalog", doc, [cases_package()]))
    return make_staff("clerk", "nm-zwfw", Role.CLERK)


def compiled_before(case: Case) -> dict[str, Any]:
    """Store the case's snapshot as compiled before form fields carried `post_choices`; return it."""
    old: dict[str, Any] = copy.deepcopy(case.snapshot)
    for group in old["form"]:
        for field in group["fields"]:
            del field["post_choices"]
    Case.objects.filter(pk=case.pk).update(snapshot=old)
    return old


def asks_for_the_address(snapshot: dict[str, Any]) -> bool:
    fields, _ = rules_from_snapshot(snapshot)
    problems = pre_review(fields, [], {CARD: "邮寄到家"}, [], delivery_method="electronic")
    return "address.detail" in {p.field for p in problems}


def mailed_home_draft(clerk: Any, key: str = "draft-key-0001") -> Case:
    form = {**full_form(), CARD: "邮寄到家"}
    return submit(clerk, key=key, form_data=form, draft=True).case


def test_a_draft_compiled_before_asks_for_the_address_again_when_the_card_is_mailed_home(clerk: Any) -> None:
    draft = mailed_home_draft(clerk)
    assert draft.status == CaseStatus.DRAFT
    old = compiled_before(draft)
    assert not asks_for_the_address(old)  # what went wrong for cases stored before

    post_choices_migration.forwards(apps, None)

    draft.refresh_from_db()
    assert form_fields(draft.snapshot)[CARD]["post_choices"] == ["邮寄到家"]
    assert asks_for_the_address(draft.snapshot)
    # Nothing else of the snapshot changes: the other fields keep their stored shape.
    expected = copy.deepcopy(old)
    card = next(f for g in expected["form"] for f in g["fields"] if f["element"] == CARD)
    card["post_choices"] = ["邮寄到家"]
    assert draft.snapshot == expected


def test_it_runs_on_the_models_as_they_were_at_the_migration(clerk: Any) -> None:
    historical = MigrationLoader(connection).project_state(("cases", "0005_snapshot_post_choices")).apps
    draft = mailed_home_draft(clerk)
    compiled_before(draft)

    post_choices_migration.forwards(historical, None)

    draft.refresh_from_db()
    assert form_fields(draft.snapshot)[CARD]["post_choices"] == ["邮寄到家"]


def test_a_submitted_case_is_filled_in_too_and_its_version_kept(clerk: Any) -> None:
    case = submit(clerk, key="case-key-0001", form_data={**full_form(), CARD: "网点领取"}).case
    compiled_before(case)
    version = Case.objects.get(pk=case.pk).version

    post_choices_migration.forwards(apps, None)

    case.refresh_from_db()
    assert form_fields(case.snapshot)[CARD]["post_choices"] == ["邮寄到家"]
    assert case.version == version


def test_running_it_again_changes_nothing(clerk: Any) -> None:
    draft = mailed_home_draft(clerk)
    compiled_before(draft)
    post_choices_migration.forwards(apps, None)
    once = Case.objects.values_list("snapshot", "updated_at").get(pk=draft.pk)
    post_choices_migration.forwards(apps, None)
    assert Case.objects.values_list("snapshot", "updated_at").get(pk=draft.pk) == once


def test_a_snapshot_compiled_with_the_key_is_left_as_it_was_compiled(clerk: Any) -> None:
    # Compiled after the change, when the catalog declared nothing for the card: the key says so.
    DataElement.objects.filter(code=CARD).update(post_choices=[])
    draft = mailed_home_draft(clerk)
    assert form_fields(draft.snapshot)[CARD]["post_choices"] == []
    DataElement.objects.filter(code=CARD).update(post_choices=["邮寄到家"])

    post_choices_migration.forwards(apps, None)

    draft.refresh_from_db()
    assert form_fields(draft.snapshot)[CARD]["post_choices"] == []


def test_a_choice_the_stored_field_does_not_offer_is_not_added(clerk: Any) -> None:
    draft = mailed_home_draft(clerk)
    old = compiled_before(draft)
    # The catalog's element now offers a choice this case's form never had.
    DataElement.objects.filter(code=CARD).update(
        choices=["邮寄到家", "网点领取", "快递"], post_choices=["快递"]
    )

    post_choices_migration.forwards(apps, None)

    draft.refresh_from_db()
    assert draft.snapshot == old


def test_a_case_whose_form_has_no_such_element_is_untouched(clerk: Any) -> None:
    # Holding a business licence already, the applicant gets no 营业执照 item: no 领卡方式 in the form.
    answers = {"has_licence": True, "floor_area": 500}
    form = {k: v for k, v in full_form().items() if k != "person.phone"}  # only 营业执照 asks for it
    case = submit(clerk, key="draft-key-0002", answers=answers, form_data=form, materials=[], draft=True).case
    assert CARD not in form_fields(case.snapshot)
    old = compiled_before(case)
    before = Case.objects.values_list("snapshot", "updated_at").get(pk=case.pk)

    post_choices_migration.forwards(apps, None)

    assert Case.objects.values_list("snapshot", "updated_at").get(pk=case.pk) == before
    assert before[0] == old


def test_a_catalog_declaring_none_changes_nothing(clerk: Any) -> None:
    draft = mailed_home_draft(clerk)
    old = compiled_before(draft)
    DataElement.objects.filter(code=CARD).update(post_choices=[])

    post_choices_migration.forwards(apps, None)

    draft.refresh_from_db()
    assert draft.snapshot == old
