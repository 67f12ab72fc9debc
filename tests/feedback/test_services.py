"""Rating a case and the rectification loop, through the services every channel calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction

from onego.cases.models import Case, Notification
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.feedback.models import Evaluation, EvaluationRevision, Rectification, RectificationTransition
from onego.feedback.rules import Channel, RectStatus
from onego.feedback.services import (
    DepartmentRatingIn,
    RatingIn,
    evaluation_submit,
    evaluation_submit_by_invitation,
    invitation_issue,
    rectification_answer,
    rectification_appeal,
    rectification_close,
    rectification_review,
    rectifications_escalate_overdue,
)
from onego.ledger.models import LedgerEntry
from tests.cases.results_builders import concluded
from tests.feedback.conftest import People, withdrawn_case


def rate(
    case: Case, level: int, *, departments: tuple[DepartmentRatingIn, ...] = (), **kw: Any
) -> Evaluation:
    return evaluation_submit(
        case_id=case.pk,
        rater_index=case.applicant_index,
        channel=kw.pop("channel", Channel.WEB),
        rating=RatingIn(level=level, departments=departments, **kw),
    )


def answer(rect: Rectification, actor: Any, **kw: Any) -> Rectification:
    args = {
        "finding": "rectified",
        "verification": "属实",
        "changes": "已培训窗口人员",
        "reply": "已整改，感谢监督",
    }
    args.update(kw)
    return rectification_answer(actor=actor, rectification_id=rect.pk, **args)


def test_a_good_rating_is_stored_with_its_revision_and_ledger_entry(rateable: Case) -> None:
    before = LedgerEntry.objects.count()
    evaluation = rate(rateable, 5, tags=["efficiency"], comment="很快")
    assert (evaluation.level, evaluation.tags, evaluation.occasion) == (5, ["efficiency"], "withdrawn")
    assert EvaluationRevision.objects.filter(evaluation=evaluation, kind="rate").count() == 1
    entry = LedgerEntry.objects.order_by("-index").first()
    assert LedgerEntry.objects.count() == before + 1
    assert entry is not None
    assert entry.kind == "feedback.evaluation"
    assert entry.actor == "applicant:case"
    assert rateable.applicant_index not in str(entry.payload)  # the rater is not named in the ledger
    assert not Rectification.objects.exists()


def test_a_concluded_case_is_rated_per_department(people: People) -> None:
    case = concluded(people, enterprise=False, produce=False).case
    evaluation = rate(
        case, 4, departments=(DepartmentRatingIn("nm-scjg", 5), DepartmentRatingIn("gy-xf", 3, comment="慢"))
    )
    assert evaluation.occasion == "concluded"
    assert {(d.department.code, d.level) for d in evaluation.departments.all()} == {
        ("nm-scjg", 5),
        ("gy-xf", 3),
    }


def test_a_bad_rating_opens_a_rectification_for_the_responsible_department_with_its_deadline(
    rateable: Case, people: People
) -> None:
    rate(rateable, 2, comment="跑了三趟")
    rect = Rectification.objects.get()
    assert rect.department.code == "nm-scjg"  # the lead department answers for the case
    assert rect.overall
    assert rect.status == RectStatus.OPEN
    assert rect.complaint == "跑了三趟"
    assert rect.due_days == 5  # 南明区 → 贵阳市: 5 working days
    assert rect.due_on == dt.date(2026, 3, 9)  # Monday + 5 working days
    assert RectificationTransition.objects.filter(rectification=rect, action="open").exists()
    told = Notification.objects.filter(kind="feedback_rectification")
    assert {n.recipient.username for n in told} == {"officer", "officer2", "lead"}


def test_a_bad_department_rating_goes_to_that_department(rateable: Case) -> None:
    rate(rateable, 4, departments=(DepartmentRatingIn("gy-xf", 1, comment="消防审查拖延"),))
    rect = Rectification.objects.get()
    assert rect.department.code == "gy-xf"
    assert not rect.overall
    assert rect.level == 1


def test_the_deadline_follows_the_region_setting(rateable: Case, settings: Any) -> None:
    settings.ONEGO_FEEDBACK_RECTIFICATION_DAYS = {"default": 15}
    rate(rateable, 1)
    rect = Rectification.objects.get()
    assert rect.due_days == 15
    assert rect.due_on == dt.date(2026, 3, 23)


def test_someone_elses_case_is_not_found(rateable: Case, people: People) -> None:
    other = withdrawn_case(people, key="feedback-other")
    with pytest.raises(NotFound):
        evaluation_submit(
            case_id=rateable.pk, rater_index="f" * 64, channel=Channel.WEB, rating=RatingIn(level=5)
        )
    with pytest.raises(NotFound):
        evaluation_submit(
            case_id="not-a-uuid",
            rater_index=other.applicant_index,
            channel=Channel.WEB,
            rating=RatingIn(level=5),
        )
    assert not Evaluation.objects.exists()


def test_a_running_case_on_time_cannot_be_rated_yet(people: People) -> None:
    from tests.cases.results_builders import accepted_case

    case = accepted_case(people, enterprise=False, key="feedback-running")
    with pytest.raises(ValidationFailed, match="办结、不予受理、撤回或超期后") as err:
        rate(case, 5)
    assert err.value.field == "case"


def test_a_running_case_past_its_promised_date_may_be_rated(
    people: People, monday_morning: time_machine.Coordinates
) -> None:
    from tests.cases.results_builders import accepted_case

    case = accepted_case(people, enterprise=False, key="feedback-late")
    assert case.promised_due is not None
    monday_morning.move_to(dt.datetime.combine(case.promised_due + dt.timedelta(days=1), dt.time(10)))
    assert rate(case, 2).occasion == "overdue"


def test_a_department_not_in_the_case_is_refused_and_nothing_is_stored(rateable: Case) -> None:
    with pytest.raises(ValidationFailed, match="没有参与办理") as err:
        rate(rateable, 1, departments=(DepartmentRatingIn("gz-yc", 1),))
    assert err.value.field == "departments[0].department"
    with pytest.raises(ValidationFailed, match="重复评价"):
        rate(rateable, 1, departments=(DepartmentRatingIn("gy-xf", 1), DepartmentRatingIn("gy-xf", 2)))
    with pytest.raises(ValidationFailed, match="不能超过"):
        rate(rateable, 1, comment="差" * 501)
    assert not Evaluation.objects.exists()
    assert not Rectification.objects.exists()


def test_a_script_in_a_comment_is_neutralised(rateable: Case) -> None:
    evaluation = rate(rateable, 3, comment="<script>document.cookie</script>还行")
    assert evaluation.comment == "还行"


def test_one_evaluation_per_case_amendable_within_the_window(
    rateable: Case, monday_morning: time_machine.Coordinates
) -> None:
    rate(rateable, 5)
    monday_morning.shift(dt.timedelta(days=6))
    evaluation = rate(rateable, 4, comment="改一下")
    assert (Evaluation.objects.count(), evaluation.version, evaluation.level) == (1, 2, 4)
    monday_morning.shift(dt.timedelta(days=2))
    with pytest.raises(Conflict, match="7 天内可以修改"):
        rate(rateable, 1)
    assert Evaluation.objects.get().level == 4


def test_the_answer_calls_back_and_a_good_rerate_resolves(rateable: Case, people: People) -> None:
    rate(rateable, 2, comment="态度差")
    rect = Rectification.objects.get()
    answer(rect, people.officer)
    rect.refresh_from_db()
    assert rect.status == RectStatus.ANSWERED
    assert rect.answered_on_time is True
    callback = Notification.objects.filter(kind="feedback_callback", to_applicant=True)
    assert callback.exists()
    assert "已培训窗口人员" not in callback.first().body
    assert "已整改，感谢监督" in callback.first().body
    rate(rateable, 4)  # re-rating after the call-back is allowed outside the amendment window too
    rect.refresh_from_db()
    assert rect.status == RectStatus.RESOLVED
    assert [t.action for t in rect.transitions.all()] == ["open", "answer", "rerate"]


def test_a_bad_rerate_reopens_a_new_round(
    rateable: Case, people: People, monday_morning: time_machine.Coordinates
) -> None:
    rate(rateable, 1)
    rect = Rectification.objects.get()
    answer(rect, people.officer, finding="no_basis", changes="")
    monday_morning.shift(dt.timedelta(days=30))  # long after the amendment window
    rate(rateable, 2, comment="解释不清")
    rect.refresh_from_db()
    assert (rect.status, rect.round, rect.complaint) == (RectStatus.OPEN, 2, "解释不清")
    assert rect.due_on > dt.date(2026, 4, 1)


def test_an_amendment_to_good_never_closes_a_bad_rating_silently(rateable: Case) -> None:
    rate(rateable, 1)
    rate(rateable, 5)
    rect = Rectification.objects.get()
    assert rect.status == RectStatus.OPEN
    assert rect.transitions.filter(action="amended").exists()


def test_only_the_departments_deciders_answer(rateable: Case, people: People) -> None:
    rate(rateable, 1)
    rect = Rectification.objects.get()
    with pytest.raises(NotFound):
        answer(rect, people.fire)  # another department: not even visible
    with pytest.raises(PermissionDenied):
        answer(rect, people.supervisor)  # supervisors read, they do not answer
    with pytest.raises(ValidationFailed) as err:
        answer(rect, people.officer, reply="")
    assert err.value.field == "reply"
    with pytest.raises(ValidationFailed) as err:
        answer(rect, people.officer, changes="")  # rectified needs what was changed
    assert err.value.field == "changes"
    answer(rect, people.officer)
    with pytest.raises(Conflict):
        answer(rect, people.officer2)


def test_an_upheld_appeal_voids_the_rating_with_reasons_kept(rateable: Case, people: People) -> None:
    rate(rateable, 1, comment="乱评")
    rect = Rectification.objects.get()
    with pytest.raises(PermissionDenied):
        rectification_appeal(actor=people.officer, rectification_id=rect.pk, reason="x")  # the head appeals
    rectification_appeal(actor=people.lead, rectification_id=rect.pk, reason="申请人评价的是其他地区的事项")
    with pytest.raises(NotFound):
        rectification_review(actor=people.bj_supervisor, rectification_id=rect.pk, uphold=True, reason="x")
    rectification_review(actor=people.supervisor, rectification_id=rect.pk, uphold=True, reason="核实为误评")
    rect.refresh_from_db()
    evaluation = Evaluation.objects.get()
    assert rect.status == RectStatus.VOIDED
    assert rect.appeal_reason
    assert rect.review_reason == "核实为误评"
    assert evaluation.voided_at is not None
    assert evaluation.voided_reason == "核实为误评"
    assert evaluation.level == 1


def test_a_rejected_appeal_sends_the_work_order_back(rateable: Case, people: People) -> None:
    rate(rateable, 1)
    rect = Rectification.objects.get()
    rectification_appeal(actor=people.lead, rectification_id=rect.pk, reason="恶意差评")
    rectification_review(actor=people.supervisor, rectification_id=rect.pk, uphold=False, reason="诉求属实")
    rect.refresh_from_db()
    assert rect.status == RectStatus.OPEN
    assert Evaluation.objects.get().voided_at is None


def test_a_supervisor_closes_an_answered_order_only_with_a_reason(rateable: Case, people: People) -> None:
    rate(rateable, 2)
    rect = Rectification.objects.get()
    with pytest.raises(Conflict):
        rectification_close(actor=people.supervisor, rectification_id=rect.pk, reason="无回应")
    answer(rect, people.officer)
    with pytest.raises(ValidationFailed):
        rectification_close(actor=people.supervisor, rectification_id=rect.pk, reason=" ")
    rectification_close(actor=people.supervisor, rectification_id=rect.pk, reason="三次回访无人接听")
    rect.refresh_from_db()
    assert rect.status == RectStatus.CLOSED


def test_overdue_orders_escalate_once_to_supervisors(
    rateable: Case, people: People, monday_morning: time_machine.Coordinates
) -> None:
    rate(rateable, 1)
    assert rectifications_escalate_overdue() == 0
    monday_morning.shift(dt.timedelta(days=10))
    assert rectifications_escalate_overdue() == 1
    assert rectifications_escalate_overdue() == 0  # idempotent
    rect = Rectification.objects.get()
    assert rect.escalated_at is not None
    assert rect.transitions.filter(action="escalate").count() == 1
    told = {n.recipient.username for n in Notification.objects.filter(kind="feedback_overdue")}
    assert "supervisor" in told
    assert "bj-supervisor" not in told
    answer(rect, people.officer)
    rect.refresh_from_db()
    assert rect.answered_on_time is False


def test_a_window_code_rates_the_case_once_on_the_counter_channel(rateable: Case, people: People) -> None:
    invitation = invitation_issue(actor=people.clerk, case_id=rateable.pk)
    assert len(invitation.code) == 8
    evaluation = evaluation_submit_by_invitation(
        code=invitation.code.lower(), rating=RatingIn(level=3, tags=["attitude"])
    )
    assert evaluation.channel == Channel.COUNTER
    with pytest.raises(NotFound, match="已使用"):
        evaluation_submit_by_invitation(code=invitation.code, rating=RatingIn(level=1))


def test_a_window_code_is_refused_to_staff_who_cannot_see_the_case(rateable: Case, people: People) -> None:
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user("stranger")
    with pytest.raises(PermissionDenied):
        invitation_issue(actor=stranger, case_id=rateable.pk)
    with pytest.raises(NotFound):
        invitation_issue(actor=people.bj_supervisor, case_id=rateable.pk)


def test_a_failure_after_the_evaluation_leaves_nothing(
    rateable: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onego.feedback import services

    def broken(*a: Any, **k: Any) -> None:
        raise RuntimeError("ledger down")

    monkeypatch.setattr(services, "ledger_record", broken)
    with pytest.raises(RuntimeError), transaction.atomic():
        rate(rateable, 1)
    assert not Evaluation.objects.exists()
    assert not Rectification.objects.exists()
    assert not Notification.objects.filter(kind="feedback_rectification").exists()
