"""Numbers the registries assign at an approval (赋码): a new enterprise's USCC, a newborn's ID number."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.core.pii import blind_index
from onego.core.validators import check_id_number, check_uscc, id_number_birth_date, id_number_is_male
from onego.registries import gateway as g
from onego.registries import models as m
from onego.registries.assignment import ASSIGNERS, Request, void
from onego.registries.demo_identities import DemoIdentity
from tests.registries.conftest import subject

pytestmark = pytest.mark.django_db

WANG = "52010219940312902X"  # 王芳, the demo's mother of a newborn not yet registered
CHEN = "520102199007219242"  # 陈静, who wants to open a company


class Rollback(Exception):
    pass


def company_facts(**extra: object) -> dict[str, object]:
    return {
        "enterprise.name": "贵阳静好餐饮管理有限公司",
        "enterprise.type": "有限责任公司",
        "enterprise.legal_representative_id_number": CHEN,
        "enterprise.address": "贵州省贵阳市南明区新华路8号",
        "enterprise.registered_capital": 50,
        **extra,
    }


def newborn_facts(**extra: object) -> dict[str, object]:
    return {
        "newborn.name": "林小满",
        "newborn.gender": "女",
        "newborn.birth_date": "2026-02-20",
        "person.id_number": CHEN,
        **extra,
    }


def assign_uscc(key: str = "case:a", **facts: object) -> g.Assigned:
    return g.assign_value(
        "enterprise", "enterprise.uscc", key=key, facts=company_facts(**facts), region_code="520102"
    )


def assign_id(key: str = "case:b", region: str = "520102", **facts: object) -> g.Assigned:
    return g.assign_value(
        "population", "newborn.id_number", key=key, facts=newborn_facts(**facts), region_code=region
    )


def first_candidate(registry: str, element: str, key: str, facts: dict[str, object], region: str) -> str:
    plan = ASSIGNERS[(registry, element)].plan(Request(registry, element, key, facts, region))
    return next(iter(plan.candidates()))


def register_enterprise(uscc: str, name: str) -> None:
    """An enterprise the register holds under `uscc`, registered by other means."""
    m.Enterprise.objects.create(
        uscc=uscc, name=name, registered_capital=1, business_scope="", address="", region_code="520102",
        established_on=clock.today(),
    )  # fmt: skip


# --- 市场主体库 -----------------------------------------------------------------------------------------
def test_the_enterprise_registry_registers_the_named_enterprise_under_a_new_valid_code(
    demo: tuple[DemoIdentity, ...],
) -> None:
    assigned = assign_uscc()
    assert check_uscc(assigned.value) is None
    assert assigned.value.startswith("91520102")  # 市场监管, 企业, the request's region
    assert assigned.created
    assert assigned.kind == "enterprise"
    assert g.fetch_elements(
        "enterprise",
        g.Subject("enterprise", assigned.value),
        ["enterprise.name", "enterprise.uscc", "enterprise.status", "enterprise.legal_representative_name"],
    ) == {
        "enterprise.name": "贵阳静好餐饮管理有限公司",
        "enterprise.uscc": assigned.value,
        "enterprise.status": "存续",
        "enterprise.legal_representative_name": "陈静",
    }
    # The legal representative's own look-up now finds the company she represents.
    assert g.fetch_elements("enterprise", subject("陈静"), ["enterprise.uscc"]) == {
        "enterprise.uscc": assigned.value
    }


def test_the_code_follows_the_enterprise_type_and_its_registered_region(db: None) -> None:
    shop = assign_uscc(
        key="case:shop", **{"enterprise.type": "个体工商户", "enterprise.region_code": "520502"}
    )
    assert shop.value.startswith("92520502")
    assert check_uscc(shop.value) is None


def test_asking_again_with_the_same_key_answers_the_same_code_and_registers_nothing(db: None) -> None:
    first = assign_uscc()
    again = assign_uscc()
    assert (again.value, again.reference) == (first.value, first.reference)
    assert not again.created
    assert m.Enterprise.objects.filter(uscc=first.value).count() == 1
    assert m.Assignment.objects.count() == 1
    assert assign_uscc(key="case:other").value != first.value


def test_the_code_is_deterministic_for_the_request(db: None) -> None:
    seen: list[str] = []

    def assign_then_fail() -> None:
        with transaction.atomic():
            seen.append(assign_uscc().value)
            raise Rollback

    with pytest.raises(Rollback):
        assign_then_fail()
    assert not m.Enterprise.objects.exists()
    assert not m.Assignment.objects.exists()
    assert [assign_uscc().value] == seen


def test_a_code_already_registered_is_never_assigned_again(db: None) -> None:
    taken = first_candidate("enterprise", "enterprise.uscc", "case:a", company_facts(), "520102")
    register_enterprise(taken, "已登记的企业")
    assigned = assign_uscc()
    assert assigned.value != taken
    assert check_uscc(assigned.value) is None


def test_a_code_registered_meanwhile_is_caught_by_the_unique_column_and_the_next_one_taken(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A concurrent approval that registered the same candidate after this one checked: the check
    # below sees nothing, the INSERT fails in its savepoint, and the next candidate is used.
    taken = first_candidate("enterprise", "enterprise.uscc", "case:a", company_facts(), "520102")
    register_enterprise(taken, "并发登记的企业")
    monkeypatch.setattr(ASSIGNERS[("enterprise", "enterprise.uscc")], "taken", lambda values: set())
    assigned = assign_uscc()
    assert assigned.value != taken
    assert m.Enterprise.objects.count() == 2
    assert m.Assignment.objects.get().value == assigned.value


def test_an_enterprise_without_a_name_is_not_registered(db: None) -> None:
    with pytest.raises(ValidationFailed) as err:
        assign_uscc(**{"enterprise.name": ""})
    assert err.value.field == "enterprise.name"
    assert not m.Enterprise.objects.exists()


# --- 户籍库 ------------------------------------------------------------------------------------------
def test_the_population_registry_gives_a_newborn_a_valid_number_of_the_region_birth_date_and_sex(
    db: None,
) -> None:
    assigned = assign_id()
    number = assigned.value
    assert check_id_number(number) is None
    assert number[:6] == "520102"
    assert id_number_birth_date(number) == dt.date(2026, 2, 20)
    assert not id_number_is_male(number)
    resident = m.Resident.objects.get(id_index=blind_index(number, kind="person"))
    assert (resident.name, resident.gender, resident.birth_date) == ("林小满", "2", dt.date(2026, 2, 20))
    assert assign_id(key="case:boy", **{"newborn.gender": "男"}).value[16] in "13579"


def test_a_newborn_of_the_demo_family_joins_the_household_and_is_found_through_the_mother(
    demo: tuple[DemoIdentity, ...],
) -> None:
    certificate = m.BirthCertificate.objects.get(
        mother__id_index=blind_index(WANG, kind="person"), newborn=None
    )
    assigned = assign_id(
        **{
            "newborn.name": "李沐阳",
            "newborn.gender": "",  # not given: the birth medical certificate says 男
            "newborn.birth_date": "",  # likewise its birth date
            "newborn.birth_certificate_number": certificate.number,
            "mother.id_number": WANG,
            "person.id_number": WANG,
        }
    )
    assert id_number_is_male(assigned.value)
    assert id_number_birth_date(assigned.value) == certificate.birth_date
    certificate.refresh_from_db()
    child = certificate.newborn
    assert child is not None
    assert child.id_number == assigned.value
    assert child.mother is not None
    assert child.mother.id_number == WANG
    assert child.father == certificate.father
    assert child.household is not None
    assert child.relationship_to_head == "子"  # 李强, the father, heads the household
    assert g.fetch_elements("population", subject("王芳"), ["newborn.id_number"]) == {
        "newborn.id_number": assigned.value
    }


def test_a_number_someone_holds_is_skipped(db: None) -> None:
    taken = first_candidate("population", "newborn.id_number", "case:b", newborn_facts(), "520102")
    m.Resident.objects.create(
        id_number=taken, id_index=blind_index(taken, kind="person"), name="已有的人", gender="2",
        birth_date=dt.date(2026, 2, 20), region_code="520102", address="",
    )  # fmt: skip
    assigned = assign_id()
    assert assigned.value != taken
    assert assigned.value[:14] == taken[:14]
    assert check_id_number(assigned.value) is None


def test_asking_again_for_the_newborn_answers_the_same_number(db: None) -> None:
    first = assign_id()
    again = assign_id()
    assert (again.value, again.created) == (first.value, False)
    assert m.Resident.objects.count() == 1


def test_a_birth_date_in_the_future_is_refused(db: None) -> None:
    with pytest.raises(ValidationFailed):
        assign_id(**{"newborn.birth_date": (clock.today() + dt.timedelta(days=1)).isoformat()})


# --- voided when the approval is overturned -------------------------------------------------------------
def void_uscc(key: str = "case:a") -> g.Assigned | None:
    return void("enterprise", "enterprise.uscc", key=key, reason="办件NM-1“营业执照”的准予决定撤回：有误")


def void_id(key: str = "case:b") -> g.Assigned | None:
    return void("population", "newborn.id_number", key=key, reason="办件NM-2“出生登记”的准予决定撤回：有误")


def test_a_voided_code_is_kept_as_a_record_and_its_enterprise_revoked_not_found_through_its_representative(
    demo: tuple[DemoIdentity, ...],
) -> None:
    assigned = assign_uscc()
    voided = void_uscc()
    assert voided is not None
    assert (voided.value, voided.reference) == (assigned.value, assigned.reference)
    row = m.Assignment.objects.get()
    assert row.status == m.Assignment.Status.VOIDED
    assert row.voided_at is not None
    assert row.void_reason == "办件NM-1“营业执照”的准予决定撤回：有误"
    assert row.value == assigned.value
    enterprise = m.Enterprise.objects.get(uscc=assigned.value)
    assert enterprise.status == m.Enterprise.Status.REVOKED
    assert g.fetch_elements("enterprise", g.Subject("enterprise", assigned.value), ["enterprise.status"]) == {
        "enterprise.status": "撤销"
    }
    with pytest.raises(g.SubjectNotFound):  # she represents no enterprise in being
        g.fetch_elements("enterprise", subject("陈静"), ["enterprise.uscc"])


def test_after_a_void_the_same_key_gets_a_new_code_and_the_voided_one_is_never_given_again(db: None) -> None:
    first = assign_uscc()
    void_uscc()
    second = assign_uscc()
    assert second.created
    assert second.value != first.value
    assert check_uscc(second.value) is None
    assert assign_uscc().value == second.value  # the new one is the key's answer now
    assert m.Assignment.objects.filter(status="active").get().value == second.value
    assert m.Assignment.objects.filter(status="voided").get().value == first.value


def test_a_voided_newborn_number_leaves_the_register_but_is_never_given_again(db: None) -> None:
    key = "case:b"
    first = assign_id(key)
    assert first.value == first_candidate("population", "newborn.id_number", key, newborn_facts(), "520102")
    void_id(key)
    # The registration is undone: the register no longer holds the number…
    assert not m.Resident.objects.filter(id_index=blind_index(first.value, kind="person")).exists()
    # …and yet the same request, whose first candidate it is, gets another one.
    second = assign_id(key)
    assert second.value != first.value
    assert second.value[:14] == first.value[:14]
    assert check_id_number(second.value) is None
    assert m.Resident.objects.count() == 1


def test_voiding_the_newborn_frees_its_birth_certificate_for_the_new_registration(
    demo: tuple[DemoIdentity, ...],
) -> None:
    certificate = m.BirthCertificate.objects.get(
        mother__id_index=blind_index(WANG, kind="person"), newborn=None
    )
    facts = {
        "newborn.name": "李沐阳",
        "newborn.birth_certificate_number": certificate.number,
        "mother.id_number": WANG,
        "person.id_number": WANG,
    }
    first = assign_id(**facts)
    void_id()
    certificate.refresh_from_db()
    assert certificate.newborn is None
    second = assign_id(**facts)
    certificate.refresh_from_db()
    assert certificate.newborn is not None
    assert certificate.newborn.id_number == second.value != first.value
    assert g.fetch_elements("population", subject("王芳"), ["newborn.id_number"]) == {
        "newborn.id_number": second.value
    }


def test_voiding_again_or_what_was_never_assigned_does_nothing(db: None) -> None:
    assert void_uscc() is None
    assign_uscc()
    assert void_uscc() is not None
    before = m.Assignment.objects.values_list("status", "voided_at", "void_reason").get()
    assert void_uscc() is None
    assert m.Assignment.objects.values_list("status", "voided_at", "void_reason").get() == before


def test_a_void_rolled_back_with_its_transaction_leaves_the_number_assigned(db: None) -> None:
    assigned = assign_uscc()

    def void_then_fail() -> None:
        with transaction.atomic():
            void_uscc()
            raise Rollback

    with pytest.raises(Rollback):
        void_then_fail()
    assert m.Assignment.objects.get().status == m.Assignment.Status.ACTIVE
    assert m.Enterprise.objects.get(uscc=assigned.value).status == m.Enterprise.Status.ACTIVE
    assert assign_uscc().value == assigned.value


def test_the_raw_number_of_a_void_never_reaches_the_log(db: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    number = assign_id().value
    voided = void_id()
    assert voided is not None
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "voided" in text
    assert voided.masked in text
    assert number not in text


# --- the gateway's rules ---------------------------------------------------------------------------------
def test_a_registry_switched_off_assigns_nothing(db: None) -> None:
    g.set_registry_available(code="enterprise", available=False, note="演练")
    with pytest.raises(g.RegistryUnavailable):
        assign_uscc()
    assert not m.Assignment.objects.exists()


def test_the_gateway_voids_the_number_the_registry_assigned(db: None) -> None:
    assigned = assign_uscc()
    voided = g.void_value("enterprise", "enterprise.uscc", key="case:a", reason="准予决定撤回：有误")
    assert voided is not None
    assert (voided.value, voided.reference) == (assigned.value, assigned.reference)
    assert m.Assignment.objects.values_list("status", "void_reason").get() == ("voided", "准予决定撤回：有误")
    assert m.Enterprise.objects.get(uscc=assigned.value).status == m.Enterprise.Status.REVOKED
    assert g.void_value("enterprise", "enterprise.uscc", key="case:a", reason="重试") is None


def test_a_registry_switched_off_voids_nothing(db: None) -> None:
    assigned = assign_uscc()
    g.set_registry_available(code="enterprise", available=False, note="演练")
    with pytest.raises(g.RegistryUnavailable) as err:
        g.void_value("enterprise", "enterprise.uscc", key="case:a", reason="准予决定撤回")
    assert "市场主体库" in err.value.message
    assert m.Assignment.objects.get().status == m.Assignment.Status.ACTIVE
    assert m.Enterprise.objects.get(uscc=assigned.value).status == m.Enterprise.Status.ACTIVE
    g.set_registry_available(code="enterprise", available=True)
    assert g.void_value("enterprise", "enterprise.uscc", key="case:a", reason="准予决定撤回") is not None


def test_only_the_issuing_registry_voids_its_element(db: None) -> None:
    assign_uscc()
    with pytest.raises(g.RegistryError) as err:
        g.void_value("population", "enterprise.uscc", key="case:a", reason="准予决定撤回")
    assert not isinstance(err.value, g.RegistryUnavailable)
    assert m.Assignment.objects.get().status == m.Assignment.Status.ACTIVE


def test_only_the_issuing_registry_assigns_its_element(db: None) -> None:
    assert g.assignable("enterprise", "enterprise.uscc")
    assert g.assignable("population", "newborn.id_number")
    assert not g.assignable("population", "enterprise.uscc")
    with pytest.raises(g.RegistryError):
        g.assign_value("population", "enterprise.uscc", key="case:x", facts={}, region_code="520102")


def test_the_raw_numbers_never_reach_the_log(db: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    number = assign_id().value
    uscc = assign_uscc().value
    assert caplog.records
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert number not in text
    assert uscc not in text
    assert number not in repr(assign_id())
    assert uscc not in repr(assign_uscc())


@pytest.mark.urls("tests.core.admin_urls")
def test_the_admin_shows_assigned_numbers_masked_only(admin_client: Client) -> None:
    assigned = assign_id()
    row = m.Assignment.objects.get()
    for url in (
        reverse("admin:registries_assignment_changelist"),
        reverse("admin:registries_assignment_change", args=[row.pk]),
    ):
        html = admin_client.get(url).content.decode()
        assert assigned.masked in html
        assert assigned.value not in html
