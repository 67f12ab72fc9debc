"""API authentication.

Until applicant login lands (issue #5), endpoints that act on a named person's data are for staff only:
a window clerk acting for the applicant at the counter, with a Django session (CSRF-protected).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth

from onego.accounts.otp import is_verified, second_factor_required


class StaffSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not getattr(user, "is_staff", False):
            return None
        # Staff who must pass the second factor use the API only from a session that passed it.
        if second_factor_required(user) and not is_verified(user):
            return None
        return user


staff_session = StaffSessionAuth()
