"""The wizard's list of what is missing is pre-review's own: an exempt material the exchange did not
verify is asked for once, in pre-review's words (no second loop in the draft)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from onego.applications.drafts import _seal_values, draft_problems
from onego.applications.models import ApplicationDraft, ConsentChoice
from onego.cases.models import DeliveryMethod
from onego.catalog.services import catalog_import
from tests.builders import write_folder
from tests.cases.factories import cases_catalog, cases_package, full_form, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(db: None, tmp_path: Path) -> Any:
    catalog_import(path=write_folder(tmp_path / "catalog", cases_catalog(), [cases_package()]))
    return get_user_model().objects.create_user(username="applicant", password=None)


def test_an_unverified_exempt_material_is_asked_for_once_in_pre_reviews_words(applicant: Any) -> None:
    case = submit(
        applicant, key="problems-0001", channel="web", draft=True, form_data={}, materials=[],
        delivery_method=DeliveryMethod.ELECTRONIC,
    ).case  # fmt: skip
    draft = ApplicationDraft.objects.create(
        user=applicant, subject_kind="person", subject_index="x", package_code="open-restaurant",
        package_name="开办餐饮店", region_code="520102", delivery_method=DeliveryMethod.ELECTRONIC,
        contact_done=True, case=case, consent_choice=ConsentChoice.DECLINED,
    )  # fmt: skip
    _seal_values(draft, full_form())
    draft.save()
    exempt = [
        m
        for m in case.snapshot["materials"]
        if m["exempt"] and m["required"] and not (m.get("verified_by") or "").startswith("package:")
    ]
    assert exempt  # the catalog has materials a registry could verify
    problems = draft_problems(draft)
    fields = [p.field for p in problems]
    assert len(fields) == len(set(fields))  # each problem once
    for m in exempt:
        [problem] = [p for p in problems if p.field == f"material:{m['material']}"]
        assert problem.message == f"“{m['name']}”未能共享核验，请授权共享或上传材料文件"
