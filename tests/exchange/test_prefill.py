"""Consent, preview and the one-click prefill on the small catalog's restaurant package."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
import time_machine

from onego.core.errors import NotFound, PermissionDenied, ValidationFailed
from onego.core.pii import decrypt, is_token
from onego.exchange.models import ConsentStatus, PrefillRun, VerifiedMaterial
from onego.exchange.selectors import prefilled_values, reads_for_subject, verified_materials
from onego.exchange.services import (
    REASON_UNAVAILABLE,
    consent_decline,
    consent_grant,
    consent_withdraw,
    contract_revoke,
    prefill,
)
from onego.ledger.models import LedgerEntry
from onego.ledger.selectors import inclusion_proof_for
from onego.ledger.sequencer import ledger_sequence
from onego.registries.gateway import set_registry_available
from tests.exchange.conftest import Applicant, grant, preview_for
from tests.exchange.factories import restaurant_contract
from tests.exchange.people import unknown_person

pytestmark = pytest.mark.django_db
ACTOR = "window:nm-hall/clerk:li"


def entries(kind: str) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(kind=kind).order_by("index"))


# --- preview ------------------------------------------------------------------------------------------------
def test_preview_lists_exactly_what_the_contract_allows_grouped_by_registry(
    restaurant: None, applicant: Applicant
) -> None:
    preview = preview_for(applicant.subject)
    assert preview.purpose == "办理「开办餐饮店」"
    shown = {
        r.registry: (r.name, [e.element for e in r.elements], [m.material for m in r.materials])
        for r in preview.registries
    }
    assert shown == {
        "population": ("人口库", ["person.name", "person.id_number"], ["resident_id_card"]),
        "elicence": ("电子证照库", [], ["business_licence"]),
    }
    assert {e.contract for r in preview.registries for e in r.elements} == {"pkg.open-restaurant@v1"}
    assert preview.denied == []
    assert {line.code for line in preview.to_type} == {
        "enterprise.name",
        "premises.area",
        "bank.account_type",
    }
    assert {line.code for line in preview.to_upload} == {"food_safety_plan", "floor_plan"}


def test_without_a_contract_the_preview_denies_everything_with_the_reason(
    small_catalog: Path, applicant: Applicant
) -> None:
    preview = preview_for(applicant.subject)
    assert preview.registries == []
    assert {d.code for d in preview.denied} == {
        "person.name",
        "person.id_number",
        "resident_id_card",
        "business_licence",
    }
    assert all("没有共享协议允许一件事“open-restaurant”读取" in d.reason for d in preview.denied)
    # Nothing allowed means the applicant types and uploads it: every denied datum says so.
    assert {"person.name", "person.id_number"} <= {line.code for line in preview.to_type}
    assert {"resident_id_card", "business_licence"} <= {line.code for line in preview.to_upload}


def test_a_narrower_contract_narrows_the_preview(restaurant: None, applicant: Applicant) -> None:
    restaurant_contract(elements=["person.name"], licence_types=[])
    preview = preview_for(applicant.subject)
    population = preview.registry("population")
    assert population is not None
    assert [e.element for e in population.elements] == ["person.name"]
    assert preview.registry("elicence") is None
    denied = {d.code: d.reason for d in preview.denied}
    assert denied["person.id_number"] == "共享协议 pkg.open-restaurant@v2 未授权读取数据元“公民身份号码”"


# --- consent --------------------------------------------------------------------------------------------------
def test_consent_is_bound_to_case_and_purpose_and_recorded(restaurant: None, applicant: Applicant) -> None:
    case_ref = uuid.uuid4()
    consent = grant(applicant.subject, case_ref=case_ref, ttl_days=7)
    assert consent.case_ref == case_ref
    assert consent.purpose == "办理「开办餐饮店」"
    assert consent.status == ConsentStatus.ACTIVE
    assert consent.expires_at - consent.granted_at == dt.timedelta(days=7)
    assert consent.subject_index == applicant.subject.index
    [entry] = entries("consent.granted")
    assert entry.subject_ref == applicant.subject.index
    assert entry.case_ref == str(case_ref)
    assert entry.payload["registries"]["population"]["elements"] == ["person.name", "person.id_number"]


def test_consent_for_another_purpose_than_the_preview_is_refused(
    restaurant: None, applicant: Applicant
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        consent_grant(
            case_ref=uuid.uuid4(),
            applicant=applicant.subject,
            preview=preview_for(applicant.subject),
            purpose="营销",
        )
    assert exc.value.field == "purpose"


# --- one-click prefill -----------------------------------------------------------------------------------------
def test_one_click_fills_the_form_with_sources_and_attaches_verified_materials(
    restaurant: None, applicant: Applicant
) -> None:
    consent = grant(applicant.subject)
    outcome = prefill(
        case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
    )
    assert outcome.clicks == 1
    assert outcome.values["person.name"]["value"] == "王小红"
    assert outcome.values["person.id_number"]["value"] == applicant.subject.key
    assert outcome.values["person.name"]["source_registry"] == "population"
    assert outcome.values["person.name"]["source_name"] == "人口库"
    assert outcome.values["person.name"]["contract"] == "pkg.open-restaurant@v1"
    assert outcome.manual == {
        "enterprise.name": "无共享数据源，请自行填写",
        "premises.area": "无共享数据源，请自行填写",
        "bank.account_type": "无共享数据源，请自行填写",
    }
    assert {m["material"]: m["registry"] for m in outcome.materials_verified} == {
        "resident_id_card": "population",
        "business_licence": "elicence",
    }
    assert set(outcome.materials_manual) == {"food_safety_plan", "floor_plan"}
    rows = {v.material: v for v in verified_materials(consent.case_ref)}
    assert set(rows) == {"resident_id_card", "business_licence"}
    assert rows["business_licence"].licence_type == "business_licence"
    assert rows["business_licence"].reference.startswith("1.2.156.")  # the GB/T 36904 licence identifier
    assert rows["resident_id_card"].reference != applicant.subject.key  # a masked reference, not the number


def test_rerunning_reads_again_but_attaches_each_material_only_once(
    restaurant: None, applicant: Applicant
) -> None:
    consent = grant(applicant.subject)
    first = prefill(
        case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
    )
    second = prefill(
        case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
    )
    assert VerifiedMaterial.objects.filter(case_ref=consent.case_ref).count() == 2
    assert [m["reference"] for m in second.materials_verified] == [
        m["reference"] for m in first.materials_verified
    ]
    reads = entries("registry.read")
    # The second run fetched the elements again (a read, recorded) but asked about no material again.
    assert [(e.payload["registry"], e.payload["materials"]) for e in reads] == [
        ("population", ["resident_id_card"]),
        ("elicence", ["business_licence"]),
        ("population", []),
    ]


def test_each_registry_read_is_one_ledger_entry_without_any_raw_number(
    restaurant: None, applicant: Applicant
) -> None:
    consent = grant(applicant.subject)
    outcome = prefill(
        case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
    )
    reads = entries("registry.read")
    assert [str(e.id) for e in reads] == outcome.ledger_entries
    assert all(e.index is None for e in reads)  # pending with a signed promise; the sequencer seals them
    assert [e.payload["registry"] for e in reads] == ["population", "elicence"]
    population = reads[0]
    assert population.actor == ACTOR
    assert population.subject_ref == applicant.subject.index
    assert population.case_ref == str(consent.case_ref)
    assert population.payload["elements"] == ["person.name", "person.id_number"]
    assert population.payload["contracts"] == ["pkg.open-restaurant@v1"]
    assert population.payload["consent"] == str(consent.id)
    assert population.payload["purpose"] == "办理「开办餐饮店」"
    for entry in LedgerEntry.objects.all():
        text = json.dumps([entry.actor, entry.subject_ref, entry.case_ref, entry.payload], ensure_ascii=False)
        assert applicant.subject.key not in text
        assert applicant.name not in text  # values never reach the ledger either


def test_a_read_has_a_valid_inclusion_proof_once_sealed(restaurant: None, applicant: Applicant) -> None:
    consent = grant(applicant.subject)
    outcome = prefill(
        case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
    )
    ledger_sequence()
    read = LedgerEntry.objects.get(pk=outcome.ledger_entries[0])
    assert read.index is not None
    proof = inclusion_proof_for(read.index)
    assert proof.verify()
    assert proof.leaf_hash.hex() == read.computed_leaf_hash()


def test_fetched_values_are_stored_encrypted_beside_a_masked_copy(
    restaurant: None, applicant: Applicant
) -> None:
    consent = grant(applicant.subject)
    prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    run = PrefillRun.objects.get(case_ref=consent.case_ref)
    stored = run.values["person.id_number"]
    assert is_token(stored["value"])
    assert json.loads(decrypt(stored["value"])) == applicant.subject.key
    assert stored["masked"] == applicant.subject.key[:4] + "*" * 10 + applicant.subject.key[-4:]
    assert run.values["person.name"]["masked"] == "王**"
    assert applicant.subject.key not in json.dumps(run.values)
    assert prefilled_values(run)["person.name"] == "王小红"


# --- failures -------------------------------------------------------------------------------------------------
def test_a_registry_down_leaves_its_data_to_the_applicant_and_the_rest_proceeds(
    restaurant: None, applicant: Applicant
) -> None:
    consent = grant(applicant.subject)
    set_registry_available(code="population", available=False, note="演练：户籍库停机")
    outcome = prefill(
        case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
    )
    assert outcome.values == {}
    assert outcome.manual["person.name"] == REASON_UNAVAILABLE
    assert outcome.manual["person.id_number"] == REASON_UNAVAILABLE
    assert outcome.materials_manual["resident_id_card"] == REASON_UNAVAILABLE
    assert [m["material"] for m in outcome.materials_verified] == ["business_licence"]
    assert outcome.registries_unavailable == ["population"]
    assert [e.payload["registry"] for e in entries("registry.read")] == ["elicence"]
    run = PrefillRun.objects.get(pk=outcome.run_id)
    assert run.manual["person.name"] == REASON_UNAVAILABLE  # the case keeps which data were manual

    set_registry_available(code="population", available=True)
    again = prefill(
        case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
    )
    assert again.values["person.name"]["value"] == "王小红"
    assert "person.name" not in again.manual


def test_an_unknown_person_is_refused_clearly_and_the_denial_recorded(restaurant: None) -> None:
    stranger = unknown_person()
    consent = grant(stranger)
    with pytest.raises(NotFound) as exc:
        prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=stranger)
    assert exc.value.field == "applicant"
    assert "没有找到该申请人" in exc.value.message
    [denied] = entries("registry.denied")
    assert denied.subject_ref == stranger.index
    assert denied.payload["reason_code"] == "subject_not_found"
    assert denied.payload["registry"] == "population"
    assert not entries("registry.read")
    assert not VerifiedMaterial.objects.exists()


def test_withdrawn_consent_refuses_future_reads_and_keeps_past_ones(
    restaurant: None, applicant: Applicant
) -> None:
    consent = grant(applicant.subject)
    prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    withdrawn = consent_withdraw(consent_id=consent.id, applicant=applicant.subject)
    assert withdrawn.status == ConsentStatus.WITHDRAWN
    assert entries("consent.withdrawn")[0].subject_ref == applicant.subject.index
    with pytest.raises(PermissionDenied) as exc:
        prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    assert "撤回" in exc.value.message
    assert {e.payload["reason_code"] for e in entries("registry.denied")} == {"consent_withdrawn"}
    assert {e.payload["registry"] for e in entries("registry.denied")} == {"population", "elicence"}
    assert len(entries("registry.read")) == 2  # the reads made before stay
    assert VerifiedMaterial.objects.filter(case_ref=consent.case_ref).count() == 2


def test_an_expired_consent_is_refused_and_recorded(restaurant: None, applicant: Applicant) -> None:
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        consent = grant(applicant.subject, ttl_days=7)
    later = start + dt.timedelta(days=7, seconds=1)
    with time_machine.travel(later, tick=False), pytest.raises(PermissionDenied) as exc:
        prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    assert "授权已于 2026-03-09 17:00 过期" in exc.value.message
    assert {e.payload["reason_code"] for e in entries("registry.denied")} == {"consent_expired"}
    assert not entries("registry.read")


def test_a_declined_consent_reads_nothing(restaurant: None, applicant: Applicant) -> None:
    preview = preview_for(applicant.subject)
    consent = consent_decline(case_ref=uuid.uuid4(), applicant=applicant.subject, preview=preview)
    assert consent.status == ConsentStatus.DECLINED
    assert entries("consent.declined")[0].payload["package"] == "open-restaurant"
    with pytest.raises(PermissionDenied, match="未授权"):
        prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    assert not entries("registry.read")


def test_a_contract_revoked_after_consent_refuses_the_read(restaurant: None, applicant: Applicant) -> None:
    consent = grant(applicant.subject)
    contract_revoke(code="pkg.open-restaurant", revoked_by="admin:test")
    with pytest.raises(PermissionDenied) as exc:
        prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    assert "没有共享协议" in exc.value.message
    assert "重新预览" in exc.value.message
    denied = entries("registry.denied")
    assert {e.payload["reason_code"] for e in denied} == {"no_contract"}
    assert not entries("registry.read")


def test_a_contract_change_that_still_grants_keeps_the_consent_working(
    restaurant: None, applicant: Applicant
) -> None:
    consent = grant(applicant.subject)
    restaurant_contract(elements=["person.name", "person.id_number", "person.phone"])
    prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    assert entries("registry.read")[0].payload["contracts"] == ["pkg.open-restaurant@v2"]


def test_someone_elses_consent_is_not_found(restaurant: None, applicant: Applicant) -> None:
    consent = grant(applicant.subject)
    with pytest.raises(NotFound):
        prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=unknown_person())
    with pytest.raises(NotFound):
        prefill(case_ref=uuid.uuid4(), consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
    with pytest.raises(NotFound):
        consent_withdraw(consent_id="not-a-uuid", applicant=applicant.subject)


# --- who read my data ------------------------------------------------------------------------------------------
def test_reads_for_subject_shows_who_when_and_why(restaurant: None, applicant: Applicant) -> None:
    moment = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        consent = grant(applicant.subject)
        prefill(case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject)
        consent_withdraw(consent_id=consent.id, applicant=applicant.subject)
        with pytest.raises(PermissionDenied):
            prefill(
                case_ref=consent.case_ref, consent_id=consent.id, actor=ACTOR, applicant=applicant.subject
            )
    views = reads_for_subject(applicant.subject)
    assert [(v.outcome, v.registry) for v in views] == [
        ("read", "population"),
        ("read", "elicence"),
        ("denied", "population"),
        ("denied", "elicence"),
    ]
    first = views[0]
    assert first.recorded_at == moment
    assert first.actor == ACTOR
    assert first.department == "南明区市场监督管理局"
    assert first.registry_name == "人口库"
    assert first.elements == [
        {"code": "person.name", "name": "姓名"},
        {"code": "person.id_number", "name": "公民身份号码"},
    ]
    assert first.materials == [{"code": "resident_id_card", "name": "居民身份证"}]
    assert first.purpose == "办理「开办餐饮店」"
    assert first.case_ref == str(consent.case_ref)
    assert first.contracts == ["pkg.open-restaurant@v1"]
    assert "撤回" in views[2].reason
    assert reads_for_subject(unknown_person()) == []
