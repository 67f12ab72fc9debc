"""待受理: the clerk's acceptance queue of online submissions (one selector, `cases.queue`, shared with
the API). Each row links to the counter's case page, where the clerk accepts or refuses."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onego.accounts.models import Role
from onego.cases.queue import acceptance_queue
from onego.workbench.paging import page_of
from onego.workbench.staff import staff_of_request, staff_required


@staff_required(Role.CLERK)
def queue(request: HttpRequest) -> HttpResponse:
    staff = staff_of_request(request)
    page = page_of(
        request, lambda offset, limit: acceptance_queue(request.user, staff=staff, limit=limit, offset=offset)
    )
    return render(request, "workbench/queue.html", {"rows": page.rows, "page": page})
