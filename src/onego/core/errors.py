"""Domain errors. Each carries a message for users (Chinese first) and, where it applies, the field."""

from __future__ import annotations


class OneGoError(Exception):
    """Base of every error a user may be shown."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(OneGoError):
    code = "invalid"


class NotFound(OneGoError):
    """Raised alike for 'does not exist' and 'not yours', so access checks leak nothing."""

    code = "not_found"


class Conflict(OneGoError):
    code = "conflict"


class PermissionDenied(OneGoError):
    code = "forbidden"
