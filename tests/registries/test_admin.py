"""The registries' admin pages show personal data masked, never in the clear."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from onego.registries import models as m
from onego.registries.demo_identities import DEMO_IDENTITIES, DemoIdentity
from onego.registries.gateway import assign_value, void_value

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.admin_urls")]

MODELS = [
    m.Resident, m.Household, m.BirthCertificate, m.MarriageRecord, m.SocialInsurance, m.MedicalInsurance,
    m.HousingFund, m.RealEstate, m.Enterprise, m.Licence, m.TaxRegistration, m.CreditRecord, m.DisabilityRecord,
    m.SocialAssistance, m.Vaccination, m.StudentStatus, m.Vehicle, m.DrivingLicence, m.RoadTransportPermit,
    m.DriverQualification, m.HousingTransaction,
]  # fmt: skip


def raw_secrets() -> list[str]:
    people = [d for d in DEMO_IDENTITIES if d.kind == "person"]
    return [d.key for d in people] + [d.phone for d in people if d.phone]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_list_and_detail_pages_show_no_raw_id_or_phone_number(
    admin_client: Client, demo: tuple[DemoIdentity, ...], model: type[Model]
) -> None:
    meta = model._meta
    pages = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
    obj = model._default_manager.first()
    assert obj is not None
    pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in raw_secrets():
            assert secret not in html, (url, secret[:4])


def test_resident_pages_show_the_masked_id_number(admin_client: Client, demo: object) -> None:
    html = admin_client.get(reverse("admin:registries_resident_changelist")).content.decode()
    assert "5201**********902X" in html
    assert "王*" in html


def test_registry_state_is_switched_through_the_service(admin_client: Client, demo: object) -> None:
    from onego.registries.gateway import registry_available, set_registry_available

    set_registry_available(code="population", available=True)
    state = m.RegistryState.objects.get(code="population")
    response = admin_client.post(
        reverse("admin:registries_registrystate_changelist"),
        {"action": "switch_off", "_selected_action": [str(state.pk)]},
    )
    assert response.status_code == 302
    assert not registry_available("population")
    assert m.RegistryStateChange.objects.filter(code="population", available=False).exists()


def test_assignments_show_whether_and_why_a_number_was_voided(admin_client: Client) -> None:
    facts = {"enterprise.name": "贵阳静好餐饮管理有限公司", "enterprise.type": "有限责任公司"}
    kept = assign_value("enterprise", "enterprise.uscc", key="case:kept", facts=facts, region_code="520102")
    voided = assign_value("enterprise", "enterprise.uscc", key="case:void", facts=facts, region_code="520102")
    reason = "办件NM-1“营业执照”的准予决定撤回：有误"
    void_value("enterprise", "enterprise.uscc", key="case:void", reason=reason)
    changelist = reverse("admin:registries_assignment_changelist")

    html = admin_client.get(changelist, {"status__exact": "voided"}).content.decode()
    assert 'href="?status__exact=active"' in html  # filtered by status
    assert voided.masked in html
    assert "已作废" in html
    assert kept.masked not in html
    assert kept.masked in admin_client.get(changelist, {"status__exact": "active"}).content.decode()

    row = m.Assignment.objects.get(request_key="case:void")
    html = admin_client.get(reverse("admin:registries_assignment_change", args=[row.pk])).content.decode()
    assert "作废时间" in html
    assert "已作废" in html
    assert reason in html
    assert voided.value not in html
