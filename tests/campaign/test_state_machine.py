"""The standing campaign's state machine: random sequences of submissions, decisions, supplements,
consents and withdrawals through the real services, with the invariants checked after every step.

Any service may refuse a step (a `OneGoError`: not allowed now, not yours, …); the machine then checks
that the refusal wrote nothing. Anything else raised fails the campaign. After every step:

* every status change of every case and sub-case is in the tables of `onego.cases.workflow`, and the
  history rows form one path from the first state to the current one;
* no registry read without a valid consent (granted, not withdrawn, not expired) of the case's own
  applicant;
* exactly one conclusion for a case that is ready to conclude or concluded, none otherwise; one
  ledger entry of the issued conclusion for a concluded case;
* the ledger matches the transitions (acceptance, refusal, every sub-case decision: one entry each),
  and at the end of every run `verify_ledger` finds nothing wrong (the `onego ledger verify` check).

Quick profile (in `make test`): `QUICK_EXAMPLES` runs of up to `QUICK_STEPS` steps. Long profile:
`make campaign` (ONEGO_CAMPAIGN_STEPS=50000), figures in SECURITY.md.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from onego.applications.consent import application_consent, application_prefill
from onego.cases.models import (
    Case,
    CaseTransition,
    Conclusion,
    InspectionParticipant,
    InspectionStatus,
    SubCase,
    SubCaseKind,
    SubCaseTransition,
)
from onego.cases.services.acceptance import case_accept, case_refuse, subcase_accept_registered
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.decisions import (
    subcase_approve,
    subcase_claim,
    subcase_decide_at_window,
    subcase_reject,
)
from onego.cases.services.submission import ApplicantIn, MaterialIn, case_submit_draft, case_withdraw
from onego.cases.services.supplements import SupplementItemIn, subcase_request_supplement, supplement_answer
from onego.cases.workflow import (
    CASE_FINAL,
    CASE_TRANSITIONS,
    SUBCASE_ACTIVE,
    SUBCASE_TRANSITIONS,
    CaseStatus,
    SubCaseStatus,
)
from onego.core.errors import OneGoError
from onego.core.pii import blind_index
from onego.core.validators import id_number_check_char
from onego.exchange.models import Consent, ConsentDecision
from onego.exchange.services import consent_withdraw
from onego.ledger.models import LedgerEntry
from onego.ledger.sequencer import ledger_sequence
from onego.ledger.verify import verify_ledger
from onego.registries.gateway import Subject
from tests.cases.factories import PERSON_ID, full_form, hold_inspection, submit, uploads
from tests.exchange.factories import restaurant_contract
from tests.exchange.people import resident

pytestmark = pytest.mark.django_db

# The long profile: `make campaign` sets ONEGO_CAMPAIGN_STEPS (a test knob, like the schemathesis one).
LONG_STEPS = int(os.environ.get("ONEGO_CAMPAIGN_STEPS", "0"))
QUICK_EXAMPLES, QUICK_STEPS = 12, 50
LONG_STEPS_PER_RUN = 60

SECOND_ID = "52010219851103" + "246"
SECOND_ID += id_number_check_char(SECOND_ID)
PEOPLE = {PERSON_ID: "张三", SECOND_ID: "李四"}
# The actions `act` draws from, repeated to weigh them: the decisions that move a case forward come more
# often than the ones that end it, so runs go deep.
ACTIONS = [
    *["accept"] * 3,
    *["claim"] * 3,
    *["decide"] * 4,
    "accept_registered",
    "inspect",
    "decide_at_window",
    "ask_supplement",
    *["answer_supplement"] * 2,
    *["conclude"] * 2,
    "withdraw",
    "finish_draft",
    *["consent"] * 2,
    "withdraw_consent",
    *["prefill"] * 2,
]
MAX_CASES = 3  # open at once per run: the steps go deep into a few cases rather than wide over many
MAX_RUN_CASES = 6  # in all per run (a new one when the others have ended)
_keys = itertools.count(1)

# What the runs did, for the figures in SECURITY.md (printed with -s).
TALLY: Counter[str] = Counter()


def _snapshot(case_id: Any) -> tuple[Any, ...]:
    """Everything a refused step must leave as it was."""
    case = Case.objects.filter(pk=case_id).values_list("status", "version").first()
    subs = sorted(SubCase.objects.filter(case_id=case_id).values_list("code", "status", "version"))
    return (
        case,
        subs,
        CaseTransition.objects.filter(case_id=case_id).count(),
        SubCaseTransition.objects.filter(case_id=case_id).count(),
        Conclusion.objects.filter(case_id=case_id).values_list("issued_at").first(),
        Consent.objects.filter(case_ref=case_id)
        .values_list("decision", "withdrawn_at")
        .order_by("pk")
        .count(),
        # A refused prefill records the refusal (registry.denied) by design; nothing else may appear.
        LedgerEntry.objects.filter(case_ref=str(case_id)).exclude(kind="registry.denied").count(),
    )


def _path_ok(rows: list[tuple[str, str]], current: str, initial: frozenset[str]) -> str:
    """'' when the status changes form one path from an initial state to `current`; else what is wrong."""
    balance: Counter[str] = Counter()
    for before, after in rows:
        balance[after] += 1
        balance[before] -= 1
    balance = Counter({k: v for k, v in balance.items() if v})
    if not balance:
        return "" if current in initial or rows else f"no history but status {current}"
    ends = {k for k, v in balance.items() if v == 1}
    starts = {k for k, v in balance.items() if v == -1}
    if len(balance) != 2 or ends != {current} or len(starts) != 1 or not starts <= initial:
        return f"history {rows} does not lead to {current}"
    return ""


def _in_one_step(call: Any, *args: Any) -> Any:
    """Several service calls as one step (scheduling an inspection and recording its findings): a
    refusal of the second undoes the first, as the whole step was refused."""
    with transaction.atomic():
        return call(*args)


class Campaign(RuleBasedStateMachine):
    """One run: a fresh savepoint (rolled back at the end), the region's staff, two residents."""

    staff: Any = None  # set by the test
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.mine: set[Any] = set()
        self.checked: set[Any] = set()
        self.steps = 0

    def teardown(self) -> None:
        try:
            if self.mine:
                statuses = Counter(Case.objects.filter(pk__in=self.mine).values_list("status", flat=True))
                TALLY["cases"] += len(self.mine)
                TALLY["cases accepted"] += (
                    CaseTransition.objects.filter(case_id__in=self.mine, action="accept")
                    .values("case_id")
                    .distinct()
                    .count()
                )
                TALLY["cases concluded"] += statuses[CaseStatus.CONCLUDED]
                ledger_sequence()
                report = verify_ledger()
                assert report.ok, report.summary()
                TALLY["ledger verified"] += 1
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- helpers -------------------------------------------------------------------------------------

    def open_cases(self) -> int:
        """This run's cases not yet final (a run goes on with a new case when its others have ended)."""
        if len(self.mine) >= MAX_RUN_CASES:
            return MAX_CASES
        return Case.objects.filter(pk__in=self.mine).exclude(status__in=CASE_FINAL).count()

    def _attempt(self, name: str, case_id: Any, call: Any) -> Any:
        """Run one service call; a refusal must leave the case exactly as it was."""
        self.steps += 1
        TALLY["steps"] += 1
        before = _snapshot(case_id)
        try:
            result = call()
        except OneGoError:
            TALLY[f"{name}: refused"] += 1
            after = _snapshot(case_id)
            assert after == before, f"{name} was refused but changed the case: {before} → {after}"
            return None
        TALLY[f"{name}: done"] += 1
        return result

    def _subcase(self, case: Case, pick: int) -> SubCase | None:
        """One of the case's sub-cases not yet decided (the machine aims where something can happen;
        who acts and how is still drawn at random, so most refusals remain possible)."""
        open_ = list(
            SubCase.objects.filter(case=case)
            .exclude(status__in=[SubCaseStatus.REJECTED, SubCaseStatus.CANCELLED])
            .order_by("code")
        )
        return open_[pick % len(open_)] if open_ else None

    def _officer(self, index: int, sc: SubCase | None = None) -> Any:
        """Staff member `index` (0–6: anyone of the region's staff); 7–9: an officer of the sub-case's
        own department (most actions by anyone else are refused: the machine needs both)."""
        s = self.staff
        if index >= 7 and sc is not None and sc.department_id is not None:
            code = sc.department.code if sc.department is not None else ""
            return s.fire if code == "gy-xf" else [s.officer, s.officer2][index % 2]
        return [s.officer, s.officer2, s.fire, s.lead, s.clerk, s.other_clerk, s.supervisor][index % 7]

    # --- rules -----------------------------------------------------------------------------------------

    @initialize(target=cases, draft=st.booleans())
    def first_case(self, draft: bool) -> Case:
        return self.submit_case(person=PERSON_ID, draft=draft)

    @precondition(lambda self: len(self.mine) < MAX_CASES or self.open_cases() < MAX_CASES)
    @rule(target=cases, person=st.sampled_from(sorted(PEOPLE)), draft=st.booleans())
    def another_case(self, person: str, draft: bool) -> Case:
        return self.submit_case(person=person, draft=draft)

    @rule(
        case=cases,
        action=st.sampled_from(ACTIONS),
        pick=st.integers(0, 9),
        who=st.integers(0, 9),
        flag=st.booleans(),
    )
    def act(self, case: Case, action: str, pick: int, who: int, flag: bool) -> None:
        """One step: `action` on `case` (or a new case), by the staff member `who` or the case's clerk;
        `pick` chooses the sub-case or consent, `flag` the yes/no of the action."""
        getattr(self, f"do_{action}")(case, pick, who, flag)

    def do_submit(self, case: Case, pick: int, who: int, flag: bool) -> None:
        if self.open_cases() < MAX_CASES:
            self.submit_case(person=sorted(PEOPLE)[pick % 2], draft=flag)

    def submit_case(self, *, person: str, draft: bool = False) -> Case:
        self.steps += 1
        TALLY["steps"] += 1
        TALLY[f"{'draft' if draft else 'submit'}: done"] += 1
        applicant = ApplicantIn(kind="person", identifier=person, name=PEOPLE[person])
        key = f"campaign-{next(_keys)}"
        if draft:
            result = submit(
                self.staff.clerk, key=key, draft=True, form_data={}, materials=[], applicant=applicant
            )
        else:
            form = {**full_form(), "person.id_number": person, "person.name": PEOPLE[person]}
            result = submit(self.staff.clerk, key=key, applicant=applicant, form_data=form)
        self.mine.add(result.case.pk)
        return result.case

    def _case(self, case: Case, pick: int) -> Case:
        """Mostly the drawn case; now and then one of this run's other cases."""
        if pick < 7 or len(self.mine) == 1:
            return case
        return Case.objects.filter(pk__in=self.mine).order_by("created_at")[pick % len(self.mine)]

    def do_finish_draft(self, case: Case, pick: int, who: int, flag: bool) -> None:
        self._attempt(
            "submit draft",
            case.pk,
            lambda: case_submit_draft(
                actor=self.staff.clerk, case_id=case.pk, form_data=full_form(), materials=uploads()
            ),
        )

    def do_consent(self, case: Case, pick: int, who: int, flag: bool) -> None:
        user = self.staff.clerk if who < 4 else self._officer(who)
        self._attempt("consent", case.pk, lambda: application_consent(user=user, case_id=case.pk, agree=flag))

    def _consent(self, case: Case, pick: int) -> Consent | None:
        consents = list(Consent.objects.filter(case_ref=case.pk).order_by("created_at"))
        return consents[pick % len(consents)] if consents else None

    def do_withdraw_consent(self, case: Case, pick: int, who: int, flag: bool) -> None:
        consent = self._consent(case, pick)
        if consent is None:
            return
        # The right person, or (flag off) the other one, who must be refused.
        own = next(p for p in PEOPLE if blind_index(p, kind="person") == case.applicant_index)
        key = own if flag else next(p for p in PEOPLE if p != own)
        subject = Subject(kind="person", key=key)
        self._attempt(
            "withdraw consent",
            case.pk,
            lambda: consent_withdraw(consent_id=consent.pk, applicant=subject, actor="campaign"),
        )

    def do_prefill(self, case: Case, pick: int, who: int, flag: bool) -> None:
        consent = self._consent(case, pick)
        if consent is None:
            return
        user = self.staff.clerk if who < 5 else self._officer(who)
        self._attempt(
            "prefill", case.pk, lambda: application_prefill(user=user, case_id=case.pk, consent_id=consent.pk)
        )

    def do_accept(self, case: Case, pick: int, who: int, flag: bool) -> None:
        clerk = self.staff.other_clerk if who == 6 else self.staff.clerk
        if flag and pick < 3:
            self._attempt(
                "refuse", case.pk, lambda: case_refuse(actor=clerk, case_id=case.pk, reason="材料不符")
            )
        else:
            self._attempt("accept", case.pk, lambda: case_accept(actor=clerk, case_id=case.pk))

    def do_claim(self, case: Case, pick: int, who: int, flag: bool) -> None:
        sc = self._subcase(case, pick)
        if sc is not None:
            self._attempt(
                "claim", case.pk, lambda: subcase_claim(actor=self._officer(who, sc), subcase_id=sc.pk)
            )

    def do_accept_registered(self, case: Case, pick: int, who: int, flag: bool) -> None:
        sc = SubCase.objects.filter(case=case, status=SubCaseStatus.REGISTERED).first()
        if sc is not None:
            self._attempt(
                "accept registered",
                case.pk,
                lambda: subcase_accept_registered(actor=self._officer(who, sc), subcase_id=sc.pk),
            )

    def do_decide(self, case: Case, pick: int, who: int, flag: bool) -> None:
        sc = self._subcase(case, pick)
        if sc is None:
            return
        officer = self._officer(who, sc)
        approve = flag or pick < 5  # approvals more often than rejections: deeper cases
        if approve:
            self._attempt(
                "approve", case.pk, lambda: subcase_approve(actor=officer, subcase_id=sc.pk, opinion="同意")
            )
        else:
            self._attempt(
                "reject",
                case.pk,
                lambda: subcase_reject(actor=officer, subcase_id=sc.pk, opinion="不符合条件"),
            )

    def do_decide_at_window(self, case: Case, pick: int, who: int, flag: bool) -> None:
        sc = self._subcase(case, pick)
        if sc is not None:
            self._attempt(
                "window decision",
                case.pk,
                lambda: subcase_decide_at_window(
                    actor=self.staff.clerk, subcase_id=sc.pk, approve=flag, opinion="窗口意见"
                ),
            )

    def do_inspect(self, case: Case, pick: int, who: int, flag: bool) -> None:
        self._attempt(
            "inspection", case.pk, lambda: _in_one_step(hold_inspection, case, {"gy-xf": self.staff.fire})
        )

    def do_ask_supplement(self, case: Case, pick: int, who: int, flag: bool) -> None:
        sc = self._subcase(case, pick)
        if sc is None:
            return
        self._attempt(
            "supplement",
            case.pk,
            lambda: subcase_request_supplement(
                actor=self._officer(who, sc),
                subcase_id=sc.pk,
                items=[SupplementItemIn("material:floor_plan", "请重新提供平面图")],
            ),
        )

    def do_answer_supplement(self, case: Case, pick: int, who: int, flag: bool) -> None:
        plan = MaterialIn(
            code="floor_plan", file=ContentFile(b"%PDF-1.4 again", name="floor.pdf"), filename="floor.pdf"
        )
        self._attempt(
            "answer supplement",
            case.pk,
            lambda: supplement_answer(
                actor=self.staff.clerk, case_id=case.pk, materials=[plan] if flag else []
            ),
        )

    def do_conclude(self, case: Case, pick: int, who: int, flag: bool) -> None:
        self._attempt(
            "conclusion",
            case.pk,
            lambda: case_issue_conclusion(
                actor=self._officer(3 if flag else who), case_id=case.pk, summary="准予"
            ),
        )

    def do_withdraw(self, case: Case, pick: int, who: int, flag: bool) -> None:
        if pick > 2:  # rarely: a withdrawn case ends its story
            return
        clerk = self.staff.other_clerk if who == 6 else self.staff.clerk
        self._attempt(
            "withdraw", case.pk, lambda: case_withdraw(actor=clerk, case_id=case.pk, reason="不办了")
        )

    # --- steering: the next step the case's own people would take -----------------------------------

    @rule(pick=st.integers(0, 9), choice=st.integers(0, 9))
    def advance(self, pick: int, choice: int) -> None:
        """Move one of this run's open cases forward as its own clerk, officers and lead officer would.

        Random `act` steps alone seldom line up (the officer who claimed a sub-case must be the one who
        decides it; a site inspection comes before the fire approval; every item before the conclusion),
        so this rule (one of the three hypothesis draws from) takes the step the case's status calls
        for. `choice` still sends some of them elsewhere: a consent and a prefill on a draft, a refusal
        at acceptance, a supplement instead of an approval, a rejection. Each goes through `_attempt`:
        a refusal must still write nothing.
        """
        open_ = list(
            Case.objects.filter(pk__in=self.mine).exclude(status__in=CASE_FINAL).order_by("created_at")
        )
        if not open_:
            return
        case = open_[0] if pick < 5 else open_[pick % len(open_)]  # mostly the oldest: deep, not wide
        TALLY[f"advance {case.status}"] += 1
        if case.status == CaseStatus.DRAFT:
            self._advance_draft(case, choice)
        elif case.status == CaseStatus.PRE_REVIEWED:
            self.do_accept(case, 0, 0, choice == 0)  # one in ten refused
        elif case.status == CaseStatus.SUPPLEMENT:
            self.do_answer_supplement(case, pick, 0, True)
        elif case.status == CaseStatus.READY_TO_CONCLUDE:
            self.do_conclude(case, pick, 3, True)
        elif case.status == CaseStatus.IN_PROGRESS:
            self._advance_subcase(case, pick, choice)

    def _advance_draft(self, case: Case, choice: int) -> None:
        """The applicant's consent, one prefill under it, then the draft is finished and submitted."""
        granted = Consent.objects.filter(case_ref=case.pk, decision=ConsentDecision.GRANTED).order_by(
            "created_at"
        )
        read = LedgerEntry.objects.filter(case_ref=str(case.pk), kind="registry.read").exists()
        if not granted.exists() and choice < 8:
            self.do_consent(case, 0, 0, True)  # the clerk records the applicant's consent
        elif granted.exists() and not read and choice < 8:
            self.do_prefill(case, granted.count() - 1, 0, True)
        else:
            person = next(p for p in PEOPLE if blind_index(p, kind="person") == case.applicant_index)
            form = {**full_form(), "person.id_number": person, "person.name": PEOPLE[person]}
            self._attempt(
                "submit draft",
                case.pk,
                lambda: case_submit_draft(
                    actor=self.staff.clerk, case_id=case.pk, form_data=form, materials=uploads()
                ),
            )

    def _advance_subcase(self, case: Case, pick: int, choice: int) -> None:
        active = list(
            SubCase.objects.filter(case=case, kind=SubCaseKind.ITEM, status__in=SUBCASE_ACTIVE)
            .select_related("department", "assignee")
            .order_by("code")
        )
        if not active:
            return
        sc = active[pick % len(active)]
        s = self.staff
        if sc.assignee_id is not None:
            officer = sc.assignee
        elif sc.department is not None and sc.department.code == "gy-xf":
            officer = s.fire
        else:
            officer = [s.officer, s.officer2][pick % 2]
        if sc.status == SubCaseStatus.REGISTERED:
            self._attempt(
                "accept registered",
                case.pk,
                lambda: subcase_accept_registered(actor=officer, subcase_id=sc.pk),
            )
        elif sc.status == SubCaseStatus.PENDING and not sc.sole_approver:
            self._attempt("claim", case.pk, lambda: subcase_claim(actor=officer, subcase_id=sc.pk))
        elif sc.status in (SubCaseStatus.PENDING, SubCaseStatus.CLAIMED):
            inspected = InspectionParticipant.objects.filter(
                subcase=sc, inspection__status=InspectionStatus.HELD, recorded_at__isnull=False
            ).exists()
            if choice < 2 and sc.status == SubCaseStatus.CLAIMED:
                self._ask_supplement(case, sc, officer)
            elif choice == 2:
                self._attempt(
                    "reject",
                    case.pk,
                    lambda: subcase_reject(actor=officer, subcase_id=sc.pk, opinion="不符合条件"),
                )
            elif sc.site_inspection and not inspected:
                officers = {
                    o.department.code: (o.assignee or self._officer(7 + pick, o))
                    for o in active
                    if o.site_inspection and o.department is not None
                }
                self._attempt("inspection", case.pk, lambda: _in_one_step(hold_inspection, case, officers))
            else:
                self._attempt(
                    "approve",
                    case.pk,
                    lambda: subcase_approve(actor=officer, subcase_id=sc.pk, opinion="同意"),
                )
        elif sc.status == SubCaseStatus.SUPPLEMENT:
            self.do_answer_supplement(case, pick, 0, True)

    def _ask_supplement(self, case: Case, sc: SubCase, officer: Any) -> None:
        self._attempt(
            "supplement",
            case.pk,
            lambda: subcase_request_supplement(
                actor=officer,
                subcase_id=sc.pk,
                items=[SupplementItemIn("material:floor_plan", "请重新提供平面图")],
            ),
        )

    # --- invariants (a few batched queries per step over this run's cases) -----------------------------

    @invariant()
    def invariants_hold(self) -> None:
        cases = {c.pk: c for c in Case.objects.filter(pk__in=self.mine)}
        subs = {sc.pk: sc for sc in SubCase.objects.filter(case_id__in=self.mine)}
        case_rows: dict[Any, list[tuple[str, str]]] = {pk: [] for pk in cases}
        for case_id, before, after in CaseTransition.objects.filter(case_id__in=self.mine).values_list(
            "case_id", "from_status", "to_status"
        ):
            if before and before != after:
                case_rows[case_id].append((before, after))
        sub_rows: dict[Any, list[tuple[str, str]]] = {pk: [] for pk in subs}
        for sc_id, before, after in SubCaseTransition.objects.filter(case_id__in=self.mine).values_list(
            "subcase_id", "from_status", "to_status"
        ):
            if before and before != after:
                sub_rows[sc_id].append((before, after))
        entries = list(
            LedgerEntry.objects.filter(case_ref__in=[str(pk) for pk in self.mine]).values(
                "pk", "kind", "case_ref", "subject_ref", "payload", "recorded_at"
            )
        )
        conclusions = dict(
            Conclusion.objects.filter(case_id__in=self.mine).values_list("case_id", "issued_at")
        )
        self.transitions_follow_the_tables(cases, subs, case_rows, sub_rows)
        self.one_conclusion_per_concluded_case(cases, conclusions, entries)
        self.ledger_matches_the_transitions(cases, subs, case_rows, sub_rows, entries)
        self.no_registry_read_without_a_valid_consent_of_the_applicant(cases, entries)

    def transitions_follow_the_tables(self, cases: Any, subs: Any, case_rows: Any, sub_rows: Any) -> None:
        for pk, case in cases.items():
            for before, after in case_rows[pk]:
                assert CaseStatus(after) in CASE_TRANSITIONS[CaseStatus(before)], (
                    case.reference,
                    before,
                    after,
                )
            problem = _path_ok(
                case_rows[pk], case.status, frozenset({CaseStatus.DRAFT, CaseStatus.SUBMITTED})
            )
            assert not problem, f"case {case.reference}: {problem}"
        initial = frozenset({SubCaseStatus.WAITING, SubCaseStatus.REGISTERED, SubCaseStatus.PENDING})
        for pk, sc in subs.items():
            for before, after in sub_rows[pk]:
                assert SubCaseStatus(after) in SUBCASE_TRANSITIONS[SubCaseStatus(before)], (
                    sc.code,
                    before,
                    after,
                )
            problem = _path_ok(sub_rows[pk], sc.status, initial)
            assert not problem, f"sub-case {sc.code}: {problem}"

    def one_conclusion_per_concluded_case(self, cases: Any, conclusions: Any, entries: Any) -> None:
        issued_entries = Counter(
            e["case_ref"]
            for e in entries
            if e["kind"] == "case.decision" and e["payload"]["decision"].startswith("conclusion.")
        )
        for pk, case in cases.items():
            if case.status in (CaseStatus.READY_TO_CONCLUDE, CaseStatus.CONCLUDED):
                assert pk in conclusions, (case.reference, case.status)  # one: the key is one-to-one
                issued = conclusions[pk] is not None
                assert issued == (case.status == CaseStatus.CONCLUDED), (case.reference, case.status)
                TALLY["conclusions checked"] += case.status == CaseStatus.CONCLUDED
            else:
                assert pk not in conclusions, (case.reference, case.status)
            expected = 1 if case.status == CaseStatus.CONCLUDED else 0
            assert issued_entries[str(pk)] == expected, (case.reference, issued_entries[str(pk)])

    def ledger_matches_the_transitions(
        self, cases: Any, subs: Any, case_rows: Any, sub_rows: Any, entries: Any
    ) -> None:
        found = Counter(
            (e["case_ref"], e["subject_ref"], e["payload"]["decision"])
            for e in entries
            if e["kind"] == "case.decision" and not e["payload"]["decision"].startswith("conclusion.")
        )
        expected: Counter[tuple[str, str, str]] = Counter()
        for pk, rows in case_rows.items():
            for _before, after in rows:
                if after in (CaseStatus.ACCEPTED, CaseStatus.NOT_ACCEPTED):
                    expected[(str(pk), f"case:{pk}", f"case.{after}")] += 1
        for pk, rows in sub_rows.items():
            for _before, after in rows:
                if after in (SubCaseStatus.APPROVED, SubCaseStatus.REJECTED):
                    expected[(str(subs[pk].case_id), f"subcase:{pk}", f"subcase.{after}")] += 1
        assert found == expected, f"ledger {dict(found)} ≠ transitions {dict(expected)}"

    def no_registry_read_without_a_valid_consent_of_the_applicant(self, cases: Any, entries: Any) -> None:
        for entry in entries:
            if entry["kind"] != "registry.read" or entry["pk"] in self.checked:
                continue
            self.checked.add(entry["pk"])
            TALLY["registry reads checked"] += 1
            consent = Consent.objects.get(pk=entry["payload"]["consent"])
            case = cases[consent.case_ref]
            at = entry["recorded_at"]
            assert str(consent.case_ref) == entry["case_ref"]
            assert consent.decision == ConsentDecision.GRANTED, entry["pk"]
            assert consent.granted_at is not None
            assert consent.granted_at <= at
            assert consent.withdrawn_at is None or consent.withdrawn_at > at, "read after withdrawal"
            assert consent.expires_at is not None
            assert consent.expires_at > at, "read after expiry"
            assert consent.subject_index == case.applicant_index == entry["subject_ref"], (
                "another person's data"
            )


