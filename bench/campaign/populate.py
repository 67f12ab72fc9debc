"""Fill a database with cases for the backup/restore campaign (run by backup_restore.py, not by hand):
the test catalog, its staff, N submissions with uploaded materials, some accepted and decided, the ledger
sealed. Prints the counts as JSON."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import django

django.setup()

from bench.campaign.facts import facts  # noqa: E402
from django.db import transaction  # noqa: E402
from tests.cases.conftest import Staff  # noqa: E402
from tests.cases.factories import import_cases_catalog, subcase, submit  # noqa: E402

from onego.cases.services.acceptance import case_accept  # noqa: E402
from onego.cases.services.decisions import subcase_approve  # noqa: E402
from onego.ledger.sequencer import ledger_sequence  # noqa: E402


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        import_cases_catalog(Path(tmp))
    staff = Staff()
    for i in range(n):
        with transaction.atomic():
            case = submit(staff.clerk, key=f"backup-{i:05d}").case
        if i % 2 == 0:
            case = case_accept(actor=staff.clerk, case_id=case.pk)
            if i % 4 == 0:
                subcase_approve(
                    actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion="准予"
                )
    ledger_sequence()
    print(json.dumps(facts(), ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
