"""The staff lists page 50 rows at a time (issue 14, growth): the officer's inbox, the clerk's acceptance
queue and the lead officer's two lists. A page shows at most 50 rows, the next page the rest, the pager's
links keep the filters, and paging never shows another department's or region's rows."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import RequestFactory

from onego.cases.models import Case, SubCase
from onego.cases.workflow import SUBCASE_ACTIVE, CaseStatus
from onego.core import clock
from onego.core.services import working_calendar
from onego.workbench import selectors
from onego.workbench.paging import PER_PAGE, page_of, sliced
from tests.cases.factories import online_applicant, submit
from tests.workbench.conftest import People, accepted_case, page, signed_in

pytestmark = pytest.mark.django_db


def clones(case: Case, n: int, **changes: Any) -> list[Case]:
    """`n` copies of `case` with all its sub-cases (new ids and references), `changes` set on each copy:
    enough rows to page without running the engine n times."""
    subcases = list(SubCase.objects.filter(case=case))
    made = []
    for i in range(n):
        copy = Case.objects.get(pk=case.pk)
        copy.pk = uuid.uuid4()
        copy.reference = f"{case.reference}-{uuid.uuid4().hex[:10]}"
        copy.idempotency_key = f"paging-{i:03d}-{uuid.uuid4().hex[:8]}"
        for name, value in changes.items():
            setattr(copy, name, value)
        copy._state.adding = True
        copy.save(force_insert=True)
        made.append(copy)
        SubCase.objects.bulk_create(
            [SubCase(**{**_fields(s), "id": uuid.uuid4(), "case_id": copy.pk}) for s in subcases]
        )
    return made


def _fields(row: SubCase) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in SubCase._meta.concrete_fields}


def inbox_ids(html: str) -> list[str]:
    return re.findall(r'<tr class="row-[a-z]+">.*?href="/workbench/subcases/([0-9a-f-]+)/"', html, flags=re.S)


def pager(html: str) -> str:
    found = re.search(r'<nav class="pager" aria-label="[^"]+">.*?</nav>', html, flags=re.S)
    assert found is not None, "no pager"
    return found.group(0)


def next_link(html: str) -> str:
    found = re.search(r'<a href="([^"]+)" rel="next">', pager(html))
    assert found is not None, "no next page link"
    return found.group(1).replace("&amp;", "&")


def test_the_inbox_shows_fifty_rows_and_the_next_page_the_rest(people: People) -> None:
    case = accepted_case(people)
    clones(case, 30)  # 31 cases × 2 items in 南明区市场监管's inbox = 62 rows
    officer = signed_in(people.officer)
    first = page(officer.get("/workbench/inbox/"))
    assert len(inbox_ids(first)) == PER_PAGE
    nav = pager(first)
    assert 'aria-label="待办分页"' in nav
    assert '<span aria-current="page">第 1 页</span>' in nav
    assert 'rel="prev"' not in nav
    assert "第 1 页：第 1–50 件，后面还有" in first
    second = page(officer.get(next_link(first)))
    assert len(inbox_ids(second)) == 12
    assert '<span aria-current="page">第 2 页</span>' in pager(second)
    assert 'rel="next"' not in pager(second)
    listed = inbox_ids(first) + inbox_ids(second)
    expected = SubCase.objects.filter(
        department__code="nm-scjg", status__in=list(SUBCASE_ACTIVE), kind="item"
    )
    assert len(set(listed)) == len(listed) == 62
    assert set(listed) == {str(pk) for pk in expected.values_list("pk", flat=True)}


def test_a_short_inbox_has_no_pager_and_says_how_many(people: People) -> None:
    accepted_case(people)
    html = page(signed_in(people.officer).get("/workbench/inbox/"))
    assert 'class="pager"' not in html
    assert "共 2 件" in html


def test_the_pager_keeps_the_filters(people: People) -> None:
    case = accepted_case(people)
    clones(case, 60)
    officer = signed_in(people.officer)
    first = page(officer.get("/workbench/inbox/?status=pending&colour=green&department=nm-scjg"))
    link = next_link(first)
    assert "status=pending" in link
    assert "colour=green" in link
    assert "department=nm-scjg" in link
    assert "page=2" in link
    second = page(officer.get(link))
    for html in (first, second):
        assert re.findall(r'<tr class="row-([a-z]+)">', html)
        assert set(re.findall(r'<tr class="row-([a-z]+)">', html)) == {"green"}
    assert 'name="status"' in second
    assert '<option value="pending" selected>' in second
    pending = SubCase.objects.filter(department__code="nm-scjg", status="pending", kind="item")
    lights = selectors.inbox_rows(pending, calendar=working_calendar(), today=clock.today())
    green = {str(r.subcase.pk) for r in lights if r.light.colour == "green"}
    assert len(green) == 61  # every copy's food permit; the filings are due today (red)
    assert set(inbox_ids(first) + inbox_ids(second)) == green


def test_the_colour_filter_in_sql_agrees_with_the_lights(people: People, monday_morning: Any) -> None:
    import datetime as dt

    accepted_case(people)
    monday_morning.move_to(dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC))
    accepted_case(people, key="paging-colour-0002")
    monday_morning.move_to(dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC))
    calendar, today = working_calendar(), clock.today()
    items = SubCase.objects.filter(kind="item", status__in=list(SUBCASE_ACTIVE))
    lights = {
        r.subcase.pk: r.light.colour for r in selectors.inbox_rows(items, calendar=calendar, today=today)
    }
    assert len(set(lights.values())) >= 3  # the seeds give several colours to compare
    for colour in ("overdue", "red", "yellow", "green", "paused"):
        by_sql = set(
            items.filter(selectors.colour_filter(colour, calendar=calendar, today=today)).values_list(
                "pk", flat=True
            )
        )
        assert by_sql == {pk for pk, c in lights.items() if c == colour}, colour


def test_paging_never_shows_another_departments_rows(people: People) -> None:
    case = accepted_case(people)
    clones(case, 30)
    fire = signed_in(people.fire)
    for number in (1, 2):
        html = page(fire.get(f"/workbench/inbox/?page={number}"))
        ids = set(inbox_ids(html))
        assert not ids & {
            str(pk) for pk in SubCase.objects.exclude(department__code="gy-xf").values_list("pk", flat=True)
        }
    assert len(inbox_ids(page(fire.get("/workbench/inbox/?page=1")))) == 31  # its own fire inspections only
    assert inbox_ids(page(fire.get("/workbench/inbox/?page=2"))) == []


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "99999999999"])
def test_a_page_number_that_is_not_a_page_is_read_safely(people: People, raw: str) -> None:
    accepted_case(people)
    response = signed_in(people.officer).get(f"/workbench/inbox/?page={raw}")
    assert response.status_code == 200


def test_the_acceptance_queue_pages_oldest_first(people: People) -> None:
    case = submit(online_applicant(), key="paging-queue-0001", channel="web").case
    clones(case, 54)
    clerk = signed_in(people.clerk)
    first = page(clerk.get("/workbench/queue/"))
    refs = re.findall(r"<td data-label=\"办件\">([^<]+)<br>", first)
    assert len(refs) == PER_PAGE
    assert 'aria-label="待受理分页"' in pager(first)
    second = page(clerk.get(next_link(first)))
    refs2 = re.findall(r"<td data-label=\"办件\">([^<]+)<br>", second)
    assert len(refs2) == 5
    assert len(set(refs + refs2)) == 55
    assert signed_in(people.bijie_clerk).get("/workbench/queue/?page=2").content.decode().count("<tr>") == 0


def test_the_lead_officers_lists_page_each_on_its_own(people: People) -> None:
    case = accepted_case(people)
    clones(case, 55, status=CaseStatus.READY_TO_CONCLUDE)
    clones(case, 51)  # in progress, with the original: 52
    lead = signed_in(people.lead)
    html = page(lead.get("/workbench/lead/?running=2"))
    navs = re.findall(r'<nav class="pager" aria-label="([^"]+)">', html)
    assert navs == ["待出具结论分页", "办理中办件分页"]
    ready = re.search(r'<section aria-labelledby="ready-h">.*?</section>', html, flags=re.S)
    running = re.search(r'<section aria-labelledby="running-h">.*?</section>', html, flags=re.S)
    assert ready is not None
    assert running is not None
    assert ready.group(0).count("出具结论</a>") == PER_PAGE
    assert running.group(0).count('<td data-label="进度">') == 2
    # The ready list's next link keeps the running list on its page 2.
    link = re.search(r'<a href="([^"]+)" rel="next">', ready.group(0))
    assert link is not None
    assert "running=2" in link.group(1)
    assert "ready=2" in link.group(1)


def test_page_of_reads_one_row_more_than_it_shows() -> None:
    request = RequestFactory().get("/x/", {"status": "pending", "page": "2"})
    asked: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> list[int]:
        asked.append((offset, limit))
        return list(range(120))[offset : offset + limit]

    got = page_of(request, fetch, per_page=50)
    assert asked == [(50, 51)]
    assert got.rows == list(range(50, 100))
    assert got.has_next
    assert got.has_previous
    assert got.previous_url == "/x/?status=pending"
    assert got.next_url == "/x/?status=pending&page=3"
    assert page_of(request, sliced(list(range(60))), per_page=50).rows == list(range(50, 60))
