"""Who sees what in the workbench: sign-in, sections by role, departments kept apart."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client

from onego.cases.models import Material
from tests.cases.factories import subcase
from tests.workbench.conftest import People, accepted_case, page, signed_in

pytestmark = pytest.mark.django_db


def test_the_workbench_asks_anonymous_visitors_to_sign_in(client: Client) -> None:
    for url in ("/workbench/", "/workbench/counter/", "/workbench/inbox/", "/workbench/lead/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/workbench/login/?next=")


def test_staff_sign_in_with_the_login_page_and_land_on_their_dashboard(
    people: People, client: Client
) -> None:
    people.officer.set_password("a-long-test-password")
    people.officer.save()
    form = page(client.get("/workbench/login/?next=/workbench/inbox/"))
    assert 'autocomplete="current-password"' in form
    wrong = client.post("/workbench/login/", {"username": "officer", "password": "wrong"})
    assert wrong.status_code == 200
    assert "error-summary" in page(wrong)
    response = client.post(
        "/workbench/login/",
        {"username": "officer", "password": "a-long-test-password", "next": "/workbench/inbox/"},
    )
    assert response["Location"] == "/workbench/inbox/"
    assert client.post("/workbench/logout/")["Location"] == "/workbench/login/"


def test_the_dashboard_shows_only_the_sections_of_the_users_roles(people: People) -> None:
    clerk = page(signed_in(people.clerk).get("/workbench/"))
    assert 'href="/workbench/counter/"' in clerk
    assert 'href="/workbench/inbox/"' not in clerk
    assert 'href="/workbench/lead/"' not in clerk
    officer = page(signed_in(people.officer).get("/workbench/"))
    assert 'href="/workbench/inbox/"' in officer
    assert 'href="/workbench/counter/"' not in officer
    assert 'href="/workbench/lead/"' not in officer
    lead = page(signed_in(people.lead).get("/workbench/"))
    assert 'href="/workbench/lead/"' in lead
    assert 'href="/workbench/inbox/"' in lead  # lead officers decide too


def test_a_user_without_a_membership_is_refused_politely(people: People) -> None:
    nobody = get_user_model().objects.create_user("nobody")
    response = signed_in(nobody).get("/workbench/")
    assert response.status_code == 403
    assert "没有任何部门的工作台权限" in page(response)


def test_sections_refuse_the_wrong_role(people: People) -> None:
    assert signed_in(people.officer).get("/workbench/counter/").status_code == 403
    assert signed_in(people.clerk).get("/workbench/inbox/").status_code == 403
    assert signed_in(people.officer).get("/workbench/lead/").status_code == 403


def test_an_officer_of_another_department_gets_404_for_a_sub_case(people: People) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    fire = subcase(case, "fire_safety_inspection")
    assert signed_in(people.officer).get(f"/workbench/subcases/{food.pk}/").status_code == 200
    # The fire officer has a sub-case in the same case, and still may not open the market one.
    assert signed_in(people.fire).get(f"/workbench/subcases/{food.pk}/").status_code == 404
    assert signed_in(people.fire).post(f"/workbench/subcases/{food.pk}/claim/").status_code == 404
    assert signed_in(people.fire).post(f"/workbench/subcases/{food.pk}/approve/").status_code == 404
    assert signed_in(people.officer).get(f"/workbench/subcases/{fire.pk}/").status_code == 404
    # Nor may the clerk who accepted it act as an officer.
    assert signed_in(people.clerk).get(f"/workbench/subcases/{food.pk}/").status_code == 403


def test_an_officer_downloads_only_the_materials_of_their_own_item(people: People) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    plan = Material.objects.get(case=case, code="food_safety_plan")
    lease = Material.objects.get(case=case, code="lease_contract")  # the business licence's, not the permit's
    officer = signed_in(people.officer)
    response = officer.get(f"/workbench/subcases/{food.pk}/materials/{plan.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"  # type: ignore[attr-defined]
    assert officer.get(f"/workbench/subcases/{food.pk}/materials/{lease.pk}/").status_code == 404
    fire = subcase(case, "fire_safety_inspection")
    assert (
        signed_in(people.fire).get(f"/workbench/subcases/{fire.pk}/materials/{plan.pk}/").status_code == 404
    )


def test_the_lead_page_of_a_case_is_404_for_a_lead_officer_of_another_department(people: People) -> None:
    from tests.cases.factories import make_staff

    case = accepted_case(people)
    other_lead = make_staff("fire-lead", "gy-xf", "lead_officer")
    assert signed_in(people.lead).get(f"/workbench/lead/cases/{case.pk}/").status_code == 200
    assert signed_in(other_lead).get(f"/workbench/lead/cases/{case.pk}/").status_code == 404


def test_the_workbench_speaks_english_too(people: People) -> None:
    accepted_case(people)
    html = page(signed_in(people.officer).get("/workbench/inbox/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Inbox" in html
    assert "Claim" in html
    assert "working days left" in html
    assert "审批待办" not in html


def test_a_stored_material_is_served_as_a_sandboxed_attachment_never_as_html(people: People) -> None:
    case = accepted_case(people)
    food = subcase(case, "food_business_permit")
    plan = Material.objects.get(case=case, code="food_safety_plan")
    # A file stored before the upload policy (or by any path around it) under an HTML name.
    plan.file.save("page.html", ContentFile(b"<script>alert(document.cookie)</script>"), save=False)
    plan.filename = "page.html"
    plan.save()
    response = signed_in(people.officer).get(f"/workbench/subcases/{food.pk}/materials/{plan.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
