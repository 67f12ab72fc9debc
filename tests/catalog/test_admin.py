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
