"""我的办件: the list, one case with its timeline and handlers, supplements answered in place, the
conclusion with every opinion, and who read my data. Cases are reached only as the applicant's own."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onego.accounts.models import Role
from onego.cases.models import Case, Material, SubCase
from onego.cases.services.acceptance import case_accept
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.decisions import subcase_approve, subcase_claim
from onego.cases.services.supplements import SupplementItemIn, subcase_request_supplement
from onego.cases.workflow import CaseStatus
from onego.core import clock
from onego.ledger.sequencer import ledger_sequence
from tests.cases.factories import hold_inspection, import_cases_catalog, make_staff, run_tasks, submit
from tests.exchange.factories import restaurant_contract
from tests.portal.applicants import Person, person, sign_in, to_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


class Staff:
    def __init__(self) -> None:
        self.clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
        self.officer = make_staff("officer", "nm-scjg", Role.OFFICER)
        self.lead = make_staff("lead", "nm-scjg", Role.LEAD_OFFICER)


@pytest.fixture
def staff(db: None, tmp_path: Path) -> Staff:
    import_cases_catalog(tmp_path)
    restaurant_contract()
    return Staff()


@pytest.fixture
def applicant(staff: Staff) -> Person:
    return person("王小红")


@pytest.fixture
def signed_in(client: Client, applicant: Person) -> Client:
    sign_in(client, applicant)
    return client


@pytest.fixture
def case(signed_in: Client, staff: Staff) -> Case:
    """Submitted through the guided path and accepted by the window clerk."""
    base = to_review(signed_in)
    signed_in.post(f"{base}review/")
    return case_accept(actor=staff.clerk, case_id=Case.objects.get().pk)


def text(response: Any) -> str:
    return str(response.content.decode())


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def item(case: Case, code: str) -> SubCase:
    return SubCase.objects.get(case=case, code=code)


def test_my_cases_lists_each_case_with_status_and_deadline(signed_in: Client, case: Case) -> None:
    html = text(signed_in.get("/me/cases/"))
    assert case.reference in html
    assert "开办餐饮店" in html
    assert "办理中" in html
    assert case.promised_due is not None
    assert case.promised_due.isoformat() in html
    assert 'class="deadline green"' in html or 'class="deadline yellow"' in html


def test_the_case_page_shows_the_timeline_and_who_is_handling_it(
    signed_in: Client, case: Case, staff: Staff
) -> None:
    subcase_claim(actor=staff.officer, subcase_id=item(case, "food_business_permit").pk)
    html = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "谁在办理" in html
    assert "南明区市场监督管理局" in html
    assert "officer" in html  # the assignee of the claimed item
    assert "办理过程" in html
    steps = html[html.index('id="tl-h"') :]
    for words in (
        "您提交了申请",
        "系统预审通过：材料齐全，等待窗口受理",
        "综合窗口已受理，各部门开始并联审批",
    ):
        assert words in steps, words
    # Internal rows (distribution, waiting on a prerequisite, claims, raw status moves) are for staff only.
    for words in ("分发", "等待前置事项", "认领", "草稿 → 已提交，待预审", "创建申请"):
        assert words not in steps, words
    assert "首办责任人" in html


def test_another_applicants_case_is_not_found_like_a_missing_one(case: Case, staff: Staff) -> None:
    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    mine = other.get(f"/me/cases/{case.pk}/")
    missing = other.get("/me/cases/7d1d3c4e-0000-4000-8000-000000000000/")
    garbage = other.get("/me/cases/garbage/")
    assert mine.status_code == missing.status_code == garbage.status_code == 404
    # The same words: only the address (in the header's forms) and the CSRF tokens differ.
    assert main_of(text(mine)) == main_of(text(missing))
    assert other.post(f"/me/cases/{case.pk}/supplement/", {}).status_code == 404


def test_a_counter_case_of_the_same_person_is_listed_too(
    signed_in: Client, applicant: Person, staff: Staff
) -> None:
    from onego.cases.services.submission import ApplicantIn

    counter = submit(
        staff.clerk,
        applicant=ApplicantIn(kind="person", identifier=applicant.id_number, name=applicant.name),
        key="counter-0001",
    ).case
    assert counter.reference in text(signed_in.get("/me/cases/"))
    assert signed_in.get(f"/me/cases/{counter.pk}/").status_code == 200


def test_a_supplement_request_is_answered_in_place(signed_in: Client, case: Case, staff: Staff) -> None:
    permit = item(case, "food_business_permit")
    subcase_claim(actor=staff.officer, subcase_id=permit.pk)
    subcase_request_supplement(
        actor=staff.officer,
        subcase_id=permit.pk,
        items=[
            SupplementItemIn("premises.area", "面积与平面图不一致，请核实"),
            SupplementItemIn("material:floor_plan", "请上传标明尺寸的平面图"),
        ],
    )
    page = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "需要您补正" in page
    assert "面积与平面图不一致，请核实" in page
    assert 'name="premises.area" value="100"' in page  # the value given before, ready to correct
    assert 'name="material:floor_plan"' in page

    wrong = signed_in.post(f"/me/cases/{case.pk}/supplement/", {"premises.area": "约一百"})
    html = text(wrong)
    assert wrong.status_code == 400
    assert "“经营场所建筑面积”应为数字" in html
    assert "缺少材料“经营场所平面图”" in html
    assert 'value="约一百"' in html  # nothing typed is lost
    assert 'aria-describedby="s-premises__area-why s-premises__area-err"' in html

    plan = SimpleUploadedFile("plan-v2.pdf", b"%PDF-1.4 dimensions", content_type="application/pdf")
    done = signed_in.post(
        f"/me/cases/{case.pk}/supplement/", {"premises.area": "96", "material:floor_plan": plan}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert Material.objects.get(case=case, code="floor_plan", replaced_at=None).filename == "plan-v2.pdf"
    after = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "需要您补正" not in after
    assert "已补正" in after


def test_the_conclusion_is_shown_with_every_opinion(signed_in: Client, case: Case, staff: Staff) -> None:
    for code in ("food_business_permit", "quick_filing"):
        sc = item(case, code)
        subcase_claim(actor=staff.officer, subcase_id=sc.pk)
        if sc.site_inspection:
            hold_inspection(case, {"nm-scjg": staff.officer})
        subcase_approve(actor=staff.officer, subcase_id=sc.pk, opinion=f"{sc.name}：符合条件，准予")
    case_issue_conclusion(actor=staff.lead, case_id=case.pk, summary="准予开办")
    html = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert "办理结果" in html
    assert "准予开办" in html
    assert "食品经营许可（新办）：符合条件，准予" in html
    assert "经营备案（秒批）：符合条件，准予" in html
    assert "已办结" in html
    assert "正在生成结论文书" in html  # the results task has not run yet

    run_tasks()
    html = text(signed_in.get(f"/me/cases/{case.pk}/"))
    assert f'href="/documents/{case.pk}/conclusion.pdf"' in html
    pdf = signed_in.get(f"/documents/{case.pk}/conclusion.pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    verify = re.search(r'href="(/verify/[^"]+)"', html)
    assert verify is not None
    assert "有效" in text(Client().get(verify.group(1)))


def test_who_read_my_data_lists_each_read_with_its_ledger_proof(signed_in: Client, case: Case) -> None:
    html = text(signed_in.get("/me/data-reads/"))
    assert "您本人（授权后一键填表）" in html
    assert "人口库" in html
    assert "公民身份号码" in html
    assert "办理「开办餐饮店」" in html
    assert "“开办餐饮店”数据共享协议（第 1 版）" in html  # the contract in words
    assert "pkg.open-restaurant@v1" not in html  # never its raw code
    assert f'href="/me/cases/{case.pk}/">{case.reference}' in html
    assert "待入树" in html  # recorded pending; the sequencer gives each read its index
    ledger_sequence()
    html = text(signed_in.get("/me/data-reads/"))
    index = re.search(r'href="/api/v1/ledger/entries/(\d+)/proof"', html)
    assert index is not None
    proof = Client().get(f"/api/v1/ledger/entries/{index.group(1)}/proof")
    assert proof.status_code == 200
    assert proof.json()["entry"]["index"] == int(index.group(1))


def test_the_session_ends_after_two_idle_hours(signed_in: Client, case: Case) -> None:
    with time_machine.travel(clock.now() + dt.timedelta(hours=2, minutes=1)):
        assert signed_in.get("/me/cases/")["Location"].startswith("/login/")


def counter_case_in_supplement(applicant: Person, staff: Staff, key: str = "counter-0002") -> Case:
    """Filed and accepted at the window for the applicant (no online user), then a supplement asked."""
    from onego.cases.services.submission import ApplicantIn

    counter = submit(
        staff.clerk,
        applicant=ApplicantIn(kind="person", identifier=applicant.id_number, name=applicant.name),
        key=key,
    ).case
    counter = case_accept(actor=staff.clerk, case_id=counter.pk, at_counter=True)
    assert (counter.channel, counter.applicant_user_id) == ("counter", None)
    permit = item(counter, "business_licence")  # a sole approver asks straight from the inbox
    subcase_request_supplement(
        actor=staff.officer, subcase_id=permit.pk, items=[SupplementItemIn("premises.area", "请核实面积")]
    )
    counter.refresh_from_db()
    assert counter.status == CaseStatus.SUPPLEMENT
    return counter


def test_a_counter_case_supplement_is_answered_online_in_place(
    signed_in: Client, applicant: Person, staff: Staff
) -> None:
    counter = counter_case_in_supplement(applicant, staff)
    html = text(signed_in.get(f"/me/cases/{counter.pk}/"))
    assert "请核实面积" in html
    assert 'name="premises.area"' in html  # answered in place, exactly as a web case
    assert "请携带以上材料到任一综合窗口补正" not in html

    wrong = signed_in.post(f"/me/cases/{counter.pk}/supplement/", {"premises.area": "约五百"})
    assert wrong.status_code == 400
    counter.refresh_from_db()
    assert counter.applicant_user_id is None  # a refused answer links nothing

    done = signed_in.post(f"/me/cases/{counter.pk}/supplement/", {"premises.area": "480"})
    assert done.status_code == 302, text(done)[:2000]
    counter.refresh_from_db()
    assert counter.status == CaseStatus.IN_PROGRESS
    assert counter.applicant_user is not None
    assert counter.applicant_user.username.startswith("applicant-")  # the signed-in applicant's user
    linked = counter.transitions.filter(action="link_online").get()  # the link is on the timeline
    assert linked.actor_id == counter.applicant_user_id
    permit = item(counter, "business_licence")
    assert permit.status != "supplement"  # the item's clock runs again
    after = text(signed_in.get(f"/me/cases/{counter.pk}/"))
    assert "需要您补正" not in after
    assert "已补正" in after
    assert counter.reference in text(signed_in.get("/me/cases/"))


def test_a_counter_case_of_another_person_cannot_be_answered(applicant: Person, staff: Staff) -> None:
    counter = counter_case_in_supplement(applicant, staff)
    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    assert other.get(f"/me/cases/{counter.pk}/").status_code == 404
    assert other.post(f"/me/cases/{counter.pk}/supplement/", {"premises.area": "480"}).status_code == 404
    counter.refresh_from_db()
    assert (counter.status, counter.applicant_user_id) == (CaseStatus.SUPPLEMENT, None)


def test_the_clerks_identity_look_up_is_listed_in_who_read_my_data(
    signed_in: Client, applicant: Person, staff: Staff
) -> None:
    clerk = Client()
    clerk.force_login(staff.clerk)
    assert (
        clerk.post("/workbench/counter/", {"kind": "person", "key": applicant.id_number}).status_code == 302
    )
    html = text(signed_in.get("/me/data-reads/"))
    assert "窗口受理：核对申请人身份" in html
    assert "工作人员（账号 clerk）" in html
    assert "南明区政务服务中心" in html
    assert applicant.id_number not in html
