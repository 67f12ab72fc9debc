"""What backup/restore must keep (bench/campaign/backup_restore.py): counts of the tables that matter, the
ledger's size and root, and how many stored material files are present with their recorded SHA-256."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.storage import default_storage


def facts() -> dict[str, Any]:
    from onego.cases.models import Case, CaseTransition, Material, SubCase, SubCaseTransition
    from onego.exchange.models import Consent
    from onego.ledger.models import LedgerEntry, LedgerState

    state = LedgerState.objects.filter(slot=1).values_list("size", "root_hash").first()
    files_ok = 0
    files_bad = []
    for material in Material.objects.exclude(file=""):
        try:
            with default_storage.open(material.file.name, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            files_bad.append(f"missing {material.file.name}")
            continue
        if material.sha256 and digest != material.sha256:
            files_bad.append(f"changed {material.file.name}")
        else:
            files_ok += 1
    return {
        "cases": Case.objects.count(),
        "cases_by_status": dict(sorted(Counter_of(Case.objects.values_list("status", flat=True)).items())),
        "subcases": SubCase.objects.count(),
        "history": CaseTransition.objects.count() + SubCaseTransition.objects.count(),
        "consents": Consent.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
        "ledger_state": list(state) if state else None,
        "material_files_ok": files_ok,
        "material_files_bad": files_bad,
    }


def Counter_of(values: Any) -> dict[str, int]:  # noqa: N802
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


if __name__ == "__main__":
    import json

    import django

    django.setup()
    print(json.dumps(facts(), ensure_ascii=False, sort_keys=True))
