"""Real concurrency on PostgreSQL: one winner per sub-case, one join per case, one case per key; with
the ledger's sequencer sealing all along, a decision's ledger entry exists iff its transition committed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection

from onego.cases.models import Case, CaseTransition, Conclusion, SubCaseTransition
from onego.cases.services.acceptance import case_accept, subcase_accept_registered
from onego.cases.services.decisions import subcase_approve, subcase_claim
from onego.core.errors import Conflict
from onego.ledger.models import LedgerEntry
from onego.ledger.sequencer import ledger_sequence
from onego.ledger.verify import verify_ledger
from tests.builders import write_folder
from tests.cases.factories import (
    ENTERPRISE_USCC,
    PERSON_ID,
    cases_catalog,
    cases_package,
    make_staff,
    subcase,
    submit,
    uploads,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(*jobs: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    """Start every job at the same instant, each on its own connection; collect results and errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            value = job()
            with lock:
                results.append(value)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    return results, errors


def test_two_officers_deciding_one_sub_case_at_once_one_wins(staff: Any) -> None:
    for _ in range(5):
        case = case_accept(
            actor=staff.clerk, case_id=submit(staff.clerk, key=f"race-{Case.objects.count():08d}").case.pk
        )
        licence = subcase(case, "business_licence")  # sole approver: decided straight from the inbox
        results, errors = race(
            lambda pk=licence.pk: subcase_approve(actor=staff.officer, subcase_id=pk, opinion="甲同意"),
            lambda pk=licence.pk: subcase_approve(actor=staff.officer2, subcase_id=pk, opinion="乙同意"),
        )
        assert len(results) == 1, errors
        assert len(errors) == 1
        assert isinstance(errors[0], Conflict)
        assert "不能重复办理" in errors[0].message
        licence.refresh_from_db()
        assert licence.status == "approved"
        assert licence.transitions.filter(to_status="approved").count() == 1
        # Its release happened once too.
        assert subcase(case, "food_business_permit").transitions.filter(to_status="pending").count() == 1


def test_racing_decisions_with_the_sequencer_running_leave_exactly_one_entry_per_committed_transition(
    staff: Any,
) -> None:
    """Two officers race on each sub-case while a sequencer seals in small batches all along: every
    committed decision has its one ledger entry, the loser's rolled back with it, none waits for a
    lock held by another case's transaction, and the log verifies pending and sealed alike."""
    stop = threading.Event()
    sequencer_errors: list[BaseException] = []

    def sequencer() -> None:
        try:
            while not stop.is_set():
                ledger_sequence(batch_size=3)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            sequencer_errors.append(exc)
        finally:
            connection.close()

    running = threading.Thread(target=sequencer)
    running.start()
    decided = []
    try:
        for n in range(4):
            case = case_accept(
                actor=staff.clerk, case_id=submit(staff.clerk, key=f"seq-race-{n:06d}").case.pk
            )
            licence = subcase(case, "business_licence")
            results, errors = race(
                lambda pk=licence.pk: subcase_approve(actor=staff.officer, subcase_id=pk, opinion="甲同意"),
                lambda pk=licence.pk: subcase_approve(actor=staff.officer2, subcase_id=pk, opinion="乙同意"),
            )
            assert len(results) == 1, errors
            assert len(errors) == 1
            assert isinstance(errors[0], Conflict)
            decided.append(licence.pk)
        report = verify_ledger()  # while some entries may still be pending: their promises are checked
        assert report.ok, report.summary()
    finally:
        stop.set()
        running.join()
        close_old_connections()
    assert sequencer_errors == []

    for pk in decided:
        transitions = SubCaseTransition.objects.filter(subcase_id=pk, to_status="approved")
        entries = LedgerEntry.objects.filter(
            kind="case.decision", subject_ref=f"subcase:{pk}", payload__decision="subcase.approved"
        )
        assert transitions.count() == 1
        assert entries.count() == 1
        # The entry records the winner's decision, not the loser's.
        winner = transitions.get().actor
        assert entries.get().actor.endswith(f"user:{winner.get_username()}")
    ledger_sequence()
    assert not LedgerEntry.objects.filter(index__isnull=True).exists()
    report = verify_ledger()
    assert report.ok, report.summary()


