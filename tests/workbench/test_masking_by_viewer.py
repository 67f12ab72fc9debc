"""Masking by viewer: the window clerk handling a case and official documents show the applicant's full
name; officers, leads and other regions' clerks see it masked; the ID number stays masked everywhere."""

from __future__ import annotations

from django.test import Client

from onego.cases.access import sees_applicant_in_full
from onego.cases.models import Case, OneTimeNotice
from onego.cases.selectors import applicant_shown, one_time_notice_html, one_time_notice_text
from tests.cases.factories import PERSON_ID, subcase, submit
from tests.workbench.conftest import People, accepted_case, page, signed_in


def test_the_counter_clerk_sees_the_name_in_full_and_the_id_number_masked(people: People) -> None:
    case = accepted_case(people)
    html = page(signed_in(people.clerk).get(f"/workbench/counter/cases/{case.pk}/"))
    assert "张三" in html
    assert PERSON_ID not in html


def test_an_officer_sees_the_applicant_masked(people: People) -> None:
    case = accepted_case(people)
    html = page(
        signed_in(people.officer).get(f"/workbench/subcases/{subcase(case, 'food_business_permit').pk}/")
    )
    assert "张*" in html
    assert "张三" not in html
    assert PERSON_ID not in html


def test_who_is_entitled_to_the_full_name(people: People) -> None:
    case = accepted_case(people)
    assert sees_applicant_in_full(people.clerk, case)
    for other in (people.officer, people.lead, people.fire, people.bijie_clerk):
        assert not sees_applicant_in_full(other, case), other.username


def test_the_receipt_and_the_one_time_notice_carry_the_full_name(people: People) -> None:
    case = accepted_case(people)
    receipt = page(signed_in(people.clerk).get(f"/workbench/counter/cases/{case.pk}/receipt/"))
    assert "张三" in receipt
    assert "张*" not in receipt
    assert PERSON_ID not in receipt

    incomplete = submit(people.clerk, key="submit-key-0002", materials=[]).case
    notice = OneTimeNotice.objects.get(case=incomplete)
    for text in (
        one_time_notice_html(notice),
        one_time_notice_text(notice),
        page(
            signed_in(people.clerk).get(f"/workbench/counter/cases/{incomplete.pk}/notices/{notice.number}/")
        ),
    ):
        assert "张三" in text
        assert "张*" not in text
        assert PERSON_ID not in text


def test_applicant_shown_masks_unless_entitled(people: People) -> None:
    case = Case.objects.get(pk=submit(people.clerk).case.pk)
    assert applicant_shown(case, full=False).name == "张*"
    assert applicant_shown(case, full=True).name == "张三"
    assert PERSON_ID not in applicant_shown(case, full=True).identifier_masked


def test_another_regions_clerk_cannot_open_the_case_at_all(people: People) -> None:
    case = accepted_case(people)
    response: Client = signed_in(people.bijie_clerk).get(f"/workbench/counter/cases/{case.pk}/")
    assert "张三" not in page(response)
