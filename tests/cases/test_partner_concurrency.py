"""Real concurrency on PostgreSQL: the same partner callback arriving twice at once is applied once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onego.cases.models import PartnerCallback, SubCaseTransition
from onego.cases.services.partners import partner_endpoint_set
from tests.cases.conftest import Staff
from tests.cases.factories import subcase
from tests.cases.partner_builders import (
    SECRET,
    call_back,
    callback_body,
    delivery_of,
    import_partner_catalog,
    run_deliveries,
    signed,
    started_case,
)
from tests.cases.test_concurrency import race

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_the_same_callback_sent_twice_at_once_is_applied_once(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path
    import_partner_catalog(tmp_path)
    staff = Staff()
    partner_endpoint_set(partner_code="gy-bank", url="local:", secret=SECRET)
    case = started_case(staff)
    assert run_deliveries() == ["sent"]
    body = callback_body(delivery_of(case), "done", id="twice-at-once")
    headers = signed(body)
    results, errors = race(*(lambda: call_back("gy-bank", body, headers) for _ in range(3)))
    assert errors == []
    assert sorted(r.status for r in results) == ["applied", "duplicate", "duplicate"]
    bank = subcase(case, "bank_account")
    assert bank.status == "approved"
    assert SubCaseTransition.objects.filter(subcase=bank, action="partner_done").count() == 1
    assert PartnerCallback.objects.count() == 1
