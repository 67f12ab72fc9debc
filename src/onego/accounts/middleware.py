"""Staff session limits: an idle timeout and an absolute lifetime, both shorter than the cookie's 14 days.

A staff sign-in (Django `is_staff` or an active membership) stamps the session with when it began and
when it was last used; a request past either limit signs the user out before any view runs, so the
workbench sends them to its login page and the API answers 401. Applicants' sessions are not stamped
and keep Django's defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from onego.accounts.otp import is_staff_user
from onego.core import clock

SINCE = "onego_staff_since"
SEEN = "onego_staff_seen"
# Writing the session on every request would cost a write per page; a minute of slack is harmless.
_TOUCH_EVERY = 60


@receiver(user_logged_in, dispatch_uid="onego.accounts.staff_session_stamp")
def _stamp(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session") or not is_staff_user(user):
        return
    now = clock.now().timestamp()
    request.session[SINCE] = now
    request.session[SEEN] = now
    request.session.set_expiry(settings.ONEGO_STAFF_SESSION_IDLE_MINUTES * 60)


class StaffSessionLimits:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SINCE in session:
            now = clock.now().timestamp()
            idle = settings.ONEGO_STAFF_SESSION_IDLE_MINUTES * 60
            lifetime = settings.ONEGO_STAFF_SESSION_MAX_HOURS * 3600
            if now - session[SINCE] > lifetime or now - session.get(SEEN, 0) > idle:
                logout(request)
            elif now - session.get(SEEN, 0) > _TOUCH_EVERY:
                session[SEEN] = now
                session.set_expiry(idle)
        return self.get_response(request)
