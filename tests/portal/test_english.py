"""English mode is English: the key applicant pages of the starter catalog, walked in English, show no
Chinese except where the catalog has no English for a text (and the starter catalog has English for all).

What may stay Chinese on purpose: the language switch's own "中文", and the Chinese example queries the
search box suggests (people search in Chinese too).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import onego.catalog
import onego.exchange
from onego.catalog.models import Package
from onego.catalog.services import catalog_import
from onego.exchange.services import contracts_import
from onego.registries.demo_identities import demo_identity, seed_demo
from tests.portal.applicants import last_code

STARTER = Path(onego.catalog.__file__).parent / "starter"
CJK = re.compile(r"[\u3400-\u9fff]+")
# Chinese shown on purpose in English mode: the switch back to Chinese, the search box's example queries.
ON_PURPOSE = {"中文", "新生儿", "开饭店", "孩子出生要办什么", "开饭店要多久"}


class _Visible(HTMLParser):
    """The text a person sees or hears: text nodes and labelling attributes, not scripts or form values."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.texts += [v for k, v in attrs if k in ("aria-label", "title", "placeholder", "alt") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def untranslated(html: str, *, people: frozenset[str] = frozenset()) -> list[str]:
    """Visible texts with Chinese left; `people`: names of people (personal data, never translated)."""
    parser = _Visible()
    parser.feed(html)
    return [t for t in parser.texts if set(CJK.findall(t)) - ON_PURPOSE - people]


@pytest.fixture
def starter(db: None, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    catalog_import(path=STARTER)
    contracts_import(
        path=Path(onego.exchange.__file__).parent / "starter" / "contracts.yaml", actor="admin:t"
    )
    seed_demo()


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return str(response.content.decode())


def test_the_guide_of_every_starter_package_is_english(starter: None) -> None:
    client = english()
    found = {}
    for code in Package.objects.order_by("code").values_list("code", flat=True):
        if left := untranslated(page(client, f"/packages/{code}/?region=520102")):
            found[code] = left[:5]
    assert found == {}


def test_home_search_and_the_wizard_are_english(starter: None) -> None:
    client = english()
    found = {}
    for url in ("/?region=520102", "/search/?q=newborn&region=520102", "/packages/newborn-birth/apply/"):
        if left := untranslated(page(client, url)):
            found[url] = left[:5]
    wang = demo_identity("王芳")
    client.post("/login/", {"id_number": wang.key, "next": "/packages/newborn-birth/apply/?region=520102"})
    client.post("/login/code/", {"code": last_code(wang.phone)})
    start = client.get("/packages/newborn-birth/apply/?region=520102")
    assert start.status_code == 200
    people = frozenset({wang.name, wang.name[0]})  # her name, in full and masked (王*)
    if left := untranslated(start.content.decode(), people=people):
        found["apply-start"] = left[:5]
    response = client.post("/packages/newborn-birth/apply/?region=520102", {"region": "520102"})
    assert response.status_code == 302, response.content.decode()[:300]
    question = page(client, response["Location"])
    assert "With the father (father" in question or "Yes" in question
    if left := untranslated(question, people=people):
        found["apply-question"] = left[:5]
    assert found == {}


def test_the_check_fails_on_a_page_with_chinese_left() -> None:
    assert untranslated("<p>Department: 南明区卫生健康局</p><button>中文</button>") == [
        "Department: 南明区卫生健康局"
    ]
    assert untranslated('<input placeholder="e.g. 新生儿, 开饭店">') == []
