"""System check: a production deployment must have a usable ledger signing key (see signing.py)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from onego.ledger import signing


@register("ledger")
def check_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    # Fail at start-up rather than at the first head a department asks for. In development the key is
    # derived on first use instead, so its warning appears only when something is actually signed.
    if signing.configured_key() is None and signing.development_key_allowed():
        return []
    try:
        signing.get_signer()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="ledger.E001", hint=f"Set {signing.SETTING} in the environment.")]
    return []
