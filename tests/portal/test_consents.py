"""我的授权: the applicant's consents listed with what they allow, and withdrawing one — a confirmation page,
then a POST that the exchange records in the ledger; later reads are refused, what was done stands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from onego.accounts.models import Role
from onego.cases.models import Case
from onego.cases.services.acceptance import case_accept
from onego.cases.workflow import CaseStatus
from onego.core.errors import PermissionDenied
from onego.exchange.models import Consent, ConsentDecision
from onego.exchange.services import prefill
from onego.ledger.models import LedgerEntry
from onego.ledger.sequencer import ledger_sequence
from tests.cases.factories import import_cases_catalog, make_staff
from tests.exchange.factories import restaurant_contract
from tests.portal.applicants import Person, person, sign_in, to_form, to_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


@pytest.fixture
def clerk(db: None, tmp_path: Path) -> Any:
    import_cases_catalog(tmp_path)
    restaurant_contract()
    return make_staff("clerk", "nm-zwfw", Role.CLERK)


@pytest.fixture
def applicant(clerk: Any) -> Person:
    return person("王小红")


@pytest.fixture
def signed_in(client: Client, applicant: Person) -> Client:
    sign_in(client, applicant)
    return client


@pytest.fixture
def case(signed_in: Client, clerk: Any) -> Case:
    """Consented, prefilled, submitted through the guided path and accepted."""
    base = to_review(signed_in)
    signed_in.post(f"{base}review/")
    return case_accept(actor=clerk, case_id=Case.objects.get().pk)


def text(response: Any) -> str:
    return str(response.content.decode())


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_the_consents_page_lists_contract_departments_data_time_and_status(
    signed_in: Client, case: Case
) -> None:
    consent = Consent.objects.get(decision=ConsentDecision.GRANTED)
    html = text(signed_in.get("/me/consents/"))
    assert "开办餐饮店" in html
    assert "办理「开办餐饮店」" in html  # the purpose
    assert f'href="/me/cases/{case.pk}/">{case.reference}' in html
    assert "公民身份号码" in html  # a data item it lets the platform read
    assert "“开办餐饮店”数据共享协议（第 1 版）" in html  # under which contract, in words
    assert "pkg.open-restaurant@v1" not in html
    assert "南明区市场监督管理局" in html  # for whom
    assert consent.granted_at is not None
    assert timezone.localtime(consent.granted_at).strftime("%Y-%m-%d %H:%M") in html
    assert "有效" in html
    assert f'href="/me/consents/{consent.pk}/withdraw/"' in html
    # Reached from the applicant's menu on every 我的… page.
    assert 'href="/me/consents/"' in text(signed_in.get("/me/cases/"))
    assert 'href="/me/consents/"' in text(signed_in.get("/me/data-reads/"))


def test_withdrawing_asks_first_then_records_it_in_the_ledger(signed_in: Client, case: Case) -> None:
    consent = Consent.objects.get(decision=ConsentDecision.GRANTED)
    confirm = text(signed_in.get(f"/me/consents/{consent.pk}/withdraw/"))
    assert "撤回意味着什么" in confirm
    assert "不能再依据这份授权从数据源读取您的数据" in confirm
    assert "已作出的审批决定" in confirm
    assert 'method="post"' in confirm
    assert "csrfmiddlewaretoken" in confirm
    consent.refresh_from_db()
    assert consent.withdrawn_at is None  # looking at the question changes nothing

    done = signed_in.post(f"/me/consents/{consent.pk}/withdraw/")
    assert done.status_code == 302
    assert done["Location"] == f"/me/consents/#consent-{consent.pk}"
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    entry = LedgerEntry.objects.get(kind="consent.withdrawn")
    assert entry.subject_ref == consent.subject_index
    assert entry.actor == f"applicant:{consent.subject_index}"
    assert entry.case_ref == str(case.pk)
    assert entry.payload["consent"] == str(consent.pk)

    html = text(signed_in.get("/me/consents/"))
    assert "已撤回授权" in html  # the message
    assert "已撤回" in html
    assert "/api/v1/ledger/entries/" not in html  # pending: no index, no proof yet
    ledger_sequence()
    entry.refresh_from_db()
    html = text(signed_in.get("/me/consents/"))
    assert f'href="/api/v1/ledger/entries/{entry.index}/proof"' in html
    assert f'href="/me/consents/{consent.pk}/withdraw/"' not in html  # nothing left to withdraw
    again = signed_in.post(f"/me/consents/{consent.pk}/withdraw/")
    assert again.status_code == 302
    assert LedgerEntry.objects.filter(kind="consent.withdrawn").count() == 1


def test_after_withdrawal_reads_are_refused_and_the_case_goes_on(
    signed_in: Client, case: Case, applicant: Person
) -> None:
    consent = Consent.objects.get(decision=ConsentDecision.GRANTED)
    signed_in.post(f"/me/consents/{consent.pk}/withdraw/")
    from tests.exchange.people import subject_of

    with pytest.raises(PermissionDenied, match="撤回"):
        prefill(
            case_ref=case.pk,
            consent_id=consent.pk,
            actor=f"applicant:{consent.subject_index}",
            applicant=subject_of(applicant.resident),
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS  # the application made under the consent stands
    assert case.verified  # and so do the values it verified
    reads = text(signed_in.get("/me/data-reads/"))
    assert "已拒绝" in reads  # the refused read is shown to the applicant too


def test_another_persons_consent_is_not_found_like_a_missing_one(case: Case) -> None:
    consent = Consent.objects.get(decision=ConsentDecision.GRANTED)
    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    theirs = other.get(f"/me/consents/{consent.pk}/withdraw/")
    missing = other.get("/me/consents/7d1d3c4e-0000-4000-8000-000000000000/withdraw/")
    garbage = other.get("/me/consents/garbage/withdraw/")
    assert theirs.status_code == missing.status_code == garbage.status_code == 404
    assert main_of(text(theirs)) == main_of(text(missing)) == main_of(text(garbage))
    assert other.post(f"/me/consents/{consent.pk}/withdraw/").status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert "王小红" not in text(other.get("/me/consents/"))
    assert str(consent.pk) not in text(other.get("/me/consents/"))


def test_withdrawal_needs_the_csrf_token_and_a_signed_in_applicant(signed_in: Client, case: Case) -> None:
    consent = Consent.objects.get(decision=ConsentDecision.GRANTED)
    assert Client().post(f"/me/consents/{consent.pk}/withdraw/")["Location"].startswith("/login/")
    strict = Client(enforce_csrf_checks=True)  # the same signed-in session, but a forged form
    strict.cookies[settings.SESSION_COOKIE_NAME] = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    assert strict.get("/me/consents/").status_code == 200
    assert strict.post(f"/me/consents/{consent.pk}/withdraw/").status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_a_declined_consent_is_listed_but_has_nothing_to_withdraw(signed_in: Client) -> None:
    to_form(signed_in, agree=False)
    consent = Consent.objects.get()
    assert consent.decision == ConsentDecision.DECLINED
    html = text(signed_in.get("/me/consents/"))
    assert "未授权（自行填写）" in html
    assert "未提交的申请" in html
    assert f"/me/consents/{consent.pk}/withdraw/" not in html
    response = signed_in.post(f"/me/consents/{consent.pk}/withdraw/")
    assert response["Location"] == "/me/consents/"
    assert not LedgerEntry.objects.filter(kind="consent.withdrawn").exists()


def test_the_consents_pages_are_in_english_too(signed_in: Client, case: Case) -> None:
    consent = Consent.objects.get(decision=ConsentDecision.GRANTED)
    signed_in.post("/i18n/setlang/", {"language": "en", "next": "/me/consents/"})
    html = text(signed_in.get("/me/consents/"))
    assert "My consents" in html
    assert "Withdraw consent" in html
    assert "Active" in html
    confirm = text(signed_in.get(f"/me/consents/{consent.pk}/withdraw/"))
    assert "What withdrawing means" in confirm
    assert "Confirm withdrawal" in confirm
