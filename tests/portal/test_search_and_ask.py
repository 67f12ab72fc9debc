"""The portal's search, question box, hot list and English pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_home_has_search_and_question_forms_that_work_without_javascript(
    discovery_catalog: Path, client: Client
) -> None:
    page = client.get("/?region=520102").content.decode()
    assert 'action="/search/"' in page
    assert 'method="get"' in page
    assert 'action="/ask/"' in page
    assert '<label for="q">' in page
    assert '<label for="question">' in page
    assert "portal/vendor/htmx.min.js" in page
    assert "//unpkg.com" not in page
    assert "cdn" not in page.lower()


def test_home_lists_the_regions_hot_packages(discovery_catalog: Path, client: Client) -> None:
    page = client.get("/?region=520102").content.decode()
    hot = page[page.index('id="hot-h"') : page.index('id="person-h"')]
    assert hot.index("新生儿出生") < hot.index("开办餐饮店")
    assert "退休" not in hot  # offered in Yunnan only


def test_search_page_without_javascript(discovery_catalog: Path, client: Client) -> None:
    page = client.get("/search/?q=xsecs&region=520102").content.decode()
    assert "<html" in page
    assert "新生儿出生" in page
    assert "拼音首字母" in page
    assert 'href="/packages/newborn-birth/?region=520102"' in page


def test_search_partial_for_htmx(discovery_catalog: Path, client: Client) -> None:
    page = client.get("/search/?q=kaifan&region=520102", **HTMX).content.decode()
    assert "<html" not in page
    assert "开办餐饮店" in page
    assert "“开饭店”" in page
    assert 'role="status"' in page


def test_search_with_no_match_says_so(discovery_catalog: Path, client: Client) -> None:
    page = client.get("/search/?q=卫星发射&region=520102", **HTMX).content.decode()
    assert "没有找到与“卫星发射”相关的一件事" in page


def test_ask_page_answers_and_links_the_guide(discovery_catalog: Path, client: Client) -> None:
    page = client.get("/ask/?q=开饭店要多久&region=520102").content.decode()
    assert "开办餐饮店：承诺 8 个工作日办结" in page
    assert 'href="/packages/open-restaurant/?region=520102"' in page
    assert "<blockquote" in page


def test_ask_partial_says_it_does_not_know(discovery_catalog: Path, client: Client) -> None:
    page = client.get("/ask/?q=今天天气怎么样&region=520102", **HTMX).content.decode()
    assert "<html" not in page
    assert "没有找到可靠的答案，请换个说法或咨询窗口" in page
    assert "/packages/" not in page


def test_english_pages_use_english_names_and_ui(discovery_catalog: Path, client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/?region=520102").content.decode()
    assert 'lang="en"' in page
    assert "Newborn birth" in page
    assert "Open a restaurant" in page
    assert "Find a service" in page
    assert "Large text (senior-friendly)" in page
    guide = client.get("/packages/newborn-birth/?region=520102").content.decode()
    assert "Enrol the newborn in health insurance?" in guide  # the question's own English text
    assert "How long it takes" in guide


def test_guide_answers_update_through_htmx_with_ids_kept_for_focus(
    discovery_catalog: Path, client: Client
) -> None:
    page = client.get("/packages/newborn-birth/?region=520102").content.decode()
    assert 'hx-select="#main"' in page
    assert 'id="q-insure-true"' in page
    assert 'id="q-insure-false"' in page
    page = client.get("/packages/newborn-birth/?region=520102&answered=1&insure=false").content.decode()
    assert "不需要办理的事项（1）" in page
