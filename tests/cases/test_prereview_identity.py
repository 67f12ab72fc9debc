"""Pre-review checks an ID number typed for someone else (consent declined, so no registry verified it):
a valid number (check digit), the same person's number the same in every field, two people never one
number, and a child's number never the applicant's own. Each refusal names the field, in Chinese."""

from __future__ import annotations

from onego.cases.prereview import FieldRule, identity_problems, pre_review, rules_from_snapshot
from onego.core.validators import id_number_check_char


def valid_id(body: str) -> str:
    return body + id_number_check_char(body)


MOTHER = valid_id("52010219900307122")
FATHER = valid_id("52010219880512123")
APPLICANT = MOTHER  # the mother applies for her newborn
CHILD = valid_id("52010220260101124")


def rule(element: str, name: str, subject: str, consent: str = "own", subject_name: str = "") -> FieldRule:
    return FieldRule(
        element, name, "id_number", True, subject=subject, subject_consent=consent, subject_name=subject_name
    )


PERSON = rule("person.id_number", "申请人公民身份号码", "applicant", consent="")
MOTHER_ID = rule("mother.id_number", "母亲公民身份号码", "mother", subject_name="母亲")
FATHER_ID = rule("father.id_number", "父亲公民身份号码", "father", subject_name="父亲")
CHILD_ID = rule("child.id_number", "子女公民身份号码", "child", consent="guardian", subject_name="子女")
CHILD_AGAIN = rule(
    "child.id_number_again", "子女身份证号（户籍页）", "child", consent="guardian", subject_name="子女"
)


def kinds(problems: list) -> list[tuple[str, str]]:
    return [(p.field, p.kind) for p in problems]


def test_a_typed_number_with_a_wrong_check_digit_is_refused_naming_the_field() -> None:
    wrong = FATHER[:-1] + ("0" if FATHER[-1] != "0" else "1")
    problems = pre_review([FATHER_ID], [], {"father.id_number": wrong}, [])
    assert kinds(problems) == [("father.id_number", "invalid_field")]
    assert "父亲公民身份号码" in problems[0].message


def test_the_mother_applying_may_give_her_own_number_as_the_mothers() -> None:
    # The applicant is the mother: her number in person.id_number and in mother.id_number is one person.
    values = {"person.id_number": APPLICANT, "mother.id_number": MOTHER, "father.id_number": FATHER}
    assert identity_problems([PERSON, MOTHER_ID, FATHER_ID], values, applicant_identifier=APPLICANT) == []


def test_the_fathers_number_equal_to_the_mothers_is_refused() -> None:
    # Two different people cannot share one number: the second one typed is named.
    values = {"mother.id_number": MOTHER, "father.id_number": MOTHER}
    problems = identity_problems([MOTHER_ID, FATHER_ID], values, applicant_identifier=APPLICANT)
    assert kinds(problems) == [("father.id_number", "same_id_number")]
    assert problems[0].message == (
        "“父亲公民身份号码”与“母亲公民身份号码”是两个不同的人，不能是同一个公民身份号码，请核对"
    )


def test_a_childs_number_equal_to_the_applicants_own_is_refused() -> None:
    # The applicant acts for the child as guardian, so the child is never the applicant: typing one's own
    # number for the child is the mistake (or the dodge) this refuses — by identity or by the form.
    problems = identity_problems([CHILD_ID], {"child.id_number": APPLICANT}, applicant_identifier=APPLICANT)
    assert kinds(problems) == [("child.id_number", "applicants_id_number")]
    assert problems[0].message == "“子女公民身份号码”填写的是申请人本人的公民身份号码，请填写子女本人的号码"
    typed_own = {"person.id_number": FATHER, "child.id_number": FATHER}
    assert kinds(identity_problems([PERSON, CHILD_ID], typed_own)) == [
        ("child.id_number", "applicants_id_number")
    ]


def test_the_same_persons_number_typed_twice_must_match() -> None:
    values = {"child.id_number": CHILD, "child.id_number_again": FATHER}
    problems = identity_problems([CHILD_ID, CHILD_AGAIN], values, applicant_identifier=APPLICANT)
    assert kinds(problems) == [("child.id_number_again", "inconsistent_id_number")]
    assert "两处填写不一致" in problems[0].message
    same = {"child.id_number": CHILD, "child.id_number_again": CHILD.lower()}
    assert identity_problems([CHILD_ID, CHILD_AGAIN], same, applicant_identifier=APPLICANT) == []


def test_pre_review_reports_them_with_the_other_field_problems() -> None:
    values = {"mother.id_number": MOTHER, "father.id_number": MOTHER}
    problems = pre_review([MOTHER_ID, FATHER_ID], [], values, [], applicant_identifier=APPLICANT)
    assert kinds(problems) == [("father.id_number", "same_id_number")]


def test_the_subject_and_its_consent_come_from_the_compiled_snapshot() -> None:
    snapshot = {
        "form": [
            {
                "title": "子女",
                "fields": [
                    {"element": "child.id_number", "name": "子女公民身份号码", "type": "id_number",
                     "required": True, "subject": "child"},
                ],
            }
        ],
        "subjects": [{"code": "child", "name": "子女", "consent": "guardian"}],
    }  # fmt: skip
    [field], _ = rules_from_snapshot(snapshot)
    assert (field.subject, field.subject_name, field.subject_consent) == ("child", "子女", "guardian")
    problems = pre_review([field], [], {"child.id_number": APPLICANT}, [], applicant_identifier=APPLICANT)
    assert kinds(problems) == [("child.id_number", "applicants_id_number")]
