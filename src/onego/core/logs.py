"""Structured logs: one JSON object per line (ONEGO_LOG_FORMAT=json, the production default).

The message is already masked by `onego.core.pii.MaskingFilter` (installed on the handler); the
fields a record carries with `extra=` (the access log's method, path, status, duration) are written
beside it, numbers as numbers and everything else as masked text (Django's `django.request` records
carry the request object, whose text is the full path with its query string).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from onego.core.pii import mask_text

# Attributes every LogRecord has; anything else was passed with `extra=` and becomes a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if value is None or isinstance(value, bool | int | float):
                entry[key] = value
            else:  # anything else as masked text: Django's `request` field prints the full query string
                entry[key] = mask_text(value if isinstance(value, str) else str(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = mask_text(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)
