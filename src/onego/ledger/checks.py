"""System check: a production deployment must have a ledger signing key (see signing.py)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from onego.ledger import signing


@register("ledger")
def check_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    # Fail at start-up rather than at the first head a department asks for.
    try:
        signing.get_signer()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="ledger.E001", hint=f"Set {signing.SETTING} in the environment.")]
    return []