def _run(staff: Any, *, examples: int, steps: int) -> None:
    Campaign.staff = staff
    run_state_machine_as_test(
        Campaign,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=not LONG_STEPS,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


def test_random_sequences_of_actions_keep_every_invariant(staff: Any) -> None:
    """Quick profile (make test); the long one is `make campaign` (runs until LONG_STEPS steps)."""
    for person, name in PEOPLE.items():
        resident(name, id_number=person)
    restaurant_contract()
    TALLY.clear()
    started = time.monotonic()
    if LONG_STEPS:
        while TALLY["steps"] < LONG_STEPS:
            _run(staff, examples=100, steps=LONG_STEPS_PER_RUN)
            print(
                f"campaign: {TALLY['steps']} steps, {time.monotonic() - started:.0f} s; "
                f"{TALLY['cases concluded']} of {TALLY['cases accepted']} accepted cases concluded, "
                f"supplements {TALLY['supplement: done']} asked / {TALLY['answer supplement: done']} answered",
                flush=True,
            )
    else:
        _run(staff, examples=QUICK_EXAMPLES, steps=QUICK_STEPS)
    elapsed = time.monotonic() - started
    done = ", ".join(f"{k} {v}" for k, v in sorted(TALLY.items()) if k != "steps")
    print(f"\ncampaign state machine: {TALLY['steps']} steps in {elapsed:.1f} s; {done}")
    print(
        f"campaign state machine: {TALLY['cases concluded']} of {TALLY['cases accepted']} accepted cases "
        f"concluded ({TALLY['cases']} cases in {TALLY['ledger verified']} runs)"
    )
    # The machine must have reached the states it claims to cover, not been refused everything.
    needed_steps = ["accept: done", "approve: done", "consent: done", "withdraw: done", "prefill: done"]
    needed_steps += ["supplement: done", "answer supplement: done", "conclusion: done"]
    for needed in needed_steps:
        assert TALLY[needed] > 0, f"the campaign never did {needed!r}: {dict(TALLY)}"
