"""API authentication.

Until applicant login lands (issue #5), endpoints that act on a named person's data are for staff only:
a window clerk acting for the applicant at the counter, with a Django session (CSRF-protected).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth


class StaffSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and getattr(user, "is_staff", False) else None


staff_session = StaffSessionAuth()
