"""The home page and the package guide."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_lists_packages_by_theme(small_catalog: Path, client: Client) -> None:
    page = client.get("/?region=520102").content.decode()
    assert "企业开办" in page
    assert "开办餐饮店" in page
    assert 'lang="zh-Hans"' in page


def test_guide_shows_departments_materials_and_time(small_catalog: Path, client: Client) -> None:
    page = client.get("/packages/open-restaurant/?region=520102").content.decode()
    for expected in (
        "南明区市场监督管理局",
        "贵阳市消防救援支队",
        "免提交",
        "食品安全管理制度",
        "个工作日",
        "打印办事指引",
    ):
        assert expected in page


def test_guide_recomputes_for_the_applicants_answers(small_catalog: Path, client: Client) -> None:
    page = client.get("/packages/open-restaurant/?region=520102&answered=1&has_licence=true&floor_area=80")
    text = page.content.decode()
    assert (
        "公众聚集场所投入使用营业前消防安全检查" in text
    )  # listed among items not needed, with the condition
    assert "不需要办理的事项（3）" in text


def test_guide_ties_a_bad_answer_to_its_field(small_catalog: Path, client: Client) -> None:
    text = client.get("/packages/open-restaurant/?region=520102&answered=1&floor_area=abc").content.decode()
    assert 'aria-invalid="true"' in text
    assert 'id="err-floor_area"' in text
    assert 'value="abc"' in text  # what was typed is kept


def test_unknown_package_is_a_404_page(small_catalog: Path, client: Client) -> None:
    assert client.get("/packages/nope/").status_code == 404


def test_large_text_mode_toggles(small_catalog: Path, client: Client) -> None:
    client.post("/display/large-text/", {"next": "/"})
    assert 'class="large-text"' in client.get("/").content.decode()
