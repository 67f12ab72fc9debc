"""Administrators manage the catalog's plain records in the admin."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = [
    "region",
    "departmenttype",
    "department",
    "partner",
    "registry",
    "dataelement",
    "licencetype",
    "materialtype",
    "serviceitem",
    "package",
    "servicepoint",
]


@pytest.mark.parametrize("model", PAGES)
def test_every_catalog_list_page_opens(small_catalog: Path, admin_client: Client, model: str) -> None:
    assert admin_client.get(f"/admin/catalog/{model}/").status_code == 200


def test_item_change_page_shows_fields_and_materials_inline(
    small_catalog: Path, admin_client: Client
) -> None:
    from onego.catalog.models import ServiceItem

    item = ServiceItem.objects.get(code="food_business_permit")
    page = admin_client.get(f"/admin/catalog/serviceitem/{item.pk}/change/").content.decode()
    assert "食品经营许可（新办）" in page
    assert "经营场所平面图" in page


def test_anonymous_users_cannot_open_the_catalog_admin(small_catalog: Path, client: Client) -> None:
    assert client.get("/admin/catalog/package/").status_code == 302


def test_the_admin_refuses_a_posting_choice_that_is_not_a_choice(
    small_catalog: Path, admin_client: Client
) -> None:
    from onego.catalog.models import DataElement

    element = DataElement.objects.get(code="bank.account_type")
    page = {
        "code": element.code,
        "name": element.name,
        "name_en": "",
        "type": "choice",
        "choices": '["基本存款账户"]',
        "post_choices": '["邮寄到家"]',
        "help_text": "",
    }
    response = admin_client.post(f"/admin/catalog/dataelement/{element.pk}/change/", page)
    assert response.status_code == 200
    assert "“邮寄到家”不是本数据元的选项；可选：基本存款账户" in response.content.decode()
    element.refresh_from_db()
    assert element.post_choices == []
    page["post_choices"] = '["基本存款账户"]'
    assert admin_client.post(f"/admin/catalog/dataelement/{element.pk}/change/", page).status_code == 302
    element.refresh_from_db()
    assert element.post_choices == ["基本存款账户"]
