"""Model fields for personal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from onego.core import pii


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Stores an AES-GCM token (`onego.core.pii.encrypt`), gives back the plaintext.

    The column never holds the clear value, so it cannot be searched: pair it with a blind-index column
    (`pii.blind_index`) and look rows up by that. A value that is already a token is stored as it is,
    which lets bulk loaders encrypt in batches and lets `onego pii rotate` write re-encrypted tokens.
    """

    description = "Encrypted text (AES-256-GCM token)"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return pii.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or pii.is_token(value):
            return value
        return pii.encrypt(str(value))
