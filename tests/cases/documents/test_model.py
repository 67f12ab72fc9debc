from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.documents.factories import a_conclusion, a_permit, an_integrated_licence, an_opinion

NAIVE = dt.datetime(2026, 3, 5, 14, 30)


def test_a_conclusion_knows_the_chinese_word_for_its_outcome() -> None:
    assert a_conclusion(outcome="partly_approved").outcome_label == "部分准予"
    assert a_conclusion(outcome="rejected").outcome_label == "不予"


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="outcome"):
        a_conclusion(outcome="maybe")


@pytest.mark.parametrize(
    "build",
    [
        lambda: a_conclusion(issued_at=NAIVE),
        lambda: an_opinion(decided_at=NAIVE),
        lambda: an_integrated_licence(issued_at=NAIVE),
    ],
    ids=["conclusion", "opinion", "licence"],
)
def test_naive_times_are_refused_because_the_digest_needs_one_spelling(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="timezone-aware"):
        build()


def test_lists_are_refused_so_a_document_cannot_change_after_its_digest() -> None:
    with pytest.raises(TypeError):
        a_conclusion(opinions=[an_opinion()])


def test_a_licence_lists_at_least_one_permit_and_each_once() -> None:
    with pytest.raises(ValueError, match="at least one"):
        an_integrated_licence(permits=())
    with pytest.raises(ValueError, match="once"):
        an_integrated_licence(permits=(a_permit("000001"), a_permit("000001")))
