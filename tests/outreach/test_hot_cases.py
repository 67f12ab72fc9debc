"""Hot packages from real cases: started and submitted cases count in their region (no starter catalog
here, so the cases test catalog's packages are the only ones offered)."""

from __future__ import annotations

from typing import Any

import pytest

from onego.outreach.hot import PRIOR_STRENGTH, rank_hot_packages
from onego.outreach.models import HotPackage


@pytest.mark.django_db
def test_cases_started_and_submitted_count_in_their_region(tmp_path: Any) -> None:
    from tests.cases.factories import REGION, import_cases_catalog, make_staff, submit

    import_cases_catalog(tmp_path)
    clerk = make_staff("clerk", "nm-zwfw", "clerk")
    for n in range(3):
        submit(clerk, key=f"hot-case-{n}")  # submitted: started and submitted, 2 each
    submit(clerk, key="hot-draft", draft=True)  # a draft: started only
    rank_hot_packages()
    top = HotPackage.objects.get(region_code=REGION, rank=1)
    assert top.package_code == "open-restaurant"
    assert top.usage == 7
    assert top.prior_weight == pytest.approx(PRIOR_STRENGTH / (PRIOR_STRENGTH + 7), abs=1e-4)
