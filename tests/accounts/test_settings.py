"""The staff second factor is on in production by default and off in development (demo logins)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def required_with(tmp_path: object, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ONEGO_")}
    clean.update(env, ONEGO_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="onego.settings")
    code = "from django.conf import settings; print(settings.ONEGO_STAFF_OTP_REQUIRED)"
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("env", "required"),
    [
        ({"ONEGO_DEBUG": "0", "ONEGO_SECRET_KEY": "x" * 50}, "True"),
        ({"ONEGO_DEBUG": "1"}, "False"),
        ({"ONEGO_DEBUG": "1", "ONEGO_STAFF_OTP": "1"}, "True"),
    ],
)
def test_the_second_factor_default_follows_debug_and_can_be_switched(
    tmp_path: object, env: dict[str, str], required: str
) -> None:
    assert required_with(tmp_path, **env) == required
