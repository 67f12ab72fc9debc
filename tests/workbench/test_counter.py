"""The comprehensive window: look-up, a package started for the applicant, pre-review, acceptance with a
receipt, the one-time notice, 一类 items at the window, a supplement handed in at the counter."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onego.cases.models import Case, Material
from onego.cases.services.decisions import subcase_claim
from onego.cases.services.supplements import SupplementItemIn, subcase_request_supplement
from onego.cases.workflow import CaseStatus, SubCaseStatus
from onego.core.pii import blind_index
from onego.exchange.models import Consent
from onego.ledger.models import LedgerEntry
from tests.cases.factories import ENTERPRISE_USCC, PERSON_ID, prefilled, subcase
from tests.exchange.people import resident
from tests.workbench.conftest import People, accepted_case, page, signed_in

pytestmark = pytest.mark.django_db
S = SubCaseStatus


def pdf(name: str, content: bytes = b"%PDF-1.4 scanned") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def clerk(people: People) -> Client:
    return signed_in(people.clerk)


@pytest.fixture
def registry_knows_zhang_san(people: People) -> None:
    """张三 (PERSON_ID) in the population register the counter reads the name from."""
    resident("张三", id_number=PERSON_ID, born=dt.date(1990, 3, 7), female=False)


def start_restaurant(clerk: Client, **answers: str) -> Case:
    clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})
    form = page(clerk.get("/workbench/counter/start/?region=520102&package=open-restaurant"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert key is not None
    data = {
        "region": "520102",
        "package": "open-restaurant",
        "idempotency_key": key.group(1),
        "q_has_licence": "false",
        "q_floor_area": "500",
        "phone": "13812345678",
        "delivery_method": "pickup",
        **answers,
    }
    response = clerk.post("/workbench/counter/start/", data)
    assert response.status_code == 302, page(response)
    assert clerk.post("/workbench/counter/start/", data).status_code == 302  # a double click: same case
    return Case.objects.get()


def complete_form() -> dict[str, Any]:
    return {
        "f:person.name": "张三",
        "f:person.id_number": PERSON_ID,
        "f:person.phone": "13812345678",
        "f:enterprise.name": "南明区好味道餐饮有限公司",
        "f:enterprise.uscc": ENTERPRISE_USCC,
        "f:premises.area": "500",
        "f:bank.account_type": "基本存款账户",
        "m:resident_id_card": pdf("id.pdf"),  # no consent here, so the card is copied at the window
        "m:food_safety_plan": pdf("plan.pdf"),
        "m:floor_plan": pdf("floor.pdf"),
        "m:lease_contract": pdf("lease.pdf"),
    }


def test_look_up_checks_the_number_and_ties_the_error_to_the_field(clerk: Client) -> None:
    response = clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID[:-1] + "0"})
    assert response.status_code == 400
    html = page(response)
    assert 'id="id_key"' in html
    assert re.search(r'id="id_key"[^>]*aria-invalid="true"', html)
    assert 'id="err-key"' in html
    assert "校验" in html


def test_look_up_reads_the_name_from_the_register_and_shows_it_to_the_clerk_in_full(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    response = clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})
    assert response["Location"] == "/workbench/counter/applicant/"
    html = page(clerk.get("/workbench/counter/applicant/"))
    assert "张三" in html  # the clerk compares the name with the papers in hand
    assert PERSON_ID not in html
    assert PERSON_ID[:6] in html  # the masked number keeps its head and tail
    assert "已与登记信息核对" in html
    assert PERSON_ID not in str(clerk.session.items())  # sealed in the session, never in clear


def test_the_look_up_is_a_registry_read_in_the_ledger_by_blind_index(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})
    entry = LedgerEntry.objects.get(kind="registry.read")
    assert entry.subject_ref == blind_index(PERSON_ID, kind="person")
    assert entry.actor == "dept:nm-zwfw/user:clerk"
    assert entry.case_ref == ""  # no case yet: the clerk is only checking who is at the window
    assert entry.payload["registry"] == "population"
    assert entry.payload["elements"] == ["person.name"]
    assert entry.payload["department"] == "南明区政务服务中心"
    assert "核对申请人身份" in entry.payload["purpose"]
    recorded = json.dumps([entry.actor, entry.subject_ref, entry.case_ref, entry.payload], ensure_ascii=False)
    assert PERSON_ID not in recorded
    assert "张三" not in recorded  # what was read is named, never copied into the ledger
    clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})
    assert LedgerEntry.objects.filter(kind="registry.read").count() == 2  # every look-up is a read


def test_a_look_up_that_reads_nothing_records_nothing(clerk: Client) -> None:
    clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})  # no register knows him
    assert not LedgerEntry.objects.filter(kind="registry.read").exists()


def test_a_look_up_that_cannot_be_recorded_keeps_nothing(
    clerk: Client, registry_knows_zhang_san: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onego.exchange import services as exchange_services

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(exchange_services, "ledger_record", broken)
    with pytest.raises(RuntimeError):
        clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})
    assert "workbench.counter_applicant" not in clerk.session  # no read without its record


def test_an_applicant_no_register_knows_is_named_by_the_clerk(clerk: Client) -> None:
    clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})
    html = page(clerk.get("/workbench/counter/applicant/"))
    assert "没有找到该证件号码" in html
    assert "开始办理" not in html
    assert clerk.post("/workbench/counter/applicant/", {"name": ""}).status_code == 400
    clerk.post("/workbench/counter/applicant/", {"name": "张三"})
    assert "开始办理" in page(clerk.get("/workbench/counter/applicant/"))


def test_a_package_starts_as_a_counter_draft_with_the_answers(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    case = start_restaurant(clerk)
    assert (case.status, case.channel, case.delivery_method) == (CaseStatus.DRAFT, "counter", "pickup")
    assert case.answers == {"has_licence": False, "floor_area": 500}


def test_an_unanswered_question_is_shown_on_that_question(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    clerk.post("/workbench/counter/", {"kind": "person", "key": PERSON_ID})
    response = clerk.post(
        "/workbench/counter/start/",
        {
            "region": "520102",
            "package": "open-restaurant",
            "idempotency_key": "counter-test-key-1",
            "q_has_licence": "false",
        },
    )
    assert response.status_code == 400
    html = page(response)
    assert re.search(r'id="q-floor_area"[^>]*aria-invalid="true"', html)
    assert 'id="err-floor_area"' in html
    assert 'value="false" checked' in html  # the answer given is kept


def test_the_clerk_records_the_applicants_consent_or_refusal(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    case = start_restaurant(clerk)
    not_confirmed = clerk.post(f"/workbench/counter/cases/{case.pk}/consent/", {"action": "grant"})
    assert not_confirmed.status_code == 400
    assert "请确认申请人已阅读授权范围并当面同意" in page(not_confirmed)
    clerk.post(f"/workbench/counter/cases/{case.pk}/consent/", {"action": "decline"})
    consent = Consent.objects.get(case_ref=case.pk)
    assert consent.decision == "declined"
    assert consent.actor == "dept:nm-zwfw/user:clerk"
    assert consent.channel == "window"
    assert "申请人未授权共享获取数据" in page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))


def test_the_clerk_fills_the_form_uploads_paper_materials_and_accepts_with_a_receipt(
    clerk: Client, registry_knows_zhang_san: None, people: People
) -> None:
    case = start_restaurant(clerk)
    response = clerk.post(f"/workbench/counter/cases/{case.pk}/save/", complete_form())
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_REVIEWED
    assert case.channel == "counter"
    assert Material.objects.filter(case=case, kind="upload").count() == 4
    html = page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))
    assert "预审通过" in html
    accept = clerk.post(f"/workbench/counter/cases/{case.pk}/accept/", {"version": case.version})
    assert accept["Location"].endswith("#receipt")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.accepted_at_counter
    assert case.accepted_by == people.clerk

    receipt = page(clerk.get(f"/workbench/counter/cases/{case.pk}/receipt/"))
    assert case.reference in receipt
    for words in (
        "受理回执",
        "营业执照（设立登记）",
        "食品经营许可（新办）",
        "南明区市场监督管理局",
        "贵阳市消防救援支队",
        "窗口当场办结",  # 一类
        "窗口登记，部门受理",  # 三类
        "2026年3月12日",  # promised: 8 working days from Monday 2 March
        "南明区政务服务中心",
        "首办责任人",
        "clerk",
    ):
        assert words in receipt, words


def test_the_window_decides_a_class_one_item_on_the_spot(people: People, clerk: Client) -> None:
    from onego.cases.services.acceptance import case_accept
    from tests.cases.factories import submit

    case = case_accept(actor=people.clerk, case_id=submit(people.clerk).case.pk, at_counter=True)
    licence = subcase(case, "business_licence")
    html = page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))
    assert "一类事项：当场办结" in html
    refused = clerk.post(
        f"/workbench/counter/subcases/{licence.pk}/decide/",
        {f"w{licence.pk}-decision": "reject", f"w{licence.pk}-opinion": ""},
    )
    assert refused.status_code == 400
    assert "不予许可必须说明理由" in page(refused)
    clerk.post(
        f"/workbench/counter/subcases/{licence.pk}/decide/",
        {f"w{licence.pk}-decision": "approve", f"w{licence.pk}-opinion": "材料齐全，准予登记"},
    )
    licence.refresh_from_db()
    assert licence.status == S.APPROVED
    assert subcase(case, "food_business_permit").status == S.PENDING  # released


def test_an_incomplete_submission_gets_a_printable_one_time_notice_tied_to_fields(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    case = start_restaurant(clerk)
    data = complete_form()
    data["f:premises.area"] = "五百"
    data["f:person.phone"] = "1381234"
    del data["m:food_safety_plan"]
    del data["m:floor_plan"]
    clerk.post(f"/workbench/counter/cases/{case.pk}/save/", data)
    case.refresh_from_db()
    assert case.status == CaseStatus.NEEDS_CORRECTION
    html = page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))
    # Every problem beside its field, and what was typed is still there.
    assert re.search(r'id="f-premises-area"[^>]*value="五百"', html) or 'value="五百"' in html
    assert re.search(r'id="f-premises-area"[^>]*aria-invalid="true"', html)
    assert 'id="err-f-premises-area"' in html
    assert 'id="err-f-person-phone"' in html
    assert 'id="err-f-material-food_safety_plan"' in html
    assert 'id="err-f-material-floor_plan"' in html
    assert 'value="南明区好味道餐饮有限公司"' in html
    notice = page(clerk.get(f"/workbench/counter/cases/{case.pk}/notices/1/"))
    assert "一次性告知书" in notice
    for words in (
        "经营场所建筑面积",
        "缺少材料“食品安全管理制度”",
        "缺少材料“经营场所平面图”",
        "南明区政务服务中心",
    ):
        assert words in notice, words
    assert notice.count("<li>") == 4
    # Corrected at the counter: pre-review passes and the notice is resolved.
    fixed = {"f:premises.area": "500", "f:person.phone": "13812345678", "version": case.version}
    fixed |= {"m:floor_plan": pdf("floor.pdf"), "m:food_safety_plan": pdf("plan.pdf")}
    clerk.post(f"/workbench/counter/cases/{case.pk}/save/", fixed)
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_REVIEWED


def test_refusing_acceptance_needs_a_reason_on_the_reason_field(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    case = start_restaurant(clerk)
    clerk.post(f"/workbench/counter/cases/{case.pk}/save/", complete_form())
    response = clerk.post(f"/workbench/counter/cases/{case.pk}/refuse/", {"reason": " "})
    assert response.status_code == 400
    assert re.search(r'id="id_reason"[^>]*aria-invalid="true"', page(response))
    clerk.post(f"/workbench/counter/cases/{case.pk}/refuse/", {"reason": "不属于本窗口受理范围"})
    case.refresh_from_db()
    assert case.status == CaseStatus.NOT_ACCEPTED


def test_a_clerk_of_another_region_cannot_open_the_case(
    people: People, registry_knows_zhang_san: None
) -> None:
    case = start_restaurant(signed_in(people.clerk))
    assert signed_in(people.bijie_clerk).get(f"/workbench/counter/cases/{case.pk}/").status_code == 404


def test_a_supplement_is_handed_in_at_the_counter(people: People, clerk: Client) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    subcase_claim(actor=people.officer, subcase_id=food.pk)
    subcase_request_supplement(
        actor=people.officer,
        subcase_id=food.pk,
        items=[
            SupplementItemIn("premises.area", "面积与平面图不符，请核实"),
            SupplementItemIn("material:floor_plan", "请提供带尺寸标注的平面图"),
        ],
    )
    html = page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))
    assert "窗口补正" in html
    assert "请提供带尺寸标注的平面图" in html
    partial = clerk.post(f"/workbench/counter/cases/{case.pk}/supplement/", {"s:premises.area": "480"})
    assert partial.status_code == 400
    assert "还有1项未补正" in page(partial)
    assert 'value="480"' in page(partial)  # typed value kept
    done = clerk.post(
        f"/workbench/counter/cases/{case.pk}/supplement/",
        {"s:premises.area": "480", "s:material:floor_plan": pdf("floor-v2.pdf")},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert subcase(case, "food_business_permit").status == S.CLAIMED
    assert Material.objects.get(case=case, code="floor_plan", replaced_at=None).filename == "floor-v2.pdf"


def test_a_value_the_clerk_changes_loses_its_verification_visibly(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    case = start_restaurant(clerk)
    run = prefilled(case, {"premises.area": 500})
    assert clerk.post(f"/workbench/counter/cases/{case.pk}/save/", complete_form()).status_code == 302
    case.refresh_from_db()
    assert case.verified == {"premises.area": f"prefill:{run.pk}"}
    assert "来自市场主体登记库" in page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))
    edited = {**complete_form(), "f:premises.area": "480", "version": case.version}
    assert clerk.post(f"/workbench/counter/cases/{case.pk}/save/", edited).status_code == 302
    case.refresh_from_db()
    assert case.verified == {}
    assert "已修改（原值来自市场主体登记库），不再作为核验数据" in page(
        clerk.get(f"/workbench/counter/cases/{case.pk}/")
    )


def test_a_scan_of_a_type_the_material_does_not_take_is_refused_beside_it_and_the_form_is_kept(
    clerk: Client, registry_knows_zhang_san: None
) -> None:
    case = start_restaurant(clerk)
    data = complete_form()
    data["m:floor_plan"] = pdf("floor.docx")
    response = clerk.post(f"/workbench/counter/cases/{case.pk}/save/", data)
    assert response.status_code == 400
    html = page(response)
    assert "只接受 pdf、jpg 格式的文件" in html
    assert 'value="南明区好味道餐饮有限公司"' in html
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_the_case_page_shows_a_consent_given_online_as_online(clerk: Client) -> None:
    from django.contrib.auth import get_user_model

    from onego.applications.consent import application_consent
    from tests.cases.factories import submit

    applicant = get_user_model().objects.create_user(username="zhangsan", password=None)
    case = submit(applicant, channel="web", draft=True, form_data={}, materials=[]).case
    application_consent(user=applicant, case_id=case.pk, agree=True)
    html = page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))
    assert "在网上授权" in html
    assert "在窗口当面授权" not in html
