"""Submission: idempotency, pre-review with one notice listing everything, corrections, drafts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from onego.cases.access import access_case_by_id
from onego.cases.formdata import form_values
from onego.cases.identity import unseal
from onego.cases.models import Case, Material, Notification, OneTimeNotice
from onego.cases.selectors import one_time_notice_html, one_time_notice_text
from onego.cases.services.submission import MaterialIn, case_correct, case_submit_draft, case_withdraw
from onego.cases.workflow import CaseStatus
from onego.core.errors import Conflict, PermissionDenied, ValidationFailed
from tests.cases.factories import PERSON_ID, full_form, submit, uploads

pytestmark = pytest.mark.django_db


def test_a_complete_submission_is_pre_reviewed_and_numbered(staff: Any) -> None:
    result = submit(staff.clerk)
    case = result.case
    assert result.created
    assert case.status == CaseStatus.PRE_REVIEWED
    assert re.fullmatch(r"NM-20260302-\d{6}", case.reference)
    assert case.package_version == 1
    assert case.snapshot["package"] == "open-restaurant"
    assert [t.action for t in case.transitions.order_by("at")] == ["create", "submit", "pre_review"]


def test_a_retried_submission_returns_the_same_case(staff: Any) -> None:
    first = submit(staff.clerk, key="retry-key-0001")
    again = submit(staff.clerk, key="retry-key-0001")
    assert not again.created
    assert again.case.pk == first.case.pk
    assert Case.objects.count() == 1
    assert Material.objects.filter(case=first.case).count() == 4


def test_the_same_key_with_another_payload_is_a_conflict(staff: Any) -> None:
    submit(staff.clerk, key="retry-key-0002")
    changed = {**full_form(), "enterprise.name": "另一家公司"}
    with pytest.raises(Conflict) as err:
        submit(staff.clerk, key="retry-key-0002", form_data=changed)
    assert err.value.field == "idempotency_key"
    assert Case.objects.count() == 1


def test_keys_are_scoped_per_applicant(staff: Any) -> None:
    from onego.cases.services.submission import ApplicantIn
    from onego.core.validators import id_number_check_char

    other = "11010519491231002"
    other += id_number_check_char(other)
    submit(staff.clerk, key="shared-key-0001")
    second = submit(staff.clerk, key="shared-key-0001", applicant=ApplicantIn("person", other, "李四"))
    assert second.created
    assert Case.objects.count() == 2


def test_sensitive_values_are_sealed_at_rest_and_read_back(staff: Any) -> None:
    case = submit(staff.clerk).case
    stored = Case.objects.values_list("form_data", flat=True).get(pk=case.pk)
    assert stored["person.id_number"].startswith("pii1.")
    assert stored["person.name"] == "张三"  # not marked sensitive in the catalog
    assert form_values(case)["person.id_number"] == PERSON_ID
    assert PERSON_ID not in case.applicant_sealed
    assert unseal(case.applicant_sealed)["identifier"] == PERSON_ID
    assert case.applicant_display == "张*"
    assert case.applicant_id_masked == PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]


def test_pre_review_lists_everything_missing_or_wrong_in_one_notice(staff: Any) -> None:
    form = {**full_form(), "person.id_number": "520102199003071231", "premises.area": "很大"}
    del form["enterprise.name"]
    materials = [
        # floor_plan not given (a wrong file type is refused at the boundary, see tests/core/test_uploads.py)
        MaterialIn(code="lease_contract", file=ContentFile(b"%PDF-1.4", name="l.pdf"), filename="l.pdf"),
    ]
    case = submit(staff.clerk, form_data=form, materials=materials).case
    assert case.status == CaseStatus.NEEDS_CORRECTION
    notice = OneTimeNotice.objects.get(case=case)
    assert [p["field"] for p in notice.problems] == [
        "person.id_number",
        "enterprise.name",
        "premises.area",
        "material:resident_id_card",
        "material:food_safety_plan",
        "material:floor_plan",
    ]
    text = one_time_notice_text(notice)
    assert "尚有以下6项" in text
    assert "缺少材料“食品安全管理制度”" in text
    html = one_time_notice_html(notice)
    assert "一次性告知书" in html
    assert "第 1 号" in html
    assert html.count("<li>") == 6
    # The applicant is told once, by every channel they gave.
    assert set(
        Notification.objects.filter(case=case, kind="one_time_notice").values_list("channel", flat=True)
    ) == {
        "sms",
        "email",
    }


def test_a_correction_keeps_everything_else_and_is_reviewed_again(staff: Any) -> None:
    form = full_form()
    del form["enterprise.name"]
    case = submit(staff.clerk, form_data=form, materials=uploads()[1:]).case
    assert case.status == CaseStatus.NEEDS_CORRECTION
    plan = uploads()[0]
    case = case_correct(
        actor=staff.clerk,
        case_id=case.pk,
        form_data={"enterprise.name": "南明区好味道餐饮有限公司"},
        materials=[plan],
    )
    assert case.status == CaseStatus.PRE_REVIEWED
    assert form_values(case)["person.id_number"] == PERSON_ID  # kept
    assert Material.objects.filter(case=case, replaced_at=None).count() == 4
    assert OneTimeNotice.objects.get(case=case).resolved_at is not None


def test_unknown_fields_and_materials_are_refused_before_anything_is_stored(staff: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(staff.clerk, form_data={**full_form(), "person.shoe_size": 42})
    assert "person.shoe_size" in err.value.message
    with pytest.raises(ValidationFailed):
        submit(staff.clerk, key="other-key-0001", materials=[MaterialIn(code="diploma", reference="x")])
    assert Case.objects.count() == 0


def test_an_invalid_applicant_identifier_is_refused(staff: Any) -> None:
    from onego.cases.services.submission import ApplicantIn

    with pytest.raises(ValidationFailed) as err:
        submit(staff.clerk, applicant=ApplicantIn("person", "520102199003071231", "张三"))
    assert err.value.field == "applicant.identifier"


def test_a_draft_started_online_is_finished_at_the_counter(staff: Any) -> None:
    applicant = get_user_model().objects.create_user(username="zhangsan", password=None)
    draft = submit(applicant, channel="web", draft=True, form_data={"person.name": "张三"}, materials=[]).case
    assert draft.status == CaseStatus.DRAFT
    # The clerk finds it by its id (the applicant shows the reference) and completes it.
    found = access_case_by_id(staff.clerk, draft.pk)
    case = case_submit_draft(
        actor=staff.clerk, case_id=found.pk, form_data=full_form(), materials=uploads(), channel="counter"
    )
    assert case.status == CaseStatus.PRE_REVIEWED
    assert case.channel == "counter"
    reasons = list(case.transitions.values_list("action", "reason"))
    assert ("channel", "网上申请转窗口申请继续办理") in reasons


def test_staff_file_only_as_a_window_clerk_of_the_region_at_the_counter(staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        submit(staff.officer, channel="web")
    with pytest.raises(PermissionDenied):
        submit(staff.other_clerk)
    with pytest.raises(ValidationFailed) as err:
        submit(staff.clerk, channel="web")
    assert err.value.field == "channel"
    assert Case.objects.count() == 0


def test_withdrawal_is_for_the_applicant_or_a_clerk(staff: Any) -> None:
    case = submit(staff.clerk).case
    with pytest.raises(PermissionDenied):
        case_withdraw(actor=staff.supervisor, case_id=case.pk, reason="不办了")
    case = case_withdraw(actor=staff.clerk, case_id=case.pk, reason="申请人不再开办")
    assert case.status == CaseStatus.WITHDRAWN


def test_submitting_requires_an_idempotency_key_of_sensible_length(staff: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(staff.clerk, key="short")
    assert err.value.field == "idempotency_key"


def test_an_upload_is_stored_once_with_its_hash(staff: Any) -> None:
    case = submit(staff.clerk).case
    plan = Material.objects.get(case=case, code="food_safety_plan")
    assert plan.size == len(b"%PDF-1.4 plan")
    assert len(plan.sha256) == 64
    assert plan.file.read() == b"%PDF-1.4 plan"


def test_only_the_applicant_or_a_clerk_changes_what_was_applied_for(staff: Any) -> None:
    form = full_form()
    del form["enterprise.name"]
    case = submit(staff.clerk, form_data=form).case
    with pytest.raises(PermissionDenied) as err:
        case_correct(actor=staff.supervisor, case_id=case.pk, form_data={"enterprise.name": "好味道"})
    assert err.value.message == "只有申请人或代为办理的综合窗口受理员可以修改、补正或撤回申请"
