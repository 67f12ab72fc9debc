"""Catalog data migrations: what used to be known from code is carried into the catalog."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from onego.catalog import models as m

pytestmark = pytest.mark.django_db

post_choices_migration = importlib.import_module("onego.catalog.migrations.0005_dataelement_post_choices")


def element(code: str, choices: list[str], **extra: object) -> m.DataElement:
    return m.DataElement.objects.create(code=code, name="领卡方式", type="choice", choices=choices, **extra)


def test_a_catalog_imported_before_keeps_the_card_mailed_home_as_posting() -> None:
    card = element("social_security_card.delivery", ["邮寄到家", "网点领取"])
    post_choices_migration.forwards(apps, None)
    card.refresh_from_db()
    assert card.post_choices == ["邮寄到家"]


def test_the_carry_over_leaves_a_declared_or_different_element_alone() -> None:
    declared = element("social_security_card.delivery", ["邮寄到家", "快递"], post_choices=["快递"])
    post_choices_migration.forwards(apps, None)
    declared.refresh_from_db()
    assert declared.post_choices == ["快递"]
    declared.delete()
    other = element("social_security_card.delivery", ["网点领取"])
    post_choices_migration.forwards(apps, None)
    other.refresh_from_db()
    assert other.post_choices == []
