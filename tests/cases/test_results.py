"""The results of an issued conclusion: e-licences into the library, signed PDFs, delivery."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from onego.cases.models import Case, CaseTransition, Conclusion, Notification
from onego.cases.services.results import conclusion_deliver, licence_holder, produce_results_now
from onego.cases.workflow import InvalidTransition
from onego.catalog.models import LicenceType
from onego.core.errors import PermissionDenied, ValidationFailed
from onego.ledger.models import LedgerEntry
from onego.registries.gateway import Subject, find_licences
from onego.registries.models import Licence
from tests.cases.factories import ENTERPRISE_USCC, PERSON_ID, make_staff
from tests.cases.results_builders import ENTERPRISE_NAME, ResultsStaff, concluded

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(cases_catalog: None, settings: Any, tmp_path: Path) -> ResultsStaff:
    settings.MEDIA_ROOT = tmp_path / "media"
    return ResultsStaff()


def pdf_text(field: Any) -> str:
    with field.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return "".join(page.extract_text() for page in reader.pages)


def test_issuing_enqueues_the_production_in_the_same_transaction(staff: ResultsStaff) -> None:
    conclusion = concluded(staff, produce=False)
    assert conclusion.results_status == "pending"
    rows = [r for r in DBTaskResult.objects.all() if r.task_path.endswith("produce_conclusion_results")]
    assert [r.args_kwargs["args"] for r in rows] == [[str(conclusion.pk)]]


def test_an_approved_case_issues_its_e_licences_into_the_library_for_the_next_case(
    staff: ResultsStaff,
) -> None:
    conclusion = concluded(staff)
    assert conclusion.results_status == "produced"
    held = find_licences(Subject("enterprise", ENTERPRISE_USCC))
    assert sorted(lic.licence_type for lic in held) == ["business_licence", "food_business_licence"]
    assert {lic.holder_name for lic in held} == {ENTERPRISE_NAME}
    assert {lic.issuer_name for lic in held} == {"南明区市场监督管理局"}
    by_item = {r["item"]: r["identifier"] for r in conclusion.results}
    assert set(by_item) == {"business_licence", "food_business_permit"}
    assert set(by_item.values()) == {lic.identifier for lic in held}


def test_each_issued_licence_is_on_the_ledger_without_the_raw_code(staff: ResultsStaff) -> None:
    conclusion = concluded(staff)
    entries = list(LedgerEntry.objects.filter(kind="licence.issued").order_by("index"))
    assert [e.payload["item"] for e in entries] == ["business_licence", "food_business_permit"]
    assert {e.subject_ref for e in entries} == {Subject("enterprise", ENTERPRISE_USCC).index}
    assert {e.case_ref for e in entries} == {str(conclusion.case_id)}
    assert all(ENTERPRISE_USCC not in str(e.payload) + e.subject_ref for e in entries)


def test_the_conclusion_pdf_is_signed_lists_every_opinion_and_its_token_verifies(staff: ResultsStaff) -> None:
    from onego.cases.documents import check_pdf_signature, signer_for
    from onego.cases.verification import check_document_token

    conclusion = concluded(staff)
    assert str(conclusion.document.name).endswith("-conclusion.pdf")
    text = pdf_text(conclusion.document)
    for name in ("营业执照（设立登记）", "食品经营许可（新办）", "公众聚集场所投入使用营业前消防安全检查"):
        assert f"{name}：符合条件，准予" in text.replace("\n", "")
    assert conclusion.document_digest in text.replace("\n", "").replace(" ", "")
    with conclusion.document.open("rb") as f:
        signed = check_pdf_signature(
            f.read(), trusted=[signer_for("nm-scjg", name="南明区市场监督管理局").certificate]
        )
    assert signed.ok
    check = check_document_token(conclusion.document_token)
    assert (check.ok, check.code, check.case_reference) == (True, "ok", conclusion.case.reference)


def test_an_enterprise_granted_two_permits_gets_an_integrated_licence_listing_each(
    staff: ResultsStaff,
) -> None:
    from onego.cases.verification import check_document_token

    conclusion = concluded(staff)
    assert conclusion.licence_document
    assert conclusion.licence_token.startswith("L1.")
    text = pdf_text(conclusion.licence_document).replace("\n", "")
    check = check_document_token(conclusion.licence_token)
    assert check.ok
    assert [(p.name, p.valid, p.status) for p in check.permits] == [
        ("营业执照", True, "有效"),
        ("食品经营许可证", True, "有效"),
    ]
    for r in conclusion.results:
        assert r["identifier"] in text


def test_a_permit_revoked_in_the_library_shows_so_on_the_integrated_licence(staff: ResultsStaff) -> None:
    from onego.cases.verification import check_document_token

    conclusion = concluded(staff)
    Licence.objects.filter(identifier=conclusion.results[1]["identifier"]).update(status="revoked")
    check = check_document_token(conclusion.licence_token)
    assert check.ok  # the licence document itself is genuine
    assert [p.status for p in check.permits] == ["有效", "已注销"]


def test_running_the_production_again_issues_nothing_twice(staff: ResultsStaff) -> None:
    conclusion = concluded(staff)
    assert produce_results_now(conclusion_id=conclusion.pk) == "unchanged"
    # Even with the status reset (a worker died after issuing, before storing the documents):
    Conclusion.objects.filter(pk=conclusion.pk).update(results_status="pending")
    assert produce_results_now(conclusion_id=conclusion.pk) == "produced"
    assert Licence.objects.count() == 2
    assert LedgerEntry.objects.filter(kind="licence.issued").count() == 2
    again = Conclusion.objects.get(pk=conclusion.pk)
    assert again.document_digest == conclusion.document_digest  # the same document, rebuilt


def test_a_person_opening_a_restaurant_gets_its_licences_in_the_enterprises_name(staff: ResultsStaff) -> None:
    conclusion = concluded(staff, enterprise=False)
    # 营业执照 and 食品经营许可证 are declared `holder: enterprise`: held by the enterprise of the form.
    assert find_licences(Subject("person", PERSON_ID)) == []
    held = find_licences(Subject("enterprise", ENTERPRISE_USCC))
    assert sorted(lic.licence_type for lic in held) == ["business_licence", "food_business_licence"]
    assert {lic.holder_name for lic in held} == {ENTERPRISE_NAME}
    assert {(r["holder_kind"], r["holder_name"]) for r in conclusion.results} == {
        ("enterprise", ENTERPRISE_NAME)
    }
    assert all(ENTERPRISE_USCC not in r["holder_code_masked"] for r in conclusion.results)
    assert all("holder_note" not in r for r in conclusion.results)
    entries = LedgerEntry.objects.filter(kind="licence.issued")
    assert {e.subject_ref for e in entries} == {Subject("enterprise", ENTERPRISE_USCC).index}
    # The conclusion names the holder of each licence; the 一业一证 is the enterprise's, not the person's.
    assert f"（持证主体：{ENTERPRISE_NAME}）" in pdf_text(conclusion.document).replace("\n", "")
    assert conclusion.licence_document
    assert conclusion.licence_fields["holder_name"] == ENTERPRISE_NAME
    assert conclusion.licence_fields["holder_code_masked"] == Subject("enterprise", ENTERPRISE_USCC).masked


def test_a_personal_licence_stays_with_the_applicant(staff: ResultsStaff) -> None:
    case = concluded(staff, enterprise=False, produce=False).case
    owner = licence_holder(
        case, LicenceType(code="household_register", name="居民户口簿", holder_kind="person")
    )
    assert (owner.subject, owner.name, owner.note) == (Subject("person", PERSON_ID), "张三", "")


def test_an_enterprise_licence_without_a_valid_code_in_the_form_goes_to_the_applicant_with_the_reason(
    staff: ResultsStaff,
) -> None:
    # The e-licence library assigns no USCC: a company registered in the same package is known by its form.
    case = concluded(staff, enterprise=False, produce=False).case
    case.form_data = {k: v for k, v in case.form_data.items() if k != "enterprise.uscc"}
    owner = licence_holder(case, LicenceType.objects.get(code="business_licence"))
    assert owner.subject == Subject("person", PERSON_ID)
    assert owner.note.startswith("营业执照应由市场主体持有，但表单中没有有效的市场主体名称和统一社会信用代码")


def test_an_enterprise_applicant_holds_its_licences_itself(staff: ResultsStaff) -> None:
    conclusion = concluded(staff)
    assert {r["holder_name"] for r in conclusion.results} == {ENTERPRISE_NAME}
    assert {r["holder_kind"] for r in conclusion.results} == {"enterprise"}


def test_a_partly_approved_case_issues_only_the_approved_items_licences(staff: ResultsStaff) -> None:
    conclusion = concluded(staff, reject=("food_business_permit",))
    assert conclusion.outcome == "partly_approved"
    assert [r["item"] for r in conclusion.results] == ["business_licence"]
    assert not conclusion.licence_document  # one permit: no integrated licence
    assert "食品经营许可（新办）：材料不符合要求，不予" in pdf_text(conclusion.document).replace("\n", "")


def test_a_rejected_case_issues_no_licence_but_its_pdf_lists_every_opinion(staff: ResultsStaff) -> None:
    conclusion = concluded(staff, reject=("business_licence", "quick_filing"))
    assert conclusion.outcome == "rejected"
    assert conclusion.results == []
    assert Licence.objects.count() == 0
    assert conclusion.results_status == "produced"
    text = pdf_text(conclusion.document).replace("\n", "")
    assert "营业执照（设立登记）：材料不符合要求，不予" in text
    assert "经营备案（秒批）：材料不符合要求，不予" in text
    assert "不予" in text


def test_the_production_is_on_the_timeline(staff: ResultsStaff) -> None:
    conclusion = concluded(staff)
    row = CaseTransition.objects.get(case_id=conclusion.case_id, action="results")
    assert "办理结论通知书、一业一证综合许可证" in row.reason


# --- delivery ----------------------------------------------------------------------------------------


def test_delivery_by_post_needs_an_address_and_a_tracking_number(staff: ResultsStaff) -> None:
    conclusion = concluded(staff)
    for kwargs, field in (
        ({}, "address"),
        ({"address": "贵阳市南明区花果园1号"}, "tracking_number"),
        ({"address": "贵阳市南明区花果园1号", "tracking_number": "单号?"}, "tracking_number"),
    ):
        with pytest.raises(ValidationFailed) as err:
            conclusion_deliver(actor=staff.lead, conclusion_id=conclusion.pk, method="post", **kwargs)
        assert err.value.field == field
    with pytest.raises(ValidationFailed) as bad:
        conclusion_deliver(actor=staff.lead, conclusion_id=conclusion.pk, method="pigeon")
    assert bad.value.field == "method"


def test_delivery_by_post_records_it_on_the_timeline_and_tells_the_applicant(staff: ResultsStaff) -> None:
    conclusion = concluded(staff)
    done = conclusion_deliver(
        actor=staff.lead,
        conclusion_id=conclusion.pk,
        method="post",
        address="贵阳市南明区花果园1号",
        tracking_number="EMS1234567890",
    )
    assert (done.delivery_method, done.tracking_number) == ("post", "EMS1234567890")
    assert done.delivered_at is not None
    assert "花果园" not in done.delivery_address_sealed
    row = CaseTransition.objects.get(case_id=conclusion.case_id, action="deliver")
    assert "EMS1234567890" in row.reason
    sms = Notification.objects.get(case_id=conclusion.case_id, kind="delivered", channel="sms")
    assert "EMS1234567890" in sms.body
    with pytest.raises(InvalidTransition):
        conclusion_deliver(actor=staff.lead, conclusion_id=conclusion.pk, method="electronic")


def test_delivery_waits_for_the_results_and_is_for_the_cases_staff(staff: ResultsStaff) -> None:
    conclusion = concluded(staff, produce=False)
    with pytest.raises(InvalidTransition) as early:
        conclusion_deliver(actor=staff.lead, conclusion_id=conclusion.pk, method="electronic")
    assert early.value.message == "结果文书正在生成，请稍后再送达"
    produce_results_now(conclusion_id=conclusion.pk)
    with pytest.raises(PermissionDenied):
        conclusion_deliver(actor=staff.fire, conclusion_id=conclusion.pk, method="electronic")
    outsider = make_staff("bj-clerk", "bj-zwfw", "clerk")
    from onego.core.errors import NotFound

    with pytest.raises(NotFound):
        conclusion_deliver(actor=outsider, conclusion_id=conclusion.pk, method="electronic")
    assert conclusion_deliver(actor=staff.clerk, conclusion_id=conclusion.pk, method="pickup").delivered_at


def test_the_case_of_a_delivered_conclusion_still_reads(staff: ResultsStaff) -> None:
    conclusion = concluded(staff)
    conclusion_deliver(actor=staff.lead, conclusion_id=conclusion.pk, method="electronic")
    assert Case.objects.get(pk=conclusion.case_id).status == "concluded"
