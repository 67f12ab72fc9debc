"""The one clock. Code asks here for 'now'; tests move time with time-machine."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(timezone.now())
