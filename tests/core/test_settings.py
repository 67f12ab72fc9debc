"""Settings in one declared place, with production defaults that are safe (run in child processes with
onego.settings itself: the test suite runs in development mode, onego.test_settings)."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "onego"
KEY = base64.b64encode(bytes(range(32))).decode()  # a 32-byte key, as the key settings take
SECRET = "x7#Kq2!vR9zL4@mN8^pT3&wY6*bC1(dF5)hJ0_gE-sU+aZ=oI{lP}nM[kQ]"  # 58 varied characters


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("ONEGO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="onego.settings",
        ONEGO_DATA_DIR=str(tmp_path),
        ONEGO_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ONEGO_ALLOWED_HOSTS="onego.example.gov.cn",
        **extra,
    )
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_check_deploy_with_production_values_reports_no_issue(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        ONEGO_SECRET_KEY=SECRET,
        ONEGO_PII_KEYS=f"k1:{KEY}",
        ONEGO_BLIND_INDEX_KEY=KEY,
        ONEGO_LEDGER_SIGNING_KEY=KEY,
    )
    result = subprocess.run(
        [sys.executable, "-m", "onego", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_debug_is_off_unless_asked_for_and_then_a_secret_key_is_required(tmp_path: Path) -> None:
    result = run_python("import onego.settings", production_env(tmp_path))
    assert result.returncode != 0
    assert "ONEGO_SECRET_KEY must be set" in result.stderr


def test_production_defaults_turn_on_https_hsts_secure_cookies_and_json_logs(tmp_path: Path) -> None:
    code = (
        "import json, onego.settings as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        "'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'SECURE_PROXY_SSL_HEADER', 'ONEGO_LOG_FORMAT')}))"
    )
    result = run_python(code, production_env(tmp_path, ONEGO_SECRET_KEY=SECRET))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_PROXY_SSL_HEADER": None,
        "ONEGO_LOG_FORMAT": "json",
    }
    behind_proxy = run_python(
        "import onego.settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT)",
        production_env(tmp_path, ONEGO_SECRET_KEY=SECRET, ONEGO_PROXY_SSL_HEADER="1", ONEGO_SSL_REDIRECT="0"),
    )
    assert behind_proxy.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') False"


def test_a_malformed_value_is_refused_naming_the_variable(tmp_path: Path) -> None:
    result = run_python(
        "import onego.settings",
        production_env(tmp_path, ONEGO_SECRET_KEY=SECRET, ONEGO_HSTS_SECONDS="a year"),
    )
    assert result.returncode != 0
    assert "ONEGO_HSTS_SECONDS='a year': expected a whole number" in result.stderr


def test_every_declared_setting_is_documented_in_deployment_md() -> None:
    declared = settings.DECLARED_SETTINGS
    assert "ONEGO_DEBUG" in declared
    assert "ONEGO_PII_KEYS" in declared
    table = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(ONEGO_[A-Z0-9_]+)` \|", table, flags=re.MULTILINE))
    assert sorted(set(declared) - documented) == []
    assert sorted(documented - set(declared)) == []  # and the document names nothing that does not exist


def test_nothing_outside_settings_reads_the_environment() -> None:
    # wsgi.py and cli.py only point Django at the settings module; test_settings.py only asks for
    # development mode. Everything else reads django.conf.settings.
    allowed = {"settings.py", "test_settings.py", "wsgi.py", "cli.py"}
    readers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name not in allowed and re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text())
    )
    assert readers == []
