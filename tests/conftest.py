from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onego.catalog.services import catalog_import
from tests.builders import write_folder
from tests.discovery_builders import write_discovery_folder

# The masking scan of the trust campaign (SECURITY.md): responses and log lines of the page and API suites.
pytest_plugins = ["tests.security.masking_scan"]


@pytest.fixture
def small_catalog(db: None, tmp_path: Path) -> Path:
    """The builders' small catalog and the restaurant package, imported."""
    folder = write_folder(tmp_path / "catalog")
    catalog_import(path=folder)
    return folder


@pytest.fixture
def discovery_catalog(db: None, tmp_path: Path) -> Path:
    """The small catalog plus newborn-birth (Guizhou) and retirement (Yunnan only), imported."""
    folder = write_discovery_folder(tmp_path / "discovery")
    catalog_import(path=folder)
    return folder


@pytest.fixture(autouse=True)
def _staff_sign_in_for_tests(settings: Any) -> None:
    """Many tests move the clock days ahead with a signed-in client; the staff session limits
    (onego.accounts.middleware) would sign them out. tests/accounts/test_middleware.py sets the real ones.
    Staff sign in with `force_login` (no second factor) whatever ONEGO_DEBUG says;
    tests/workbench/test_second_factor.py turns the second factor on."""
    settings.ONEGO_STAFF_SESSION_IDLE_MINUTES = 60 * 24 * 365
    settings.ONEGO_STAFF_SESSION_MAX_HOURS = 24 * 365
    settings.ONEGO_STAFF_OTP_REQUIRED = False


@pytest.fixture(autouse=True)
def _chinese_after_each_test() -> Any:
    """An English request leaves English active for the rest of the thread (LocaleMiddleware activates it
    and Django's test client does not reset it); later tests that render without a request would then
    depend on the order the suite runs in."""
    yield
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
