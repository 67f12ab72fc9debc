"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here (`playwright install` is never run): `make test` installs Debian's
`chromium` and `fonts-noto-cjk`, and the tests skip, saying why, only when /usr/bin/chromium is absent.
Screenshots of the key pages go to test-artifacts/screenshots/ (not committed) for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from onego.catalog.services import catalog_import
from tests.discovery_builders import write_discovery_folder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--headless=new",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def _sync_playwright_beside_django() -> Iterator[None]:
    # Playwright's sync API keeps an asyncio loop on this thread; Django then refuses ORM calls from it
    # (SynchronousOnlyOperation) unless told the test knows what it does. Only for the browser modules.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_sync_playwright_beside_django: None) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def e2e_catalog(transactional_db: None, tmp_path: Path) -> Path:
    """The discovery catalog, committed so that the live server's thread sees it."""
    folder = write_discovery_folder(tmp_path / "catalog")
    catalog_import(path=folder)
    return folder


@pytest.fixture
def page(browser: Any, live_server: Any, e2e_catalog: Path) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def staff_page(browser: Any, live_server: Any, e2e_catalog: Path) -> Iterator[Any]:
    """A browser logged in as a service-centre administrator (session cookie from the test client)."""
    user = get_user_model().objects.create_user("centre-admin", password="x-long-password", is_staff=True)
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    pg = context.new_page()
    yield pg
    context.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
