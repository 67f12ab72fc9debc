"""The guided path: questions one at a time, consent and prefill, the merged form, uploads, review, submit."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onego.applications.models import ApplicationDraft, DraftUpload
from onego.cases.models import Case, Material
from onego.cases.workflow import CaseStatus
from onego.core import clock
from onego.exchange.models import Consent, PrefillRun
from tests.cases.factories import import_cases_catalog
from tests.exchange.factories import restaurant_contract
from tests.portal.applicants import (
    RESTAURANT_FORM,
    Person,
    answer_all,
    contact,
    pdf,
    person,
    sign_in,
    start,
    to_form,
    to_review,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


@pytest.fixture
def restaurant(db: None, tmp_path: Path) -> None:
    import_cases_catalog(tmp_path)
    restaurant_contract()


@pytest.fixture
def applicant(restaurant: None) -> Person:
    return person("王小红")


@pytest.fixture
def signed_in(client: Client, applicant: Person) -> Client:
    sign_in(client, applicant)
    return client


def text(response: Any) -> str:
    return str(response.content.decode())


def test_the_guide_offers_to_start_and_starting_asks_to_sign_in(client: Client, restaurant: None) -> None:
    guide = text(client.get("/packages/open-restaurant/?region=520102"))
    assert 'href="/packages/open-restaurant/apply/?region=520102"' in guide
    response = client.get("/packages/open-restaurant/apply/?region=520102")
    assert response["Location"] == "/login/?next=%2Fpackages%2Fopen-restaurant%2Fapply%2F%3Fregion%3D520102"


def test_questions_come_one_at_a_time_and_answers_are_kept_going_back(signed_in: Client) -> None:
    base = start(signed_in)
    assert signed_in.get(base)["Location"] == f"{base}questions/1/"
    first = text(signed_in.get(f"{base}questions/1/"))
    assert "是否已取得营业执照" in first
    assert "经营场所建筑面积" not in first
    assert "问题 1 / 2" in first
    response = signed_in.post(f"{base}questions/1/", {"answer": "true"})
    assert response["Location"] == f"{base}questions/2/"
    back = text(signed_in.get(f"{base}questions/1/"))
    assert re.search(r'id="answer-true"[^>]*value="true" checked', back)
    assert ApplicationDraft.objects.get().answers == {"has_licence": True}


def test_a_wrong_answer_is_explained_beside_the_question_and_kept(signed_in: Client) -> None:
    base = start(signed_in)
    answer_all(signed_in, base, ["true"])
    response = signed_in.post(f"{base}questions/2/", {"answer": "一百"})
    html = text(response)
    assert response.status_code == 400
    assert "请填写数字：经营场所建筑面积（平方米）" in html
    assert 'value="一百"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="q-count err-answer"' in html


def test_contact_details_are_checked_and_prefilled_with_the_registered_phone(
    signed_in: Client, applicant: Person
) -> None:
    base = start(signed_in)
    answer_all(signed_in, base, ["true", "100"])
    assert f'value="{applicant.phone}"' in text(signed_in.get(f"{base}contact/"))
    response = signed_in.post(
        f"{base}contact/", {"phone": "1234", "email": "x@", "delivery_method": "electronic"}
    )
    html = text(response)
    assert "手机号码应为以1开头的11位数字" in html
    assert "不是有效的电子邮箱地址" in html
    assert 'value="x@"' in html


def test_the_consent_preview_names_registries_elements_and_contracts(signed_in: Client) -> None:
    base = start(signed_in)
    answer_all(signed_in, base, ["true", "100"])
    contact(signed_in, base)
    html = text(signed_in.get(f"{base}consent/"))
    assert "办理「开办餐饮店」" in html
    assert "从“人口库”获取" in html
    assert "“开办餐饮店”数据共享协议（第 1 版）" in html
    assert "pkg.open-restaurant@v1" not in html
    assert "公民身份号码" in html
    assert "同意并一键填表" in html
    assert "不同意，自行填写" in html
    # The draft case exists now: the consent will be bound to its UUID.
    draft = ApplicationDraft.objects.get()
    assert draft.case is not None
    assert draft.case.status == CaseStatus.DRAFT


def test_agreeing_fills_the_form_once_with_sources_and_registry_values_stay_read_only(
    signed_in: Client, applicant: Person
) -> None:
    base = to_form(signed_in)
    draft = ApplicationDraft.objects.get()
    consent = Consent.objects.get()
    assert consent.case_ref == draft.case_id
    assert PrefillRun.objects.filter(case_ref=draft.case_id).count() == 1
    html = text(signed_in.get(f"{base}form/"))
    assert "来自人口库" in html
    assert applicant.name in html  # the name is shown in full to its owner
    assert applicant.id_number not in html  # the number is masked even for its owner
    assert 'name="person.name"' not in html  # no input for a registry value
    assert 'name="enterprise.name"' in html
    # A value posted for a read-only field is ignored.
    signed_in.post(f"{base}form/", {**RESTAURANT_FORM, "person.name": "别人", "action": "save"})
    signed_in.post(f"{base}materials/food_safety_plan/upload/", {"file": pdf()})
    signed_in.post(f"{base}materials/floor_plan/upload/", {"file": pdf()})
    signed_in.post(f"{base}review/")
    case = Case.objects.get()
    from onego.cases.formdata import form_values

    assert form_values(case)["person.name"] == applicant.name
    assert case.verified["person.id_number"].startswith("prefill:")


def test_fields_no_registry_holds_are_said_once_and_contracts_in_words(signed_in: Client) -> None:
    base = to_form(signed_in)
    draft = ApplicationDraft.objects.get()
    reasons = [r for r in draft.manual.values() if r == "无共享数据源，请自行填写"]
    assert len(reasons) >= 3  # several fields no registry holds (enterprise name, premises …)
    html = text(signed_in.get(f"{base}form/"))
    assert html.count("无共享数据源，请自行填写") == 1  # once, above the form, not under every field
    assert f"{len(reasons)} 项信息：无共享数据源，请自行填写" in html
    assert "依据 “开办餐饮店”数据共享协议（第 1 版）" in html
    assert "@v1" not in html


def test_declining_leaves_every_field_to_the_applicant(signed_in: Client) -> None:
    base = to_form(signed_in, agree=False)
    html = text(signed_in.get(f"{base}form/"))
    assert 'name="person.name"' in html
    assert 'name="person.id_number"' in html
    assert "您选择了不授权共享，请自行填写" in html
    assert not PrefillRun.objects.exists()
    assert Consent.objects.get().decision == "declined"


def test_form_errors_are_tied_to_their_fields_and_nothing_typed_is_lost(signed_in: Client) -> None:
    base = to_form(signed_in)
    typed = {
        **RESTAURANT_FORM,
        "premises.area": "很大",
        "enterprise.uscc": "91520102XXXXXXXXXX",
        "action": "next",
    }
    response = signed_in.post(f"{base}form/", typed)
    html = text(response)
    assert response.status_code == 400
    assert "“经营场所建筑面积”应为数字" in html
    assert "“统一社会信用代码”：" in html
    assert 'href="#f-premises__area"' in html  # the summary links to the field
    assert re.search(r'id="f-premises__area"[^>]*value="很大"', html)
    tag = re.search(r'<input id="f-premises__area"[^>]*>', html)
    assert tag is not None
    assert re.search(r'aria-describedby="[^"]*\bstatus-premises__area"', tag.group(0))
    assert 'aria-invalid="true"' in tag.group(0)
    assert 'id="status-premises__area"' in html
    assert f'value="{RESTAURANT_FORM["enterprise.name"]}"' in html
    # And it is in the draft: leaving now and coming back shows the same.
    again = text(signed_in.get(f"{base}form/"))
    assert re.search(r'id="f-premises__area"[^>]*value="很大"', again)


def test_one_field_is_saved_and_checked_as_it_changes(signed_in: Client) -> None:
    base = to_form(signed_in)
    response = signed_in.post(
        f"{base}form/field/", {"element": "premises.area", "premises.area": "abc"}, HTTP_HX_REQUEST="true"
    )
    html = text(response)
    assert '<p class="field-status" id="status-premises__area"' in html
    assert "应为数字" in html
    assert "<html" not in html
    ok = text(signed_in.post(f"{base}form/field/", {"element": "premises.area", "premises.area": "88"}))
    assert "已保存" in ok


def test_uploads_check_type_size_and_content(signed_in: Client) -> None:
    base = to_form(signed_in)
    signed_in.post(f"{base}form/", {**RESTAURANT_FORM, "action": "next"})
    page = text(signed_in.get(f"{base}materials/"))
    assert "居民身份证" in page
    assert "已共享核验" in page
    assert 'accept=".pdf,.jpg"' in page  # floor_plan's file types from the catalog
    wrong = signed_in.post(
        f"{base}materials/floor_plan/upload/", {"file": SimpleUploadedFile("plan.docx", b"PK\x03\x04")}
    )
    assert wrong.status_code == 400
    assert "“经营场所平面图”只接受 pdf、jpg 格式的文件，您选择的是 docx" in text(wrong)
    assert 'id="err-floor_plan"' in text(wrong)
    fake = signed_in.post(
        f"{base}materials/floor_plan/upload/", {"file": SimpleUploadedFile("plan.pdf", b"hello")}
    )
    assert "文件内容不是 pdf 格式" in text(fake)
    empty = signed_in.post(
        f"{base}materials/floor_plan/upload/", {"file": SimpleUploadedFile("plan.pdf", b"")}
    )
    assert "文件是空的" in text(empty)
    not_asked = signed_in.post(f"{base}materials/resident_id_card/upload/", {"file": pdf()})
    assert "本申请不需要上传该材料" in text(not_asked)
    assert signed_in.post(f"{base}materials/floor_plan/upload/", {"file": pdf("a.pdf")}).status_code == 302
    assert signed_in.post(f"{base}materials/floor_plan/upload/", {"file": pdf("b.pdf")}).status_code == 302
    [upload] = DraftUpload.objects.all()
    assert upload.filename == "b.pdf"  # each material once: a new file replaces the old


def test_a_large_upload_is_refused_with_the_limit(signed_in: Client, settings: Any) -> None:
    from onego.applications import drafts

    base = to_form(signed_in)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (drafts.MAX_UPLOAD_BYTES + 1))
    response = signed_in.post(f"{base}materials/floor_plan/upload/", {"file": big})
    assert "超过 10 MB" in text(response)


def test_a_draft_is_resumed_from_my_cases_where_it_was_left(signed_in: Client, applicant: Person) -> None:
    base = to_form(signed_in)
    signed_in.post(f"{base}form/", {**RESTAURANT_FORM, "action": "save"})
    signed_in.post("/logout/")
    with time_machine.travel(clock.now() + dt.timedelta(minutes=2)):
        sign_in(signed_in, applicant)
    page = text(signed_in.get("/me/cases/"))
    assert "未完成的申请" in page
    assert f'href="{base}"' in page
    assert signed_in.get(base)["Location"] == f"{base}materials/"
    # Starting the same package again picks up the same draft.
    assert start(signed_in) == base


def test_changing_an_answer_after_consent_makes_a_new_application_and_keeps_what_was_typed(
    signed_in: Client,
) -> None:
    base = to_form(signed_in)
    signed_in.post(f"{base}form/", {**RESTAURANT_FORM, "action": "save"})
    first_case = ApplicationDraft.objects.get().case
    assert first_case is not None
    signed_in.post(f"{base}questions/2/", {"answer": "500"})
    first_case.refresh_from_db()
    assert first_case.status == CaseStatus.WITHDRAWN
    draft = ApplicationDraft.objects.get()
    assert draft.case is None
    assert draft.generation == 2
    assert signed_in.get(base)["Location"] == f"{base}consent/"
    signed_in.post(f"{base}consent/", {"decision": "agree"})
    html = text(signed_in.get(f"{base}form/"))
    assert f'value="{RESTAURANT_FORM["enterprise.name"]}"' in html
    assert "来自人口库" in html
    # The withdrawn attempt is not listed as a case.
    assert first_case.reference not in text(signed_in.get("/me/cases/"))


def test_review_lists_what_is_missing_with_links_to_fix_it(signed_in: Client) -> None:
    base = to_form(signed_in)
    html = text(signed_in.get(f"{base}review/"))
    assert "提交前还有" in html
    assert f'href="{base}form/#f-enterprise__name"' in html
    assert f'href="{base}materials/#m-floor_plan"' in html
    response = signed_in.post(f"{base}review/")
    assert response.status_code == 400
    assert not Case.objects.exclude(status=CaseStatus.DRAFT).exists()


def test_submitting_twice_creates_exactly_one_case(signed_in: Client) -> None:
    base = to_review(signed_in)
    first = signed_in.post(f"{base}review/")
    second = signed_in.post(f"{base}review/")
    case = Case.objects.get()
    # Both land on the one case's confirmation page (what happens next).
    assert first["Location"] == second["Location"] == f"/me/cases/{case.pk}/submitted/"
    assert case.channel == "web"
    assert case.status == CaseStatus.PRE_REVIEWED
    assert case.idempotency_key == ApplicationDraft.objects.get().idempotency_key
    assert sorted(Material.objects.filter(case=case).values_list("code", flat=True)) == [
        "business_licence",
        "floor_plan",
        "food_safety_plan",
        "resident_id_card",
    ]
    assert not DraftUpload.objects.exists()


def test_someone_elses_draft_is_not_found(signed_in: Client, applicant: Person) -> None:
    base = to_form(signed_in)
    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    for path in ("", "form/", "consent/", "review/", "materials/"):
        assert other.get(f"{base}{path}").status_code == 404
    assert other.post(f"{base}review/").status_code == 404
    assert other.get("/apply/not-a-uuid/").status_code == 404


def test_the_path_is_in_english_when_asked(signed_in: Client) -> None:
    base = start(signed_in)
    signed_in.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = text(signed_in.get(f"{base}questions/1/"))
    assert "Next" in html
    assert "Question 1 / 2" in html


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_draft_make_one_case(signed_in: Client) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection, connections

    from onego.applications.drafts import draft_submit
    from onego.portal.applicant import signed_in_applicant

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set ONEGO_DATABASE_URL=postgres://...)")
    base = to_review(signed_in)
    draft = ApplicationDraft.objects.get()
    request = type("R", (), {"user": draft.user, "session": signed_in.session})()
    who = signed_in_applicant(request)  # type: ignore[arg-type]
    assert who is not None
    barrier = Barrier(2)

    def submit_once() -> Any:
        try:
            barrier.wait()
            return draft_submit(user=draft.user, signed_in=who, draft_id=draft.pk).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: submit_once(), range(2)))
    assert results[0] == results[1]
    assert Case.objects.count() == 1
    assert base


def test_changing_a_registry_value_drops_its_verification_visibly(
    signed_in: Client, applicant: Person
) -> None:
    base = to_form(signed_in)
    html = text(signed_in.get(f"{base}form/"))
    assert 'value="edit:person.name"' in html
    signed_in.post(f"{base}form/", {**RESTAURANT_FORM, "action": "edit:person.name"})
    html = text(signed_in.get(f"{base}form/"))
    assert 'name="person.name"' in html  # the applicant's to type now
    assert "原值来自人口库；您修改后，该项不再作为共享核验的数据" in html
    signed_in.post(f"{base}form/", {**RESTAURANT_FORM, "person.name": "王小虹", "action": "save"})
    signed_in.post(f"{base}materials/food_safety_plan/upload/", {"file": pdf()})
    signed_in.post(f"{base}materials/floor_plan/upload/", {"file": pdf()})
    signed_in.post(f"{base}review/")
    case = Case.objects.get()
    assert "person.name" not in case.verified  # the stored provenance dropped it too
    assert case.verified["person.id_number"].startswith("prefill:")


def test_a_forged_verification_posted_with_the_form_is_ignored(signed_in: Client) -> None:
    base = to_form(signed_in)
    forged = {
        **RESTAURANT_FORM,
        "enterprise.name": "别的公司",
        "verified": "enterprise.name",
        "action": "save",
    }
    signed_in.post(f"{base}form/", forged)
    signed_in.post(f"{base}materials/food_safety_plan/upload/", {"file": pdf()})
    signed_in.post(f"{base}materials/floor_plan/upload/", {"file": pdf()})
    signed_in.post(f"{base}review/")
    assert "enterprise.name" not in Case.objects.get().verified
