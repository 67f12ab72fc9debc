"""A case accepted at the counter, followed online: linking it to the applicant who signed in.

Who may answer a supplement or correct a case online is `Case.applicant_user`
(`access.ensure_applicant_or_clerk`). A case filed online has it from the start; a counter case has
none — its applicant is known only by the blind index of their ID number (or credit code). The
applicant web signs a person in by that same number, so the signed-in subject whose blind index the
case carries may take the case online. The link is a case write like any other: the Case row is
locked, the timeline says who linked it and when, and it commits or rolls back with the caller's
transaction (the portal links in the same transaction as the answer: the answer fails → no link).
"""

from __future__ import annotations

from typing import Any

from onego.cases.models import Case
from onego.cases.services.common import lock_case
from onego.cases.workflow import record_event
from onego.core.uow import unit_of_work


def may_take_online(case: Case, user: Any) -> bool:
    """Whether `user`, signed in as the case's applicant, may act on it online: it is their online
    case, or a case of theirs no online user holds yet (accepted at the counter)."""
    return case.applicant_user_id is None or case.applicant_user_id == getattr(user, "pk", None)


@unit_of_work
def case_link_applicant(*, case_id: Any, applicant_index: str, user: Any) -> bool:
    """Make `user` the case's online applicant when the case has none; True when it is theirs now.

    `applicant_index` must be the signed-in subject's blind index: it is matched against the case
    here, so a case of someone else is never linked whatever the caller passes. Under the case lock,
    of two first answers at once one links and the other finds the case held.
    """
    case = lock_case(case_id)
    if case.applicant_user_id is not None:
        return bool(case.applicant_user_id == getattr(user, "pk", None))
    if not applicant_index or case.applicant_index != applicant_index:
        return False
    case.applicant_user = user
    case.save(update_fields=["applicant_user", "updated_at"])
    # The version is not bumped: a page the applicant opened before the link stays current.
    record_event(
        case,
        actor=user,
        action="link_online",
        reason="窗口受理的办件已关联申请人的网上账号，可在网上跟踪和补正",
        bump=False,
    )
    return True
