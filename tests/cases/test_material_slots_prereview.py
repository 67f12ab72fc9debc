"""Two people's ID cards in one package (issue 13, one material line per person) through the case's own
rules: the case keeps both lines, pre-review asks for each person's card by its own name, and the
exchange's verification of one person's card does not stand in for the other's."""

from __future__ import annotations

from pathlib import Path

import pytest

from onego.cases.prereview import FieldRule, MaterialRule, Provided, pre_review, rules_from_snapshot
from onego.cases.services.submission import _snapshot
from onego.catalog.services import catalog_import
from tests.builders import restaurant_package, write_folder
from tests.catalog.test_subjects import _two_people_doc

pytestmark = pytest.mark.django_db

REP = "resident_id_card__legal_representative"
Rules = tuple[list[FieldRule], list[MaterialRule]]


@pytest.fixture
def rules(tmp_path: Path) -> Rules:
    catalog_import(
        path=write_folder(tmp_path, catalog_doc=_two_people_doc(), packages=[restaurant_package()])
    )
    snapshot, _, _ = _snapshot("open-restaurant", "520102", {"has_licence": False, "floor_area": 120}, (), ())
    return rules_from_snapshot(snapshot)


def _card_problems(rules: Rules, given: list[Provided], verified: set[str]) -> list[tuple[str, str]]:
    fields, materials = rules
    problems = pre_review(fields, materials, {}, given, verified=verified)
    return [(p.field, p.message) for p in problems if p.field.startswith("material:resident_id_card")]


def test_the_case_keeps_one_line_per_persons_id_card(rules: Rules) -> None:
    _, materials = rules
    names = {m.code: m.name for m in materials if m.code.startswith("resident_id_card")}
    assert names == {"resident_id_card": "居民身份证", REP: "居民身份证（法定代表人）"}


def test_pre_review_asks_for_the_representatives_card_by_its_own_name(rules: Rules) -> None:
    only_mine = [Provided("resident_id_card", "id.jpg", 10)]
    problems = _card_problems(rules, only_mine, verified=set())
    assert [field for field, _ in problems] == [f"material:{REP}"]
    assert "居民身份证（法定代表人）" in problems[0][1]


def test_both_cards_given_leave_no_card_problem(rules: Rules) -> None:
    both = [Provided("resident_id_card", "id.jpg", 10), Provided(REP, "rep.jpg", 10)]
    assert _card_problems(rules, both, verified=set()) == []


def test_verifying_the_applicants_card_does_not_exempt_the_representatives(rules: Rules) -> None:
    problems = _card_problems(rules, [], verified={"resident_id_card"})
    assert [field for field, _ in problems] == [f"material:{REP}"]
    assert _card_problems(rules, [], verified={"resident_id_card", REP}) == []
