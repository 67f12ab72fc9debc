"""Scenario questions the e-licence library answers for this applicant (issue 12, deliver 3/4).

One rule for every channel: a question bound to an e-licence (`bind: "licence:<type>"`) that the library
answers for the applicant is not asked. Its answer is the library's, looked up on the server
(`cases.bindings.known_answers`, the same lookup `case_submit` compiles with), and shown as answered
("已从电子证照库确认"). The applicant cannot give another answer: the submission would contradict the
library and is refused (`cases/bindings.py`), so the portal wizard and the counter refuse or ignore it
up front. A library that cannot answer now leaves the question to the applicant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onego.cases.bindings import known_answers

LIBRARY = "电子证照库"


@dataclass(frozen=True)
class KnownAnswer:
    ident: str
    value: Any
    source_name: str = LIBRARY


def library_answers(*, package_code: str, applicant_kind: str, identifier: str) -> dict[str, KnownAnswer]:
    """Question id → the answer the e-licence library gives for this applicant (server-side lookup)."""
    known = known_answers(package_code=package_code, applicant_kind=applicant_kind, identifier=identifier)
    return {ident: KnownAnswer(ident=ident, value=value) for ident, value in known.items()}


def apply_known(answers: Mapping[str, Any], known: Mapping[str, KnownAnswer]) -> dict[str, Any]:
    """The answers with every known one taken from its source: whatever was posted for it is ignored."""
    return {**answers, **{ident: k.value for ident, k in known.items()}}


__all__ = ["LIBRARY", "KnownAnswer", "apply_known", "library_answers"]
