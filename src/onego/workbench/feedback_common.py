"""What the workbench's 好差评 pages (feedback.py: rectification work orders) and 办不成事 pages
(feedback_reports.py: reports and departmental work orders) share: the staff gate, "not found" as 404,
the supervisor-only gate, and the one way a POSTed action runs — the service's error re-renders the
detail page with the field and a 400 (403 when the actor may not), the object's own "not found" is a
404, success is a message and a redirect (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect

from onego.accounts.models import Role
from onego.accounts.selectors import Staff
from onego.core.errors import NotFound, OneGoError, PermissionDenied
from onego.workbench.staff import forbidden, staff_of_request, staff_required

T = TypeVar("T")
any_staff = staff_required()
Rerender = Callable[[int, tuple[str, str]], HttpResponse]


def found_or_404(access: Callable[..., T], *args: Any) -> T:
    """Call an access function; its "not found" (= "not yours") becomes the page's 404."""
    try:
        return access(*args)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def error_status(exc: OneGoError) -> int:
    return 403 if isinstance(exc, PermissionDenied) else 400


def run_action(
    request: HttpRequest,
    action: Callable[[], str],
    *,
    object_field: str,
    rerender: Rerender | None,
    success_url: Callable[[], str],
) -> HttpResponse:
    """Run one POSTed action (a service call returning the success message). The object's own "not
    found" → 404; any other refusal → the detail page again with the error (`rerender`), or 404 when
    there is no page to show it on."""
    try:
        done = action()
    except NotFound as exc:
        if exc.field == object_field or rerender is None:
            raise Http404(exc.message) from exc
        return rerender(400, (exc.field or "", exc.message))
    except OneGoError as exc:
        if rerender is None:
            raise Http404 from exc
        return rerender(error_status(exc), (exc.field or "", exc.message))
    messages.success(request, done)
    return HttpResponseRedirect(success_url())


def supervisor_staff(request: HttpRequest, refusal: str) -> tuple[Staff, HttpResponse | None]:
    """The staff of the request and, for a non-supervisor, the 403 page saying `refusal`."""
    staff = staff_of_request(request)
    if not staff.regions([Role.SUPERVISOR]):
        return staff, forbidden(request, refusal)
    return staff, None
