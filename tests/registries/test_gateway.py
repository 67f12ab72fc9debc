"""The gateway: what each registry answers about a subject, outages, licences, material verification."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.core.validators import check_licence_identifier, make_uscc
from onego.registries import gateway as g
from onego.registries import models as m
from onego.registries.authorities import synthetic_type_code
from onego.registries.base import REGISTRY_NAMES
from onego.registries.demo_identities import DemoIdentity
from onego.registries.synthetic import make_id_number
from tests.registries.conftest import subject

pytestmark = pytest.mark.django_db

WANG = "52010219940312902X"
NOBODY = g.Subject("person", make_id_number("110101", dt.date(1990, 3, 7), 1))  # valid, not in the registers


def test_registry_codes_cover_the_issue_and_have_names() -> None:
    for code in ("population", "birth_medical", "marriage", "social_insurance", "medical_insurance",
                 "housing_fund", "real_estate", "enterprise", "elicence", "credit", "tax", "disability"):  # fmt: skip
        assert code in g.REGISTRY_CODES
    assert set(REGISTRY_NAMES) == set(g.REGISTRY_CODES)


def test_subject_index_is_the_blind_index_and_repr_hides_the_key() -> None:
    s = g.Subject("person", WANG)
    assert s.index == g.Subject("person", WANG.lower()).index
    assert s.index != g.Subject("enterprise", WANG).index
    assert WANG not in repr(s)
    assert "5201**********902X" in repr(s)


# --- population, birth, marriage -------------------------------------------------------------------------
def test_population_answers_about_the_person_the_spouse_and_the_family(
    demo: tuple[DemoIdentity, ...],
) -> None:
    values = g.fetch_elements(
        "population",
        subject("王芳"),
        ["person.name", "person.id_number", "person.gender", "person.birth_date", "person.phone",
         "person.household_region", "person.relationship_to_head", "spouse.name", "mother.name",
         "father.name", "father.id_number", "newborn.id_number", "newborn.name", "no.such_element"],
    )  # fmt: skip
    assert values == {
        "person.name": "王芳",
        "person.id_number": WANG,
        "person.gender": "女",
        "person.birth_date": "1994-03-12",
        "person.phone": "13908510001",
        "person.household_region": "520102",
        "person.relationship_to_head": "配偶",
        "spouse.name": "李强",
        # no child registered yet: the parents are she and her husband
        "mother.name": "王芳",
        "father.name": "李强",
        "father.id_number": "520102199208089018",
    }


def test_population_child_is_the_school_age_child_and_newborn_the_registered_baby(demo: object) -> None:
    values = g.fetch_elements(
        "population", subject("黄勇"), ["child.name", "child.birth_date", "newborn.id_number"]
    )
    assert values["child.name"] == "黄子涵"
    assert values["child.birth_date"] == "2019-05-01"
    baby = m.Resident.objects.get(name="黄子墨")
    assert values["newborn.id_number"] == baby.id_number


def test_birth_medical_gives_the_newest_certificate_of_a_parent(demo: object) -> None:
    for parent in ("王芳", "李强"):
        values = g.fetch_elements(
            "birth_medical",
            subject(parent),
            [
                "newborn.name",
                "newborn.birth_date",
                "newborn.birth_certificate_number",
                "mother.id_number",
                "father.name",
            ],
        )
        assert values["newborn.name"] == "李沐阳"
        assert values["newborn.birth_date"] == (clock.today() - dt.timedelta(days=10)).isoformat()
        assert values["newborn.birth_certificate_number"].startswith("Q52")
        assert values["mother.id_number"] == WANG
        assert values["father.name"] == "李强"


def test_marriage_register_knows_spouses_and_the_unmarried(demo: object) -> None:
    married = g.fetch_elements(
        "marriage", subject("李强"), ["person.marital_status", "spouse.name", "marriage.certificate_number"]
    )
    assert married["person.marital_status"] == "已婚"
    assert married["spouse.name"] == "王芳"
    assert married["marriage.certificate_number"].startswith("J520102-2019-")
    assert g.fetch_elements("marriage", subject("刘洋"), ["person.marital_status", "spouse.name"]) == {
        "person.marital_status": "未婚"
    }


def test_marriage_status_follows_divorce_and_death(demo: object) -> None:
    record = m.MarriageRecord.objects.get(party_a__name="李强")
    m.Resident.objects.filter(name="王芳").update(alive=False)
    assert g.fetch_elements("marriage", subject("李强"), ["person.marital_status"]) == {
        "person.marital_status": "丧偶"
    }
    record.dissolved_on = dt.date(2024, 1, 1)
    record.save()
    assert g.fetch_elements("marriage", subject("李强"), ["person.marital_status", "spouse.name"]) == {
        "person.marital_status": "离婚"
    }


# --- insurance, housing fund, property, enterprise ---------------------------------------------------------
def test_insurance_and_housing_fund(demo: object) -> None:
    li = subject("李强")
    si = g.fetch_elements(
        "social_insurance",
        li,
        ["person.employer_name", "person.insured_since", "social_security_card.number"],
    )
    assert si == {"person.employer_name": "贵州筑城科技股份有限公司", "person.insured_since": "2014-07-01",
                  "social_security_card.number": si["social_security_card.number"]}  # fmt: skip
    assert si["social_security_card.number"].startswith("D")
    mi = g.fetch_elements(
        "medical_insurance", li, ["medical_insurance.category", "medical_insurance.paid_years"]
    )
    assert mi["medical_insurance.category"] == "职工基本医疗保险"
    assert mi["medical_insurance.paid_years"] > 10
    hf = g.fetch_elements("housing_fund", li, ["housing_fund.account_number", "housing_fund.unit_account"])
    assert set(hf) == {"housing_fund.account_number", "housing_fund.unit_account"}
    assert g.fetch_elements("medical_insurance", subject("周敏"), ["medical_insurance.category"]) == {
        "medical_insurance.category": "城乡居民基本医疗保险"
    }


def test_real_estate_gives_the_house_its_seller_and_utility_accounts(demo: object) -> None:
    values = g.fetch_elements(
        "real_estate",
        subject("刘洋"),
        ["house.real_estate_certificate_number", "house.area", "house.use", "house.held_years", "seller.name",
         "seller.id_number", "utility.water_account", "utility.power_account", "utility.gas_account",
         "utility.network_account", "mortgage.existing_proof_number"],
    )  # fmt: skip
    assert values["house.real_estate_certificate_number"].startswith("黔(2016)贵阳市不动产权第")
    assert values["house.area"] == 118.64
    assert values["house.use"] == "住宅"
    assert values["house.held_years"] == "满5年及以上"
    assert values["seller.name"] == "刘洋"
    assert values["seller.id_number"] == "520115198011029131"
    assert values["utility.water_account"]
    assert values["utility.power_account"]
    assert values["utility.gas_account"]
    assert values["mortgage.existing_proof_number"].startswith("黔(2016)贵阳市不动产证明第")


def test_enterprise_by_code_or_by_its_legal_representative(demo: object) -> None:
    wanted = ["enterprise.name", "enterprise.uscc", "enterprise.legal_representative_name",
              "enterprise.legal_representative_id_number", "enterprise.registered_capital", "enterprise.shareholders"]  # fmt: skip
    by_code = g.fetch_elements("enterprise", subject("贵阳张记餐饮管理有限公司"), wanted)
    assert by_code == {
        "enterprise.name": "贵阳张记餐饮管理有限公司",
        "enterprise.uscc": "91520103MADC00012P",
        "enterprise.legal_representative_name": "张伟",
        "enterprise.legal_representative_id_number": "520103198506189115",
        "enterprise.registered_capital": 50,
        "enterprise.shareholders": "张伟 认缴50万元",
    }
    assert g.fetch_elements("enterprise", subject("张伟"), wanted) == by_code


def test_credit_tax_vehicle_and_transport_for_an_enterprise(demo: object) -> None:
    company = subject("毕节黔通运输有限公司")
    assert g.fetch_elements("credit", company, ["credit.penalty_decision_number"]) == {
        "credit.penalty_decision_number": "毕七交罚〔2024〕156号"
    }
    assert g.fetch_elements("credit", subject("贵阳孙氏商贸有限公司"), ["credit.abnormal_reason"]) == {
        "credit.abnormal_reason": "未按规定报送年度报告"
    }
    assert g.fetch_elements("tax", company, ["enterprise.taxpayer_type"]) == {
        "enterprise.taxpayer_type": "小规模纳税人"
    }
    vehicle = g.fetch_elements(
        "vehicle", company, ["vehicle.plate_number", "driver.name", "driver.licence_class"]
    )
    assert vehicle["vehicle.plate_number"].startswith("贵F")
    assert vehicle["driver.name"] == "杨林"
    assert vehicle["driver.licence_class"] == "A2"
    assert g.fetch_elements("road_transport", company, ["transport.licence_number"]) == {
        "transport.licence_number": "黔交运管许可毕字520502000316号"
    }


def test_disability_certificate_number_is_the_id_number_with_category_and_grade(demo: object) -> None:
    values = g.fetch_elements(
        "disability",
        subject("周敏"),
        ["disability.category", "disability.grade", "disability.certificate_number"],
    )
    assert values == {
        "disability.category": "肢体残疾",
        "disability.grade": "三级",
        "disability.certificate_number": "52050219780930942943",
    }


# --- errors -------------------------------------------------------------------------------------------------
def test_a_registry_switched_off_raises_unavailable_and_recovers(demo: object) -> None:
    g.set_registry_available(code="population", available=False, note="演练")
    assert not g.registry_available("population")
    with pytest.raises(g.RegistryUnavailable) as exc:
        g.fetch_elements("population", subject("王芳"), ["person.name"])
    assert exc.value.registry == "population"
    assert exc.value.message == "户籍库暂时无法访问"
    assert isinstance(exc.value, g.RegistryError)
    assert m.RegistryStateChange.objects.filter(code="population", available=False, note="演练").exists()
    g.set_registry_available(code="population", available=True)
    assert g.fetch_elements("population", subject("王芳"), ["person.name"]) == {"person.name": "王芳"}


def test_every_registry_can_be_switched_off(demo: object) -> None:
    for code in g.REGISTRY_CODES:
        g.set_registry_available(code=code, available=False)
        with pytest.raises(g.RegistryUnavailable):
            g.fetch_elements(code, subject("王芳"), ["person.name"])


def test_switching_an_unknown_registry_is_refused(db: None) -> None:
    with pytest.raises(ValidationFailed):
        g.set_registry_available(code="nowhere", available=False)
    assert not g.registry_available("nowhere")
    with pytest.raises(g.RegistryUnavailable, match="尚未接入"):
        g.fetch_elements("nowhere", NOBODY, ["person.name"])
    assert g.elements_held("nowhere") == frozenset()


def test_an_unknown_subject_is_not_found(demo: object) -> None:
    with pytest.raises(g.SubjectNotFound) as exc:
        g.fetch_elements("population", NOBODY, ["person.name"])
    assert exc.value.registry == "population"
    assert exc.value.message == "户籍库中没有该身份证号码对应的人员"
    with pytest.raises(g.SubjectNotFound, match="市场主体库中没有该统一社会信用代码"):
        g.fetch_elements(
            "enterprise", g.Subject("enterprise", make_uscc("520102", "MA6CK001")), ["enterprise.name"]
        )
    with pytest.raises(g.SubjectNotFound):  # a person the real-estate register has no property of
        g.fetch_elements("real_estate", subject("王芳"), ["house.address"])


def test_elements_held(db: None) -> None:
    assert {"person.name", "person.id_number", "mother.name"} <= g.elements_held("population")
    assert "newborn.birth_weight" in g.elements_held("birth_medical")
    assert g.elements_held("elicence") == frozenset()


# --- licences -----------------------------------------------------------------------------------------------
def test_find_licences_of_a_person_and_an_enterprise(demo: object) -> None:
    licences = g.find_licences(subject("王芳"))
    assert {lic.licence_type for lic in licences} == {"resident_id_card", "marriage_certificate"}
    assert all(check_licence_identifier(lic.identifier) is None for lic in licences)
    card = g.find_licences(subject("王芳"), "resident_id_card")[0]
    assert card.holder_name == "王芳"
    assert card.holder_code_type == "111"
    assert card.issuer_name == "贵阳市公安局南明分局"
    assert WANG not in str(card.data)  # the ID number is the holder code, never in the licence data
    business = g.find_licences(subject("毕节黔通运输有限公司"), "business_licence")
    assert [lic.holder_code_type for lic in business] == ["001"]
    assert business[0].data["legal_representative"] == "马俊"


def test_find_licences_leaves_out_expired_and_revoked_unless_asked(demo: object) -> None:
    lic = m.Licence.objects.get(holder_name="王芳", licence_type="marriage_certificate")
    lic.status = m.LicenceStatus.REVOKED
    lic.save()
    assert [x.licence_type for x in g.find_licences(subject("王芳"))] == ["resident_id_card"]
    assert len(g.find_licences(subject("王芳"), valid_only=False)) == 2
    card = g.find_licences(subject("王芳"), "resident_id_card")[0]
    assert card.valid_until is not None
    with time_machine.travel(
        dt.datetime.combine(card.valid_until + dt.timedelta(days=1), dt.time(12)), tick=False
    ):
        assert g.find_licences(subject("王芳"), "resident_id_card") == []


def test_find_licences_needs_the_elicence_library(demo: object) -> None:
    g.set_registry_available(code="elicence", available=False)
    with pytest.raises(g.RegistryUnavailable, match="电子证照库暂时无法访问"):
        g.find_licences(subject("王芳"))


def test_issue_licence_puts_a_valid_licence_into_the_library(demo: object) -> None:
    issuer = make_uscc("520103", "MB1234X5", department="1", category="1")
    company = subject("贵阳张记餐饮管理有限公司")
    record = g.issue_licence(
        licence_type="food_business_licence",
        type_code=synthetic_type_code("food_business_licence"),
        name="食品经营许可证",
        holder=company,
        holder_name="贵阳张记餐饮管理有限公司",
        issuer_name="云岩区市场监督管理局",
        issuer_code=issuer,
        data={"number": "JY25201030012345", "business_items": "热食类食品制售"},
        valid_until=clock.today() + dt.timedelta(days=365 * 5),
    )
    assert check_licence_identifier(record.identifier) is None
    assert record.identifier.split(".")[6] == issuer
    assert record.issued_on == clock.today()
    assert record.status == "valid"
    assert record.number == "JY25201030012345"
    assert [lic.identifier for lic in g.find_licences(company, "food_business_licence")] == [
        record.identifier
    ]
    second = g.issue_licence(
        licence_type="food_business_licence", type_code=record.type_code, name="食品经营许可证", holder=company,
        holder_name="贵阳张记餐饮管理有限公司", issuer_name="云岩区市场监督管理局", issuer_code=issuer, data={},
    )  # fmt: skip
    assert second.identifier != record.identifier


def test_issue_licence_refuses_bad_codes(demo: object) -> None:
    kwargs = dict(
        licence_type="x", name="x", holder=subject("王芳"), holder_name="王芳", issuer_name="x", data={}
    )
    with pytest.raises(ValidationFailed, match="21位"):
        g.issue_licence(type_code="123", issuer_code=make_uscc("520103", "MB1234X5"), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="颁发机构代码"):
        g.issue_licence(type_code=synthetic_type_code("x"), issuer_code="915201031234567890", **kwargs)  # type: ignore[arg-type]


def test_issued_holder_code_is_encrypted_at_rest(demo: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_code, holder_index FROM registries_licence")
        rows = cursor.fetchall()
    assert rows
    for code, index in rows:
        assert code.startswith("pii1.")
        assert WANG not in code
        assert len(index) == 64


# --- materials ------------------------------------------------------------------------------------------------
def test_verify_material_prefers_a_valid_e_licence(demo: object, materials: None) -> None:
    ref = g.verify_material("marriage_certificate", subject("王芳"))
    assert ref is not None
    assert ref.registry == "elicence"
    assert check_licence_identifier(ref.reference) is None
    assert ref.description == f"结婚证 {ref.reference}（电子证照库核验）"
    assert ref.verified_at == pytest.approx(clock.now(), abs=dt.timedelta(minutes=1))


def test_verify_material_asks_the_registry_when_there_is_no_licence_type(
    demo: object, materials: None
) -> None:
    ref = g.verify_material("birth_medical_certificate", subject("王芳"))
    assert ref is not None
    assert ref.registry == "birth_medical"
    assert ref.reference.startswith("Q52")
    assert ref.description == f"出生医学证明 {ref.reference}（出生医学证明库核验）"
    vehicle = g.verify_material("vehicle_licence", subject("毕节黔通运输有限公司"))
    assert vehicle is not None
    assert vehicle.reference.startswith("贵F")


def test_verify_material_falls_back_to_the_registry_when_the_elicence_library_is_down(
    demo: object, materials: None
) -> None:
    g.set_registry_available(code="elicence", available=False)
    ref = g.verify_material("resident_id_card", subject("王芳"))
    assert ref is not None
    assert ref.registry == "population"
    assert ref.reference == "5201**********902X"  # an ID number only ever masked in a reference
    g.set_registry_available(code="population", available=False)
    with pytest.raises(g.RegistryUnavailable):
        g.verify_material("resident_id_card", subject("王芳"))
    with pytest.raises(g.RegistryUnavailable, match="电子证照库"):
        g.verify_material("food_business_licence", subject("贵阳张记餐饮管理有限公司"))


def test_verify_material_returns_none_when_nothing_proves_it(demo: object, materials: None) -> None:
    assert g.verify_material("marriage_certificate", subject("刘洋")) is None  # unmarried
    assert g.verify_material("food_business_licence", subject("贵阳张记餐饮管理有限公司")) is None
    assert g.verify_material("company_articles", subject("贵阳张记餐饮管理有限公司")) is None  # not shareable
    assert g.verify_material("no_such_material", subject("王芳")) is None
    assert g.verify_material("resident_id_card", NOBODY) is None


def test_verify_material_through_the_registry_when_the_licence_was_revoked(
    demo: object, materials: None
) -> None:
    m.Licence.objects.filter(holder_name="李强", licence_type="marriage_certificate").update(status="revoked")
    ref = g.verify_material("marriage_certificate", subject("李强"))
    assert ref is not None
    assert ref.registry == "marriage"
    assert ref.reference.startswith("J520102-2019-")


def test_verify_material_asks_only_the_allowed_sources(demo: object, materials: None) -> None:
    ref = g.verify_material("marriage_certificate", subject("王芳"), allowed={"marriage"})
    assert ref is not None
    assert ref.registry == "marriage"
    ref = g.verify_material("marriage_certificate", subject("王芳"), allowed={"elicence"})
    assert ref is not None
    assert ref.registry == "elicence"
    assert g.verify_material("birth_medical_certificate", subject("王芳"), allowed={"elicence"}) is None
    g.set_registry_available(code="elicence", available=False)
    assert g.verify_material("marriage_certificate", subject("王芳"), allowed={"marriage"}) is not None
