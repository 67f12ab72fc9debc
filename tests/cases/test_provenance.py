"""The case's provenance is the server's: a value is verified only when a prefill of this case, for its
applicant, delivered this value; editing it drops the mark; a material reference counts only when the
exchange verified it for this case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from onego.cases.models import Case, Material
from onego.cases.services.submission import MaterialIn, case_correct
from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.exchange.models import Consent, ConsentDecision, VerifiedMaterial
from onego.exchange.provenance import canonical, value_digest
from tests.cases.factories import ENTERPRISE_USCC, full_form, prefilled, submit

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.mark.parametrize(
    ("data_type", "a", "b"),
    [
        ("integer", "500", 500),
        ("number", "500.0", 500),
        ("number", " 12.50 ", 12.5),
        ("bool", "是", True),
        ("bool", "false", False),
        ("uscc", ENTERPRISE_USCC.lower(), ENTERPRISE_USCC),
        ("string", " 张三 ", "张三"),
        ("date", "2026-02-20", dt.date(2026, 2, 20)),
    ],
)
def test_one_value_typed_in_any_channel_has_one_canonical_text(data_type: str, a: Any, b: Any) -> None:
    assert canonical(data_type, a) == canonical(data_type, b)
    assert value_digest("x", data_type, a) == value_digest("x", data_type, b)


def test_different_values_and_elements_have_different_digests() -> None:
    assert value_digest("premises.area", "integer", 500) != value_digest("premises.area", "integer", 501)
    assert value_digest("a.b", "string", "张三") != value_digest("c.d", "string", "张三")


def draft(staff: Any, key: str = "draft-key-0001") -> Case:
    return submit(staff.clerk, key=key, draft=True, form_data={}, materials=[]).case


def correct(staff: Any, case: Case, **form: Any) -> Case:
    case_correct(actor=staff.clerk, case_id=case.pk, form_data=form)
    return Case.objects.get(pk=case.pk)


def test_a_value_the_exchange_delivered_to_this_case_is_marked_with_that_run(staff: Any) -> None:
    case = draft(staff)
    run = prefilled(case, {"enterprise.uscc": ENTERPRISE_USCC, "premises.area": 500})
    case = correct(staff, case, **{"enterprise.uscc": ENTERPRISE_USCC.lower(), "premises.area": "500"})
    assert case.verified == {"enterprise.uscc": f"prefill:{run.pk}", "premises.area": f"prefill:{run.pk}"}


def test_editing_a_verified_value_drops_its_mark_and_restoring_it_brings_it_back(staff: Any) -> None:
    case = draft(staff)
    run = prefilled(case, {"premises.area": 500})
    case = correct(staff, case, **full_form())
    assert case.verified == {"premises.area": f"prefill:{run.pk}"}
    case = correct(staff, case, **{"premises.area": 480})
    assert case.verified == {}
    case = correct(staff, case, **{"premises.area": 500})
    assert case.verified == {"premises.area": f"prefill:{run.pk}"}


def test_a_prefill_of_another_case_verifies_nothing_here(staff: Any) -> None:
    other = draft(staff, key="other-key-0001")
    prefilled(other, {"premises.area": 500})
    case = draft(staff)
    assert correct(staff, case, **full_form()).verified == {}


def test_a_prefill_under_another_persons_consent_verifies_nothing(staff: Any) -> None:
    case = draft(staff)
    run = prefilled(case, {"premises.area": 500})
    Consent.objects.filter(pk=run.consent_id).update(subject_index="someone-else")
    assert correct(staff, case, **full_form()).verified == {}


def test_a_material_reference_the_exchange_did_not_verify_is_refused(staff: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(
            staff.clerk, key="ref-key-0001", materials=[MaterialIn(code="lease_contract", reference="X-1")]
        )
    assert err.value.field == "material:lease_contract"
    assert not Case.objects.exists()
    case = draft(staff)
    with pytest.raises(ValidationFailed):
        case_correct(
            actor=staff.clerk, case_id=case.pk, materials=[MaterialIn(code="lease_contract", reference="X-1")]
        )


def test_a_material_reference_the_exchange_verified_for_this_case_is_kept(staff: Any) -> None:
    case = draft(staff)
    run = prefilled(case, {})
    VerifiedMaterial.objects.create(
        case_ref=case.pk,
        material="lease_contract",
        material_name="租赁合同",
        registry="housing",
        reference="HT-2026-1",
        verified_at=clock.now(),
        consent=Consent.objects.get(pk=run.consent_id),
        contract="test-contract",
    )
    case_correct(
        actor=staff.clerk,
        case_id=case.pk,
        materials=[MaterialIn(code="lease_contract", reference="HT-2026-1")],
    )
    assert Material.objects.filter(case=case, code="lease_contract", reference="HT-2026-1").exists()


def test_a_declined_consent_verifies_nothing(staff: Any) -> None:
    case = draft(staff)
    run = prefilled(case, {"premises.area": 500})
    Consent.objects.filter(pk=run.consent_id).update(decision=ConsentDecision.DECLINED)
    assert correct(staff, case, **full_form()).verified == {}
