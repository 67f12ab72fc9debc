"""Whose data a read is: the other people among what a registry answered (pure)."""

from __future__ import annotations

from onego.core.validators import id_number_check_char
from onego.exchange.subjects import about_others
from onego.registries.base import Subject


def number(first17: str) -> str:
    return first17 + id_number_check_char(first17)


MOTHER = number("52010219940308002")
FATHER = number("52010219921120001")
REP = number("52010219850312101")


def test_the_father_is_found_by_the_number_read_with_his_data() -> None:
    values = {
        "father.name": "张建国",
        "father.id_number": FATHER,
        "mother.id_number": MOTHER,
        "newborn.name": "张小米",
    }
    elements = ["father.name", "father.id_number", "father.ethnicity", "mother.id_number", "newborn.name"]
    [(person, role, theirs)] = about_others(values, elements, Subject("person", MOTHER).index)
    assert person == Subject("person", FATHER)
    assert role == "父亲"
    assert theirs == ["father.name", "father.id_number", "father.ethnicity"]


def test_the_applicant_is_not_repeated_and_unidentified_people_are_not_guessed() -> None:
    values = {"mother.id_number": MOTHER, "father.name": "张建国", "seller.id_number": "123"}
    elements = ["mother.id_number", "father.name", "seller.id_number"]
    assert about_others(values, elements, Subject("person", MOTHER).index) == []


def test_an_enterprises_legal_representative_is_a_person_of_their_own() -> None:
    values = {"enterprise.legal_representative_id_number": REP, "enterprise.name": "贵州好味道科技有限公司"}
    elements = [
        "enterprise.name",
        "enterprise.legal_representative_name",
        "enterprise.legal_representative_id_number",
    ]
    [(person, role, theirs)] = about_others(values, elements, "enterprise-index")
    assert person == Subject("person", REP)
    assert role == "法定代表人"
    assert theirs == ["enterprise.legal_representative_name", "enterprise.legal_representative_id_number"]
