"""The lead department: cases ready for conclusion, the conclusion page with every opinion, issuing it."""

from __future__ import annotations

import re

import pytest

from onego.cases.models import Case, Conclusion
from onego.cases.services.acceptance import subcase_accept_registered
from onego.cases.services.decisions import subcase_approve, subcase_claim, subcase_reject
from onego.cases.workflow import CaseStatus
from tests.cases.factories import run_tasks, subcase
from tests.workbench.conftest import People, accepted_case, page, signed_in
from tests.workbench.test_inbox import inspect

pytestmark = pytest.mark.django_db


def decided(people: People) -> Case:
    """Every item decided: the window approved the licence, the market officer the permit (after the
    inspection) and rejected the filing, the fire officer approved the inspection."""
    case = accepted_case(people)
    food, filing, fire = (
        subcase(case, c) for c in ("food_business_permit", "quick_filing", "fire_safety_inspection")
    )
    subcase_claim(actor=people.officer, subcase_id=food.pk)
    inspect(people.officer, food)
    subcase_approve(actor=people.officer, subcase_id=food.pk, opinion="经现场核查，准予许可")
    subcase_claim(actor=people.officer, subcase_id=filing.pk)
    subcase_reject(actor=people.officer, subcase_id=filing.pk, opinion="经营范围不符合备案条件")
    subcase_accept_registered(actor=people.fire, subcase_id=fire.pk)
    subcase_claim(actor=people.fire, subcase_id=fire.pk)
    subcase_approve(actor=people.fire, subcase_id=fire.pk, opinion="消防设施符合要求")
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_TO_CONCLUDE
    return case


def test_the_lead_list_shows_cases_ready_for_conclusion_and_those_in_progress(people: People) -> None:
    running = accepted_case(people, key="submit-key-running")
    ready = decided(people)
    html = page(signed_in(people.lead).get("/workbench/lead/"))
    ready_part, running_part = html.split('id="running-h"')
    assert ready.reference in ready_part
    assert running.reference not in ready_part
    assert running.reference in running_part
    assert "已决定 1 / 4 项" in running_part


def test_the_conclusion_page_shows_every_opinion_and_issues_with_the_delivery_chosen(people: People) -> None:
    case = decided(people)
    lead = signed_in(people.lead)
    html = page(lead.get(f"/workbench/lead/cases/{case.pk}/"))
    for words in (
        "准予登记",
        "经现场核查，准予许可",
        "经营范围不符合备案条件",
        "消防设施符合要求",
        "部分准予",
    ):
        assert words in html, words
    assert 'value="pickup" checked' in html or re.search(r'value="electronic"[^>]*checked', html)
    response = lead.post(
        f"/workbench/lead/cases/{case.pk}/",
        {
            "summary": "准予营业执照、食品经营许可和消防检查；备案不予",
            "delivery_method": "post",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    conclusion = Conclusion.objects.get(case=case)
    assert conclusion.issued_by == people.lead
    assert conclusion.delivery_method == "post"
    assert conclusion.summary == "准予营业执照、食品经营许可和消防检查；备案不予"
    html = page(lead.get(f"/workbench/lead/cases/{case.pk}/"))
    assert "已出具结论" in html
    assert "邮政寄递" in html
    # A second issue from a stale page is a clear conflict, not a crash.
    again = lead.post(f"/workbench/lead/cases/{case.pk}/", {"delivery_method": "post"})
    assert again.status_code == 409
    assert "该办件已出具结论，不能重复出具" in page(again)


def test_the_delivery_method_is_required_and_shown_on_its_field(people: People) -> None:
    case = decided(people)
    response = signed_in(people.lead).post(f"/workbench/lead/cases/{case.pk}/", {"summary": "x"})
    assert response.status_code == 400
    assert re.search(
        r'<fieldset class="field has-error"[^>]*aria-describedby="err-id_delivery_method"', page(response)
    )


def test_an_officer_who_is_not_a_lead_officer_cannot_issue(people: People) -> None:
    case = decided(people)
    assert signed_in(people.officer).get(f"/workbench/lead/cases/{case.pk}/").status_code == 403
    assert (
        signed_in(people.officer)
        .post(f"/workbench/lead/cases/{case.pk}/", {"delivery_method": "post"})
        .status_code
        == 403
    )
    assert not Conclusion.objects.filter(case=case, issued_at__isnull=False).exists()


def test_results_are_delivered_by_post_with_a_tracking_number(people: People) -> None:
    case = decided(people)
    lead = signed_in(people.lead)
    lead.post(f"/workbench/lead/cases/{case.pk}/", {"delivery_method": "post", "version": case.version})
    html = page(lead.get(f"/workbench/lead/cases/{case.pk}/"))
    assert "正在生成" in html  # the results task has not run yet
    run_tasks()
    html = page(lead.get(f"/workbench/lead/cases/{case.pk}/"))
    assert f"/workbench/lead/cases/{case.pk}/conclusion.pdf" in html
    document = lead.get(f"/workbench/lead/cases/{case.pk}/conclusion.pdf")
    assert b"".join(document.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    no_number = lead.post(
        f"/workbench/lead/cases/{case.pk}/deliver/",
        {"deliver-method": "post", "deliver-address": "贵阳市南明区花果园大街8号"},
    )
    assert no_number.status_code == 400
    assert re.search(r'id="id_deliver-tracking_number"[^>]*aria-invalid="true"', page(no_number))
    assert 'value="贵阳市南明区花果园大街8号"' in page(no_number)  # kept
    lead.post(
        f"/workbench/lead/cases/{case.pk}/deliver/",
        {
            "deliver-method": "post",
            "deliver-address": "贵阳市南明区花果园大街8号",
            "deliver-tracking_number": "SF1234567890",
        },
    )
    conclusion = Conclusion.objects.get(case=case)
    assert conclusion.tracking_number == "SF1234567890"
    assert conclusion.delivered_at is not None
    html = page(lead.get(f"/workbench/lead/cases/{case.pk}/"))
    assert "SF1234567890" in html
    again = lead.post(f"/workbench/lead/cases/{case.pk}/deliver/", {"deliver-method": "pickup"})
    assert again.status_code == 409
    assert "不能重复送达" in page(again)


def test_the_window_records_a_pickup(people: People) -> None:
    case = decided(people)
    signed_in(people.lead).post(f"/workbench/lead/cases/{case.pk}/", {"delivery_method": "pickup"})
    run_tasks()
    clerk = signed_in(people.clerk)
    assert "登记送达" in page(clerk.get(f"/workbench/counter/cases/{case.pk}/"))
    clerk.post(f"/workbench/counter/cases/{case.pk}/deliver/", {"deliver-method": "pickup"})
    conclusion = Conclusion.objects.get(case=case)
    assert (conclusion.delivery_method, conclusion.delivered_at is not None) == ("pickup", True)
    assert clerk.get(f"/workbench/counter/cases/{case.pk}/conclusion.pdf").status_code == 200
