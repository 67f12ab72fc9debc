"""`onego demo setup` gives the demo parents their offer and every region a hot list (once)."""

from __future__ import annotations

import pytest

from onego.core.pii import blind_index
from onego.demo.outreach import seed_outreach_demo
from onego.outreach.models import HotPackage, Offer
from onego.registries.demo_identities import demo_identity, seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter", "data_dir")]


def test_the_demo_parents_have_an_offer_and_regions_their_hot_packages() -> None:
    seed_demo()
    assert "推送 2 条" in seed_outreach_demo()
    for name in ("王芳", "李强"):
        offer = Offer.objects.get(person_index=blind_index(demo_identity(name).key, kind="person"))
        assert offer.package_code == "newborn-birth"
    assert HotPackage.objects.filter(region_code="520102").exists()
    assert "推送 0 条" in seed_outreach_demo()  # a second setup offers nothing twice
    assert Offer.objects.count() == 2
