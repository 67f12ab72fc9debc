"""The state machines and the join rule, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onego.cases.workflow import (
    CASE_TRANSITIONS,
    SUBCASE_DECIDED,
    SUBCASE_TRANSITIONS,
    CaseStatus,
    InvalidTransition,
    Outcome,
    SubCaseStatus,
    check_case_transition,
    check_subcase_transition,
    join_outcome,
)

S = SubCaseStatus


def test_every_status_has_a_row_in_its_table() -> None:
    assert set(CASE_TRANSITIONS) == set(CaseStatus)
    assert set(SUBCASE_TRANSITIONS) == set(SubCaseStatus)


def test_final_statuses_allow_no_move() -> None:
    for final in (CaseStatus.CONCLUDED, CaseStatus.WITHDRAWN, CaseStatus.NOT_ACCEPTED):
        assert CASE_TRANSITIONS[final] == frozenset()
    assert SUBCASE_TRANSITIONS[S.REJECTED] == SUBCASE_TRANSITIONS[S.CANCELLED] == frozenset()


def test_refusing_a_move_out_of_a_final_state_names_the_state() -> None:
    with pytest.raises(InvalidTransition) as err:
        check_case_transition(CaseStatus.CONCLUDED, CaseStatus.IN_PROGRESS)
    assert err.value.message == "办件已是“已办结”状态，不能再改为“办理中”"
    assert err.value.code == "invalid_transition"


def test_refusing_a_skipped_step_says_where_the_case_is() -> None:
    with pytest.raises(InvalidTransition) as err:
        check_case_transition(CaseStatus.DRAFT, CaseStatus.ACCEPTED)
    assert err.value.message == "办件当前为“草稿”，不能直接改为“已受理”"


def test_an_approved_sub_case_cannot_be_rejected() -> None:
    with pytest.raises(InvalidTransition) as err:
        check_subcase_transition(S.APPROVED, S.REJECTED)
    assert "子件已是“准予”状态" in err.value.message


def test_allowed_moves_pass() -> None:
    check_case_transition(CaseStatus.IN_PROGRESS, CaseStatus.READY_TO_CONCLUDE)
    check_subcase_transition(S.CLAIMED, S.SUPPLEMENT)


def test_join_waits_while_any_sub_case_is_open() -> None:
    assert join_outcome([S.APPROVED, S.CLAIMED]) is None
    assert join_outcome([S.APPROVED, S.WAITING]) is None
    assert join_outcome([S.SUPPLEMENT]) is None


def test_join_of_nothing_is_no_decision() -> None:
    assert join_outcome([]) is None


def test_join_approves_only_when_all_are_approved() -> None:
    assert join_outcome([S.APPROVED, S.APPROVED]) == Outcome.APPROVED


def test_join_is_partial_when_some_are_approved() -> None:
    assert join_outcome([S.APPROVED, S.REJECTED, S.CANCELLED]) == Outcome.PARTLY_APPROVED


def test_join_rejects_when_none_is_approved() -> None:
    assert join_outcome([S.REJECTED, S.CANCELLED]) == Outcome.REJECTED


@given(st.lists(st.sampled_from(list(SubCaseStatus)), max_size=8))
def test_join_decides_exactly_when_everything_is_decided(statuses: list[SubCaseStatus]) -> None:
    outcome = join_outcome(statuses)
    decided = bool(statuses) and all(s in SUBCASE_DECIDED for s in statuses)
    assert (outcome is not None) == decided
    if outcome == Outcome.APPROVED:
        assert all(s == S.APPROVED for s in statuses)


def _diagram_edges(title: str) -> set[tuple[str, str]]:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "cases.md").read_text(encoding="utf-8")
    block = text.split(title, 1)[1].split("```mermaid", 1)[1].split("```", 1)[0]
    edges = set()
    for line in block.splitlines():
        if "-->" not in line:
            continue
        left, right = (part.strip() for part in line.split("-->", 1))
        right = right.split(":", 1)[0].strip()
        if "[*]" not in (left, right):
            edges.add((left, right))
    return edges


def test_the_documented_diagrams_match_the_transition_tables() -> None:
    def table_edges(table: object) -> set[tuple[str, str]]:
        return {(str(a), str(b)) for a, nexts in table.items() for b in nexts}  # type: ignore[attr-defined]

    assert _diagram_edges("## The case") == table_edges(CASE_TRANSITIONS)
    assert _diagram_edges("## A sub-case") == table_edges(SUBCASE_TRANSITIONS)
