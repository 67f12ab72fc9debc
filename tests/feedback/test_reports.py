"""办不成事 reports and event work orders: submit from each channel, route to the coordinating
department, split into departmental orders with working-day deadlines, finish, reply, escalate —
and the bad input refused with nothing stored half-way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from onego.accounts.selectors import staff_of
from onego.cases.models import Notification
from onego.catalog.models import Region
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onego.feedback import report_rules as rr
from onego.feedback.models import GridWorker, Report, ReportEvent, ReportPhoto, WorkOrder
from onego.feedback.report_rules import OrderStatus, ReportSource, ReportStatus
from onego.feedback.report_selectors import access_report, order_figures, reports_for
from onego.feedback.report_services import (
    OrderIn,
    PhotoIn,
    report_dispatch,
    report_reply,
    report_submit,
    reporter_for_applicant,
    reporter_for_staff,
    work_order_complete,
    work_order_return,
    work_orders_escalate_overdue,
)
from onego.ledger.models import LedgerEntry
from tests.feedback.conftest import People

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VILLAGE = "520102016002"


@pytest.fixture
def village(people: People) -> Region:
    county = Region.objects.get(code="520102")
    township = Region.objects.create(code="520102016", name="新华路街道", level="township", parent=county)
    return Region.objects.create(code=VILLAGE, name="新华路社区", level="village", parent=township)


@pytest.fixture
def grid(village: Region) -> Any:
    user = get_user_model().objects.create_user(username="grid", password=None, first_name="网格员王")
    GridWorker.objects.create(user=user, region=village)
    return user


def submit(people: People, **over: Any) -> Report:
    args: dict[str, Any] = {
        "reporter": reporter_for_applicant("idx-applicant-1"),
        "kind": "event",
        "description": "花果园一家餐馆后厨油烟直排、消防通道堵塞，要市场监管和消防一起来看",
        "region_code": VILLAGE,
        "latitude": "26.5616",
        "longitude": "106.7119",
        "address": "南明区新华路 12 号",
    }
    args.update(over)
    return report_submit(**args)


def test_a_report_goes_to_the_government_service_centre_of_its_region(
    people: People, village: Region
) -> None:
    report = submit(people, photos=[PhotoIn(ContentFile(PNG, name="a.png"))])
    assert report.coordinator.code == "nm-zwfw"
    assert report.status == ReportStatus.RECEIVED
    assert report.source == ReportSource.PORTAL
    assert report.reference.startswith("FY")
    assert report.photos.count() == 1
    assert ReportEvent.objects.filter(report=report, action="submit").count() == 1
    entry = LedgerEntry.objects.filter(kind="feedback.report").get()
    assert entry.actor == "applicant:report"
    assert "idx-applicant-1" not in str(entry.payload)
    # the coordinator's clerk is told
    assert Notification.objects.filter(kind="feedback_report", recipient=people.clerk).exists()


def test_a_report_becomes_two_department_orders_that_close_with_a_reply(
    people: People, village: Region
) -> None:
    report = submit(people)
    orders = report_dispatch(
        actor=people.clerk,
        report_id=report.pk,
        orders=[OrderIn("nm-scjg", "检查后厨油烟和食品安全"), OrderIn("gy-xf", "检查消防通道")],
    )
    assert {o.department.code for o in orders} == {"nm-scjg", "gy-xf"}
    # Monday 2 March 2026; 5 working days in 贵阳市 (520100 and below), from the rectification setting
    assert all(o.due_on == dt.date(2026, 3, 9) and o.due_days == 5 for o in orders)
    report.refresh_from_db()
    assert report.status == ReportStatus.DISPATCHED
    with pytest.raises(Conflict):
        report_reply(actor=people.clerk, report_id=report.pk, reply="已处理")
    by_dept = {o.department.code: o for o in orders}
    work_order_complete(actor=people.officer, order_id=by_dept["nm-scjg"].pk, result="已责令加装油烟净化器")
    work_order_complete(actor=people.fire, order_id=by_dept["gy-xf"].pk, result="已清理消防通道")
    report = report_reply(actor=people.clerk, report_id=report.pk, reply="两部门均已到场处置，问题已整改")
    assert report.status == ReportStatus.CLOSED
    assert report.reply.startswith("两部门")
    actions = list(ReportEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["submit", "dispatch", "dispatch", "order_done", "order_done", "reply"]
    assert WorkOrder.objects.filter(report=report, on_time=True).count() == 2


def test_only_the_coordinator_dispatches_and_only_the_department_finishes(
    people: People, village: Region
) -> None:
    report = submit(people)
    with pytest.raises(NotFound):  # the fire brigade has no order in it yet: it cannot see it
        report_dispatch(actor=people.fire, report_id=report.pk, orders=[OrderIn("gy-xf", "x")])
    [order] = report_dispatch(actor=people.clerk, report_id=report.pk, orders=[OrderIn("nm-scjg", "查看")])
    with pytest.raises(PermissionDenied):  # sees it (an order is theirs) but does not coordinate
        report_dispatch(actor=people.officer, report_id=report.pk, orders=[OrderIn("gy-xf", "x")])
    with pytest.raises(NotFound):
        work_order_complete(actor=people.fire, order_id=order.pk, result="x")
    with pytest.raises(NotFound):
        work_order_complete(actor=people.bj_supervisor, order_id=order.pk, result="x")
    with pytest.raises(PermissionDenied):  # the supervisor reads, changes nothing
        work_order_complete(actor=people.supervisor, order_id=order.pk, result="x")


def test_a_returned_order_goes_back_to_the_coordinator_who_dispatches_elsewhere(
    people: People, village: Region
) -> None:
    report = submit(people)
    [order] = report_dispatch(
        actor=people.clerk, report_id=report.pk, orders=[OrderIn("nm-scjg", "消防通道")]
    )
    work_order_return(actor=people.officer, order_id=order.pk, reason="消防通道属消防救援部门职责")
    [again] = report_dispatch(actor=people.clerk, report_id=report.pk, orders=[OrderIn("gy-xf", "消防通道")])
    assert again.status == OrderStatus.OPEN
    with pytest.raises(Conflict):
        work_order_complete(actor=people.officer, order_id=order.pk, result="x")


def test_clerks_and_grid_workers_report_with_their_own_source(people: People, grid: Any) -> None:
    assert reporter_for_staff(people.clerk).source == ReportSource.COUNTER
    assert reporter_for_staff(grid).source == ReportSource.GRID
    nobody = get_user_model().objects.create_user(username="nobody", password=None)
    with pytest.raises(PermissionDenied):
        reporter_for_staff(nobody)
    report = submit(people, reporter=reporter_for_staff(grid), kind="blocked")
    assert report.reporter_user == grid
    assert report.source == "grid"


def test_overdue_orders_escalate_once(people: People, village: Region) -> None:
    report = submit(people)
    [order] = report_dispatch(actor=people.clerk, report_id=report.pk, orders=[OrderIn("nm-scjg", "查看")])
    assert work_orders_escalate_overdue(today=order.due_on) == 0
    assert work_orders_escalate_overdue(today=order.due_on + dt.timedelta(days=1)) == 1
    assert work_orders_escalate_overdue(today=order.due_on + dt.timedelta(days=2)) == 0
    assert Notification.objects.filter(
        kind="feedback_work_order_overdue", recipient=people.supervisor
    ).exists()
    figures = order_figures(staff_of(people.supervisor))
    assert figures.open == 1


def test_supervisor_and_departments_see_only_their_reports(people: People, village: Region) -> None:
    report = submit(people)
    assert list(reports_for(staff_of(people.supervisor))) == [report]
    assert list(reports_for(staff_of(people.bj_supervisor))) == []
    access_report(staff_of(people.clerk), report.pk)
    with pytest.raises(NotFound):
        access_report(staff_of(people.fire), report.pk)


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"region_code": "520102999999"}, "region"),  # no such village
        ({"region_code": "abc"}, "region"),
        ({"region_code": ""}, "region"),
        ({"kind": "party"}, "kind"),
        ({"description": "   "}, "description"),
        ({"description": "长" * (rr.DESCRIPTION_MAX + 1)}, "description"),
        ({"latitude": "95", "longitude": "106"}, "lat"),
        ({"latitude": "26.5", "longitude": ""}, "long"),
        ({"latitude": "", "longitude": "", "address": ""}, "address"),
        ({"package_code": "no-such-package"}, "package"),
        ({"photos": [PhotoIn(ContentFile(b"<html><script>", name="x.png"))]}, "photos[0]"),
        ({"photos": [PhotoIn(ContentFile(PNG, name=f"{i}.png")) for i in range(6)]}, "photos"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_stored(
    people: People, village: Region, over: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        submit(people, **over)
    assert caught.value.field == field
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0


def test_an_oversized_photo_is_refused(
    people: People, village: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("onego.core.uploads.MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ValidationFailed) as caught:
        submit(people, photos=[PhotoIn(ContentFile(PNG + b"\x00" * 200, name="big.png"))])
    assert caught.value.field == "photos[0]"
    assert "MB" in caught.value.message
    assert Report.objects.count() == 0


def test_scripts_are_removed_from_the_description(people: People, village: Region) -> None:
    report = submit(people, description="<script>alert(1)</script>窗口说<b>材料不全</b>却不说缺什么")
    assert report.description == "窗口说材料不全却不说缺什么"


def test_the_same_report_twice_while_open_is_a_duplicate(people: People, village: Region) -> None:
    first = submit(people)
    with pytest.raises(Conflict) as caught:
        submit(people, description=first.description.replace("，", "， "))
    assert first.reference in caught.value.message
    assert Report.objects.count() == 1
    submit(people, reporter=reporter_for_applicant("idx-someone-else"))  # another person may
    assert Report.objects.count() == 2


def test_a_photo_file_is_removed_when_the_report_is_not_stored(
    people: People, village: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("ledger down")

    monkeypatch.setattr("onego.feedback.report_services._ledger", boom)
    saved: list[str] = []
    original = ReportPhoto.file.field.storage.save

    def remember(name: str, content: Any, **kwargs: Any) -> str:
        stored = original(name, content, **kwargs)
        saved.append(stored)
        return stored

    monkeypatch.setattr(ReportPhoto.file.field.storage, "save", remember)
    with pytest.raises(RuntimeError):
        submit(people, photos=[PhotoIn(ContentFile(PNG), filename="a.png")])
    assert saved
    assert not any(ReportPhoto.file.field.storage.exists(n) for n in saved)
    assert Report.objects.count() == 0


def test_the_rules_state_machine() -> None:
    rr.check_report_transition("received", "dispatched")
    rr.check_report_transition("dispatched", "closed")
    with pytest.raises(Conflict):
        rr.check_report_transition("closed", "dispatched")
    with pytest.raises(Conflict):
        rr.check_order_transition("done", "open")
    assert rr.may_close(["done", "returned"])
    assert not rr.may_close(["done", "open"])
    assert rr.coordinator_for(["520102016002", "520102016", "520102", "520100"], {"520100": "gy"}) == "gy"
    assert rr.open311_status("dispatched") == "open"


def test_the_open311_key_command_prints_the_key_once_and_keeps_its_hash(people: People) -> None:
    from io import StringIO

    from django.core.management import call_command

    from onego.feedback.models import Open311Key
    from onego.feedback.report_services import open311_key_check

    out = StringIO()
    call_command("feedback", "open311-key", "--name", "12345 热线", stdout=out)
    key = out.getvalue().splitlines()[0].split(": ", 1)[1]
    row = Open311Key.objects.get()
    assert key not in row.key_hash
    assert open311_key_check(key) == row
    with pytest.raises(PermissionDenied):
        open311_key_check(key + "x")


def test_a_case_that_follows_is_linked_and_the_reply_reaches_the_applicants_message_centre(
    people: People, village: Region, rateable: Any
) -> None:
    from onego.cases.selectors import messages_of_applicant
    from onego.feedback.report_services import report_link_case

    case = rateable
    stranger = submit(people, reporter=reporter_for_applicant("idx-someone-else"))
    with pytest.raises(ValidationFailed) as caught:
        report_link_case(actor=people.clerk, report_id=stranger.pk, case_reference=case.reference)
    assert caught.value.field == "case"
    with pytest.raises(NotFound):
        report_link_case(actor=people.clerk, report_id=stranger.pk, case_reference="NO-SUCH-CASE")
    own = submit(people, reporter=reporter_for_applicant(case.applicant_index), kind="blocked")
    report_link_case(actor=people.clerk, report_id=own.pk, case_reference=case.reference)
    report_reply(actor=people.clerk, report_id=own.pk, reply="已为您在窗口办结")
    own.refresh_from_db()
    assert own.case == case
    bodies = [m.body for m in messages_of_applicant(case.applicant_index)]
    assert any("已为您在窗口办结" in b and own.reference in b for b in bodies)
