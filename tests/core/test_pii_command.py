"""`onego pii rotate|status|keygen`: re-encrypting personal data to a new key."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from onego.core import pii
from onego.registries.demo_identities import seed_demo
from onego.registries.models import Resident

pytestmark = pytest.mark.django_db

K1 = "k1:" + base64.b64encode(b"\x01" * 32).decode()
K2 = "k2:" + base64.b64encode(b"\x02" * 32).decode()


def raw_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number FROM registries_resident UNION ALL SELECT phone FROM registries_resident"
        )
        return [t for (t,) in cursor.fetchall() if t]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("pii", *args, stdout=out)
    return out.getvalue()


def test_rotate_re_encrypts_every_token_to_the_new_key() -> None:
    with override_settings(ONEGO_PII_KEYS=[K1]):
        seed_demo()
        before = {r.pk: (r.id_number, r.phone) for r in Resident.objects.all()}
        assert {pii.token_key_id(t) for t in raw_tokens()} == {"k1"}
    with override_settings(ONEGO_PII_KEYS=[K2, K1]):
        assert "k1=" in run("status")
        output = run("rotate", "--batch", "7")
        assert "registries.Resident.id_number" in output
        assert {pii.token_key_id(t) for t in raw_tokens()} == {"k2"}
        assert run("rotate").strip().endswith("完成：共重新加密 0 条，当前密钥 k2")  # idempotent
    with override_settings(ONEGO_PII_KEYS=[K2]):  # k1 retired: everything still reads
        assert {r.pk: (r.id_number, r.phone) for r in Resident.objects.all()} == before


def test_keygen_prints_a_usable_key() -> None:
    output = run("keygen", "--kid", "k9")
    entry = next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("ONEGO_PII_KEYS"))
    with override_settings(ONEGO_PII_KEYS=[entry]):
        assert pii.token_key_id(pii.encrypt("x")) == "k9"
