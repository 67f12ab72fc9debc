"""What an approved item creates (`produces`) is assigned by its registry and written into the case."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from onego.accounts.models import Role
from onego.cases.identity import is_sealed, unseal
from onego.cases.models import Case, InstantDecision, SubCaseTransition
from onego.cases.services.acceptance import case_accept
from onego.cases.services.common import lock_subcase
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.decisions import subcase_approve, subcase_claim, subcase_review_instant
from onego.cases.services.produced import record_produced_values, void_produced_values
from onego.cases.services.submission import ApplicantIn
from onego.cases.services.supplements import SupplementItemIn, subcase_request_supplement, supplement_answer
from onego.catalog.services import catalog_import
from onego.core.errors import Conflict
from onego.core.pii import blind_index
from onego.core.uow import unit_of_work
from onego.core.validators import (
    check_id_number,
    check_uscc,
    id_number_birth_date,
    id_number_is_male,
)
from onego.ledger.models import LedgerEntry
from onego.registries import models as rm
from onego.registries.gateway import Subject, find_licences, set_registry_available
from tests.builders import item, write_folder
from tests.cases.factories import (
    ENTERPRISE_USCC,
    PERSON_ID,
    cases_catalog,
    cases_package,
    full_form,
    make_staff,
    run_tasks,
    subcase,
    submit,
)
from tests.cases.results_builders import ENTERPRISE_NAME, ResultsStaff, decide

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def produced_catalog(*, sensitive_uscc: bool = False, instant_birth: bool = False) -> dict[str, Any]:
    """The cases catalog, its business licence creating `enterprise.uscc`, plus a birth registration
    creating `newborn.id_number` (即办件 eligible for 秒批 with `instant_birth`) and an insurance item
    that needs it."""
    doc = cases_catalog()
    for el in doc["data_elements"]:
        if el["code"] == "enterprise.uscc" and sensitive_uscc:
            el["sensitive"] = True
    doc["department_types"].append({"code": "medical_insurance", "name": "医疗保障"})
    doc["departments"] += [
        {"code": "nm-ga", "name": "南明区公安分局", "type": "public_security", "region": "520102"},
        {"code": "gy-yb", "name": "贵阳市医疗保障局", "type": "medical_insurance", "region": "520100"},
    ]
    doc["data_elements"] += [
        {"code": "newborn.name", "name": "新生儿姓名"},
        {"code": "newborn.gender", "name": "新生儿性别", "type": "choice", "choices": ["男", "女"]},
        {"code": "newborn.birth_date", "name": "出生日期", "type": "date"},
        {
            "code": "newborn.id_number",
            "name": "新生儿公民身份号码",
            "type": "id_number",
            "sensitive": True,
            "registry": "population",
        },
        {
            "code": "mother.id_number",
            "name": "母亲公民身份号码",
            "type": "id_number",
            "sensitive": True,
            "registry": "population",
        },
        {"code": "fire.certificate_number", "name": "消防安全检查合格证号"},  # no registry keeps it
    ]
    produces = {
        "business_licence": ["enterprise.uscc"],
        "fire_safety_inspection": ["fire.certificate_number"],
    }
    for it in doc["items"]:
        it["produces"] = produces.get(it["code"], [])
        if it["code"] == "quick_filing":
            # 秒批 for the filing: only the registered code is read, so it decides once the code is verified.
            it["instant_rule"] = {
                "explanation": "经营备案：市场主体已登记",
                "checks": [{"check": 'enterprise.uscc != ""', "label": "统一社会信用代码有效"}],
                "examples": [
                    {"data": {"enterprise.uscc": ENTERPRISE_USCC}, "expect": "approve"},
                    {"data": {}, "expect": "refer"},
                ],
            }
    doc["items"] += [
        item(
            "birth_registration",
            name="出生登记（新生儿入户）",
            department="public_security",
            item_type="confirmation",
            promised_limit_days=1,
            legal_limit_days=5,
            sole_approver=True,
            produces=["newborn.id_number"],
            fields=[
                "person.name",
                "person.id_number",
                "newborn.name",
                "newborn.gender",
                "newborn.birth_date",
                "mother.id_number",
            ],
        ),  # fmt: skip
        item(
            "newborn_health_record",
            name="新生儿健康档案建档",
            department="medical_insurance",
            level="city",
            item_type="public_service",
            fields=["newborn.name"],
        ),
        item(
            "newborn_medical_insurance",
            name="城乡居民医保参保登记",
            department="medical_insurance",
            level="city",
            item_type="public_service",
            fields=["newborn.name", "newborn.id_number"],
        ),
    ]
    if instant_birth:  # 即办件 with 秒批
        birth = next(it for it in doc["items"] if it["code"] == "birth_registration")
        birth.update(
            handling_type="immediate",
            promised_limit_days=0,
            instant_approval=True,
            instant_rule={
                "explanation": "出生登记：母亲户籍身份已核验",
                "checks": [{"check": 'mother.id_number != ""', "label": "母亲公民身份号码有效"}],
                "examples": [
                    {"data": {"mother.id_number": PERSON_ID}, "expect": "approve"},
                    {
                        "data": {"mother.id_number": PERSON_ID},
                        "unverified": ["mother.id_number"],
                        "expect": "refer",
                    },
                ],
            },
        )
    return doc


def restaurant() -> dict[str, Any]:
    """Everything after the business licence, the instant filing included."""
    return cases_package(
        items=[
            {"item": "business_licence", "when": "not has_licence"},
            {"item": "food_business_permit", "binding": "bound", "after": ["business_licence"]},
            {"item": "fire_safety_inspection", "when": "floor_area > 300", "after": ["business_licence"]},
            {"item": "quick_filing", "binding": "bound", "after": ["business_licence"]},
        ]
    )


def newborn() -> dict[str, Any]:
    return {
        "code": "newborn-birth",
        "name": {"zh": "新生儿出生", "en": "Newborn birth"},
        "theme": "person.birth",
        "regions": ["520000"],
        "lead_department": "public_security",
        "items": [
            {"item": "birth_registration", "binding": "bound"},
            {"item": "newborn_medical_insurance", "binding": "bound", "after": ["birth_registration"]},
        ],
    }


def newborn_parallel() -> dict[str, Any]:
    """The birth registration and an item beside it, which can ask for a supplement meanwhile."""
    return {
        **newborn(),
        "code": "newborn-parallel",
        "name": {"zh": "新生儿出生（并联）", "en": "Newborn birth, in parallel"},
        "items": [
            {"item": "birth_registration", "binding": "bound"},
            {"item": "newborn_health_record", "binding": "bound"},
        ],
    }


def load(tmp_path: Path, *, sensitive_uscc: bool = False, instant_birth: bool = False) -> None:
    catalog_import(
        path=write_folder(
            tmp_path / "catalog",
            produced_catalog(sensitive_uscc=sensitive_uscc, instant_birth=instant_birth),
            [restaurant(), newborn(), newborn_parallel()],
        )
    )


@pytest.fixture
def staff(db: None, tmp_path: Path, settings: Any) -> ResultsStaff:
    settings.MEDIA_ROOT = tmp_path / "media"
    load(tmp_path)
    return ResultsStaff()


def restaurant_case(staff: ResultsStaff, key: str = "produced-0001") -> Case:
    form = {
        k: v for k, v in full_form().items() if k != "enterprise.uscc"
    }  # not asked: the licence creates it
    result = submit(staff.clerk, key=key, form_data=form)
    assert result.case.status == "pre_reviewed", result.case.status
    return case_accept(actor=staff.clerk, case_id=result.case.pk)


def uscc_of(case: Case) -> str:
    case.refresh_from_db()
    return str(unseal(case.form_data["enterprise.uscc"]))


def assign_rows(case: Case) -> list[SubCaseTransition]:
    return list(SubCaseTransition.objects.filter(case=case, action="registry_assign"))


def raw_in_ledger(value: str) -> bool:
    return any(
        value in json.dumps(e.payload, ensure_ascii=False) + e.subject_ref + e.actor
        for e in LedgerEntry.objects.all()
    )


# --- the business licence creates the enterprise's code ------------------------------------------------
def test_approving_the_business_licence_gives_the_case_a_verified_code_of_the_registered_enterprise(
    staff: ResultsStaff,
) -> None:
    case = restaurant_case(staff)
    assert subcase(case, "quick_filing").status == "waiting"
    decide(case, "business_licence", staff.officer)

    uscc = uscc_of(case)
    assert check_uscc(uscc) is None
    assert uscc.startswith("91520102")
    assert not is_sealed(case.form_data["enterprise.uscc"])  # not a sensitive element in this catalog
    assert case.verified["enterprise.uscc"].startswith("enterprise:")
    assert rm.Enterprise.objects.get(uscc=uscc).name == ENTERPRISE_NAME
    # On the timeline, masked.
    [row] = assign_rows(case)
    assert row.subcase.code == "business_licence"
    assert row.reason == f"市场主体库已赋统一社会信用代码 {Subject('enterprise', uscc).masked}（已脱敏）"
    assert uscc not in row.reason
    # On the ledger, by the enterprise's blind index.
    [entry] = LedgerEntry.objects.filter(kind="registry.write")
    assert entry.subject_ref == Subject("enterprise", uscc).index
    assert entry.actor == "dept:nm-scjg"
    assert entry.payload["element"] == "enterprise.uscc"
    assert entry.payload["value_masked"] == Subject("enterprise", uscc).masked
    assert f"enterprise:{entry.payload['assignment']}" == case.verified["enterprise.uscc"]


def test_the_released_instant_item_is_decided_on_the_assigned_code(staff: ResultsStaff) -> None:
    case = restaurant_case(staff)
    decide(case, "business_licence", staff.officer)
    filing = subcase(case, "quick_filing")
    assert filing.status == "approved"
    assert filing.decided_by_label == "秒批规则 quick_filing.v1"


def test_the_later_licences_are_held_by_the_enterprise_with_the_assigned_code(staff: ResultsStaff) -> None:
    case = restaurant_case(staff)
    decide(case, "business_licence", staff.officer)
    decide(case, "food_business_permit", staff.officer2)
    decide(case, "fire_safety_inspection", staff.fire)
    conclusion = case_issue_conclusion(actor=staff.lead, case_id=case.pk, summary="")
    run_tasks()
    conclusion.refresh_from_db()

    uscc = uscc_of(case)
    assert conclusion.results_status == "produced"
    assert {
        (r["item"], r["holder_kind"], r["holder_name"], r["holder_code_masked"]) for r in conclusion.results
    } == {
        ("business_licence", "enterprise", ENTERPRISE_NAME, Subject("enterprise", uscc).masked),
        ("food_business_permit", "enterprise", ENTERPRISE_NAME, Subject("enterprise", uscc).masked),
    }
    assert all("holder_note" not in r for r in conclusion.results)
    held = find_licences(Subject("enterprise", uscc))
    assert sorted(lic.licence_type for lic in held) == ["business_licence", "food_business_licence"]
    assert find_licences(Subject("person", PERSON_ID)) == []


def test_a_sensitive_code_is_stored_sealed(db: None, tmp_path: Path) -> None:
    load(tmp_path, sensitive_uscc=True)
    staff = ResultsStaff()
    case = restaurant_case(staff)
    decide(case, "business_licence", staff.officer)
    case.refresh_from_db()
    assert is_sealed(case.form_data["enterprise.uscc"])
    assert check_uscc(str(unseal(case.form_data["enterprise.uscc"]))) is None


def test_recording_again_assigns_no_second_code_and_writes_nothing(staff: ResultsStaff) -> None:
    case = restaurant_case(staff)
    sc = subcase(case, "business_licence")
    decide(case, "business_licence", staff.officer)
    uscc = uscc_of(case)
    with unit_of_work():
        locked, again = lock_subcase(sc.pk)
        record_produced_values(locked, again)
    assert uscc_of(case) == uscc
    assert len(assign_rows(case)) == 1
    assert LedgerEntry.objects.filter(kind="registry.write").count() == 1
    assert rm.Assignment.objects.count() == 1
    assert rm.Enterprise.objects.count() == 1


def test_a_rolled_back_approval_leaves_no_registration_and_its_retry_gets_the_same_code(
    staff: ResultsStaff,
) -> None:
    case = restaurant_case(staff)
    seen: list[str] = []

    def approve_then_fail() -> None:
        with transaction.atomic():
            decide(case, "business_licence", staff.officer)
            seen.append(uscc_of(case))
            raise Rollback

    with pytest.raises(Rollback):
        approve_then_fail()
    [first] = seen
    assert not rm.Enterprise.objects.exists()
    assert not rm.Assignment.objects.exists()
    assert subcase(case, "business_licence").status == "pending"
    decide(case, "business_licence", staff.officer)
    assert uscc_of(case) == first
    assert rm.Enterprise.objects.filter(uscc=first).count() == 1


def test_the_approval_waits_while_the_enterprise_registry_is_down(staff: ResultsStaff) -> None:
    case = restaurant_case(staff)
    set_registry_available(code="enterprise", available=False, note="演练")
    with pytest.raises(Conflict) as err:
        decide(case, "business_licence", staff.officer)
    assert err.value.field == "registry"
    assert "市场主体库暂时无法访问" in err.value.message
    assert subcase(case, "business_licence").status == "pending"
    assert "enterprise.uscc" not in Case.objects.get(pk=case.pk).form_data
    set_registry_available(code="enterprise", available=True)
    decide(case, "business_licence", staff.officer)
    assert check_uscc(uscc_of(case)) is None


def test_an_item_that_creates_nothing_leaves_the_case_alone(staff: ResultsStaff) -> None:
    case = restaurant_case(staff)
    decide(case, "business_licence", staff.officer)
    before = Case.objects.get(pk=case.pk)
    decide(case, "food_business_permit", staff.officer2)  # creates nothing
    after = Case.objects.get(pk=case.pk)
    assert (after.form_data, after.verified) == (before.form_data, before.verified)
    assert len(assign_rows(case)) == 1


def test_a_datum_no_registry_assigns_is_noted_and_left_to_the_department(staff: ResultsStaff) -> None:
    case = restaurant_case(staff)
    decide(case, "business_licence", staff.officer)
    decide(case, "fire_safety_inspection", staff.fire)
    case.refresh_from_db()
    assert "fire.certificate_number" not in case.form_data
    assert "fire.certificate_number" not in case.verified
    notes = [r for r in assign_rows(case) if r.subcase.code == "fire_safety_inspection"]
    assert [r.reason for r in notes] == ["“消防安全检查合格证号”由登记机关另行告知，本平台未能自动取得"]
    assert LedgerEntry.objects.filter(kind="registry.write").count() == 1  # the business licence's only


# --- the birth registration creates the newborn's ID number ----------------------------------------------
def newborn_case(
    clerk: Any, *, verified: dict[str, str] | None = None, package_code: str = "newborn-birth"
) -> Case:
    form = {
        "person.name": "张三",
        "person.id_number": PERSON_ID,
        "newborn.name": "张小满",
        "newborn.gender": "女",
        "newborn.birth_date": "2026-02-20",
        "mother.id_number": PERSON_ID,  # the mother applies (this catalog declares no mother subject)
    }
    result = submit(
        clerk,
        key="newborn-0001",
        package_code=package_code,
        applicant=ApplicantIn(kind="person", identifier=PERSON_ID, name="张三"),
        answers={},
        form_data=form,
        materials=[],
        verified=verified or {},
    )
    assert result.case.status == "pre_reviewed", result.case.status
    return case_accept(actor=clerk, case_id=result.case.pk)


def test_a_registered_newborn_gets_a_valid_number_of_the_region_and_birth_date_never_in_the_clear(
    db: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load(tmp_path)
    clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
    police = make_staff("police", "nm-ga", Role.OFFICER)
    case = newborn_case(clerk)
    caplog.set_level(logging.DEBUG)
    decide(case, "birth_registration", police)

    case.refresh_from_db()
    stored = case.form_data["newborn.id_number"]
    assert is_sealed(stored)
    number = str(unseal(stored))
    assert check_id_number(number) is None
    assert number[:6] == "520102"
    assert id_number_birth_date(number).isoformat() == "2026-02-20"
    assert not id_number_is_male(number)
    assert case.verified["newborn.id_number"].startswith("population:")
    resident = rm.Resident.objects.get(id_index=blind_index(number, kind="person"))
    assert resident.name == "张小满"
    # The item that needed the number has started.
    assert subcase(case, "newborn_medical_insurance").status == "pending"
    # Timeline masked, ledger by blind index, logs masked: the raw number is nowhere.
    [row] = assign_rows(case)
    assert row.reason == f"户籍库已赋新生儿公民身份号码 {Subject('person', number).masked}（已脱敏）"
    [entry] = LedgerEntry.objects.filter(kind="registry.write")
    assert entry.subject_ref == blind_index(number, kind="person")
    assert entry.payload["value_masked"] == Subject("person", number).masked
    assert not raw_in_ledger(number)
    assert all(number not in r.getMessage() for r in caplog.records)


# --- an overturned instant approval voids what it created ------------------------------------------------


class Birth:
    """A catalog whose birth registration is decided by 秒批, and the people who handle it."""

    def __init__(self) -> None:
        self.clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
        self.police = make_staff("police", "nm-ga", Role.OFFICER)
        self.insurer = make_staff("insurer", "gy-yb", Role.OFFICER)

    def case(self, package_code: str = "newborn-birth") -> Case:
        case = newborn_case(
            self.clerk, verified={"mother.id_number": "prefill:run-1"}, package_code=package_code
        )
        assert subcase(case, "birth_registration").status == "approved"  # by the rule, at acceptance
        return case

    def overturn(self, case: Case, opinion: str = "出生医学证明信息待核实") -> None:
        subcase_review_instant(
            actor=self.police,
            subcase_id=subcase(case, "birth_registration").pk,
            uphold=False,
            opinion=opinion,
        )


@pytest.fixture
def birth(db: None, tmp_path: Path) -> Birth:
    load(tmp_path, instant_birth=True)
    return Birth()


def number_of(case: Case) -> str:
    case.refresh_from_db()
    return str(unseal(case.form_data["newborn.id_number"]))


def void_entries() -> list[LedgerEntry]:
    return [
        e for e in LedgerEntry.objects.filter(kind="registry.write") if e.payload.get("operation") == "void"
    ]


def test_overturning_the_instant_birth_registration_voids_the_number_and_takes_it_out_of_the_case(
    birth: Birth,
) -> None:
    case = birth.case()
    number = number_of(case)
    version = case.version
    birth.overturn(case)

    case.refresh_from_db()
    assert "newborn.id_number" not in case.form_data
    assert "newborn.id_number" not in case.verified
    assert case.version == version + 1  # a client holding the case with the number is refused
    assert subcase(case, "birth_registration").status == "claimed"
    assert subcase(case, "newborn_medical_insurance").status == "waiting"
    # The registry keeps the voided assignment as its record; the registration is undone.
    row = rm.Assignment.objects.get()
    assert (row.status, row.value) == ("voided", number)
    assert row.voided_at is not None
    assert (
        row.void_reason
        == f"办件{case.reference}“出生登记（新生儿入户）”的准予决定撤回：出生医学证明信息待核实"
    )
    assert not rm.Resident.objects.filter(id_index=blind_index(number, kind="person")).exists()
    # On the timeline, masked.
    masked = Subject("person", number).masked
    [row_void] = SubCaseTransition.objects.filter(case=case, action="registry_void")
    assert row_void.subcase.code == "birth_registration"
    assert row_void.reason == (
        f"准予决定撤回，户籍库已作废所赋新生儿公民身份号码 {masked}（已脱敏），该号码不再使用；"
        "办件中的该项数据已移除，再次准予时重新赋码"
    )
    # On the ledger, by the reviewer, the newborn's blind index and the masked number.
    [entry] = void_entries()
    assert entry.actor == "dept:nm-ga/user:police"
    assert entry.subject_ref == blind_index(number, kind="person")
    assert entry.case_ref == str(case.pk)
    assert entry.payload["element"] == "newborn.id_number"
    assert entry.payload["assignment"] == str(row.pk)
    assert entry.payload["value_masked"] == masked
    assert not raw_in_ledger(number)


def test_approving_again_after_the_overturn_assigns_a_new_number(birth: Birth) -> None:
    case = birth.case()
    first = number_of(case)
    birth.overturn(case)
    subcase_approve(actor=birth.police, subcase_id=subcase(case, "birth_registration").pk, opinion="核实无误")

    second = number_of(case)
    assert second != first
    assert check_id_number(second) is None
    assert second[:14] == first[:14]  # the same region and birth date; another sequence code
    active = rm.Assignment.objects.get(status="active")
    assert case.verified["newborn.id_number"] == f"population:{active.pk}"
    assert rm.Assignment.objects.get(status="voided").value == first
    assert rm.Resident.objects.get(id_index=blind_index(second, kind="person")).name == "张小满"
    assert subcase(case, "newborn_medical_insurance").status == "pending"
    assert [e.payload["operation"] for e in LedgerEntry.objects.filter(kind="registry.write")] == [
        "assign",
        "void",
        "assign",
    ]


def test_voiding_again_changes_nothing(birth: Birth) -> None:
    case = birth.case()
    birth.overturn(case)
    before = Case.objects.get(pk=case.pk)
    with unit_of_work():
        locked, again = lock_subcase(subcase(case, "birth_registration").pk)
        void_produced_values(locked, again, actor=birth.police, reason="重试")
    after = Case.objects.get(pk=case.pk)
    assert (after.form_data, after.verified, after.version) == (
        before.form_data,
        before.verified,
        before.version,
    )
    assert SubCaseTransition.objects.filter(case=case, action="registry_void").count() == 1
    assert len(void_entries()) == 1
    assert rm.Assignment.objects.get().void_reason.endswith("出生医学证明信息待核实")


def test_the_overturn_waits_while_the_population_registry_is_down(birth: Birth) -> None:
    case = birth.case()
    number = number_of(case)
    set_registry_available(code="population", available=False, note="演练")
    with pytest.raises(Conflict) as err:
        birth.overturn(case)
    assert err.value.field == "registry"
    assert "户籍库暂时无法访问" in err.value.message
    # Nothing of the overturn happened.
    assert subcase(case, "birth_registration").status == "approved"
    assert InstantDecision.objects.get(subcase__code="birth_registration").reviewed_at is None
    assert number_of(case) == number
    assert rm.Assignment.objects.get().status == "active"
    assert not void_entries()


def test_overturning_an_instant_item_that_creates_nothing_keeps_the_code_another_item_created(
    staff: ResultsStaff,
) -> None:
    case = restaurant_case(staff)
    decide(case, "business_licence", staff.officer)
    uscc = uscc_of(case)
    assert subcase(case, "quick_filing").status == "approved"  # by its rule, on the assigned code
    subcase_review_instant(
        actor=staff.officer, subcase_id=subcase(case, "quick_filing").pk, uphold=False, opinion="人工核实"
    )
    assert uscc_of(case) == uscc
    assert case.verified["enterprise.uscc"].startswith("enterprise:")
    assert rm.Assignment.objects.get().status == "active"
    assert rm.Enterprise.objects.get(uscc=uscc).status == "存续"
    assert not void_entries()


# --- the case's version moves with what the registry writes into it ---------------------------------------
def health_supplement(birth: Birth, case: Case) -> None:
    """The beside item asks for a supplement: the case waits for the applicant."""
    health = subcase(case, "newborn_health_record")
    subcase_claim(actor=birth.insurer, subcase_id=health.pk)
    subcase_request_supplement(
        actor=birth.insurer,
        subcase_id=health.pk,
        items=[SupplementItemIn("newborn.name", "请核对新生儿姓名")],
    )


def answer_name(clerk: Any, case: Case, *, expected_version: int) -> None:
    """The applicant answers the beside item's supplement, from a page holding `expected_version`."""
    supplement_answer(
        actor=clerk, case_id=case.pk, form_data={"newborn.name": "张小满"}, expected_version=expected_version
    )


def test_the_assigned_number_bumps_the_case_version_so_a_stale_answer_is_refused(
    db: None, tmp_path: Path
) -> None:
    load(tmp_path)
    people = Birth()
    case = newborn_case(people.clerk, package_code="newborn-parallel")
    health_supplement(people, case)
    seen = Case.objects.get(pk=case.pk).version  # what the applicant's page holds
    decide(case, "birth_registration", people.police)  # the number arrives meanwhile
    assert Case.objects.get(pk=case.pk).version == seen + 1
    with pytest.raises(Conflict) as err:
        answer_name(people.clerk, case, expected_version=seen)
    assert err.value.field == "version"
    answer_name(people.clerk, case, expected_version=seen + 1)
    assert check_id_number(number_of(case)) is None


def test_the_voided_number_bumps_the_case_version_so_a_stale_answer_is_refused(birth: Birth) -> None:
    case = birth.case(package_code="newborn-parallel")
    health_supplement(birth, case)
    seen = Case.objects.get(pk=case.pk).version
    birth.overturn(case)
    assert Case.objects.get(pk=case.pk).version == seen + 1
    with pytest.raises(Conflict) as err:
        answer_name(birth.clerk, case, expected_version=seen)
    assert err.value.field == "version"