def test_two_officers_claiming_at_once_one_wins(staff: Any) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    quick = subcase(case, "quick_filing")
    results, errors = race(
        lambda: subcase_claim(actor=staff.officer, subcase_id=quick.pk),
        lambda: subcase_claim(actor=staff.officer2, subcase_id=quick.pk),
    )
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], Conflict)
    quick.refresh_from_db()
    assert quick.assignee == results[0].assignee


def test_all_sub_cases_completing_at_once_fire_the_join_exactly_once(db: None, tmp_path: Any) -> None:
    from onego.catalog.services import catalog_import

    # Four items with no prerequisites, in three departments: all decided in the same instant.
    package = cases_package(
        code="parallel",
        items=[
            {"item": "business_licence", "binding": "bound"},
            {"item": "quick_filing", "binding": "bound"},
            {"item": "fire_safety_inspection", "binding": "bound"},
            {"item": "tobacco_retail_licence", "binding": "bound"},
        ],
        partner_steps=[],
        questions=[],
        scenarios=[],
    )
    catalog_import(path=write_folder(tmp_path / "parallel", cases_catalog(), [package]))
    clerk = make_staff("clerk", "nm-zwfw", "clerk")
    market1 = make_staff("m1", "nm-scjg", "officer")
    market2 = make_staff("m2", "nm-scjg", "officer")
    fire = make_staff("fire", "gy-xf", "officer")
    tobacco = make_staff("tobacco", "gz-yc", "officer")
    form = {
        "person.name": "张三",
        "person.id_number": PERSON_ID,
        "person.phone": "13812345678",
        "enterprise.name": "好味道餐饮",
        "enterprise.uscc": ENTERPRISE_USCC,
        "premises.area": 500,
    }
    for round_ in range(5):
        case = submit(
            clerk,
            key=f"parallel-{round_:04d}",
            package_code="parallel",
            answers={},
            form_data=form,
            materials=[
                m for m in uploads() if m.code in ("resident_id_card", "lease_contract", "floor_plan")
            ],
        ).case
        case = case_accept(actor=clerk, case_id=case.pk)
        subcase_accept_registered(actor=fire, subcase_id=subcase(case, "fire_safety_inspection").pk)
        deciders = {
            "business_licence": market1,
            "quick_filing": market2,
            "fire_safety_inspection": fire,
            "tobacco_retail_licence": tobacco,
        }
        ids = {}
        for code, officer in deciders.items():
            sc = subcase(case, code)
            if not sc.sole_approver:
                subcase_claim(actor=officer, subcase_id=sc.pk)
            ids[code] = sc.pk
        jobs = [
            (lambda o=officer, pk=ids[code]: subcase_approve(actor=o, subcase_id=pk, opinion="同意"))
            for code, officer in deciders.items()
        ]
        results, errors = race(*jobs)
        assert errors == []
        assert len(results) == 4
        case.refresh_from_db()
        assert case.status == "ready_to_conclude"
        assert Conclusion.objects.filter(case=case).count() == 1
        assert CaseTransition.objects.filter(case=case, action="join").count() == 1
        assert Conclusion.objects.get(case=case).outcome == "approved"


def test_the_same_submission_sent_twice_at_once_makes_one_case(staff: Any) -> None:
    results, errors = race(*(lambda: submit(staff.clerk, key="same-key-at-once") for _ in range(4)))
    assert errors == []
    assert len({r.case.pk for r in results}) == 1
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert Case.objects.count() == 1
    # The losers took no reference number: the next case gets the next serial.
    nxt = submit(staff.clerk, key="next-key-000001").case
    assert nxt.reference.endswith("-000002")
