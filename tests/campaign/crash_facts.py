"""What the crash campaign asserts, read from the throw-away cluster's database in a process of its own
(`python -m tests.campaign.crash_facts PREFIX ISO-TIME`, DJANGO_SETTINGS_MODULE=onego.settings and the cluster's
ONEGO_DATABASE_URL): one JSON line with, for every case whose idempotency key starts with PREFIX, whether
it is whole (history, materials with their stored files, sub-cases, one acceptance and its ledger entry),
the task queue and the outbox, and what `verify_ledger` (= `onego ledger verify`) says, pending entries
included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from typing import Any

import django


def history_problem(case: Any) -> str:
    """The case's history is one path from its creation to its status. The path is followed by the
    rows' from → to statuses (the case lock serialises them), not by their timestamps: those come from
    the servers' clocks, and the harness's restarted servers run on clocks up to a second apart, which
    put an acceptance before its case's creation by `at` (seen in CI; SECURITY.md, TM-14)."""
    from onego.cases.models import CaseTransition

    rows = list(CaseTransition.objects.filter(case=case))
    order = [(r.action, r.from_status, r.to_status, r.at.isoformat(), r.created_at.isoformat()) for r in rows]
    creations = [r for r in rows if r.action == "create"]
    if len(creations) != 1:
        return f"{len(creations)} creation rows: {order}"
    remaining = [r for r in rows if r is not creations[0]]
    status = creations[0].to_status
    while remaining:
        following = [r for r in remaining if r.from_status == status]
        if not following:
            return f"history breaks after {status}: {order}"
        remaining.remove(following[0])
        status = following[0].to_status
    return "" if status == case.status else f"history ends at {status}, the case says {case.status}"


def file_problems(case: Any) -> list[str]:
    from django.core.files.storage import default_storage

    bad = []
    for material in case.materials.all():
        try:
            with default_storage.open(material.file.name, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        except (OSError, ValueError):
            bad.append(f"missing {material.code}")
            continue
        if material.sha256 and digest != material.sha256:
            bad.append(f"changed {material.code}")
    return bad


def facts(prefix: str, at: str) -> dict[str, Any]:
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    from onego.cases.models import Case, CaseTransition, Notification, SubCase, SubCaseTransition
    from onego.ledger.selectors import entries_for_subject
    from onego.ledger.verify import verify_ledger

    cases: dict[str, list[dict[str, Any]]] = {}
    for case in Case.objects.filter(idempotency_key__startswith=prefix).order_by("created_at"):
        subcases = list(SubCase.objects.filter(case=case))
        cases.setdefault(case.idempotency_key, []).append(
            {
                "id": str(case.pk),
                "status": case.status,
                "history": history_problem(case),
                "materials": case.materials.count(),
                "files": file_problems(case),
                "subcases": len(subcases),
                "subcases_without_history": sum(
                    not SubCaseTransition.objects.filter(subcase=sc).exists() for sc in subcases
                ),
                "accepts": CaseTransition.objects.filter(case=case, action="accept").count(),
                "ledger_entries": entries_for_subject(f"case:{case.pk}").count(),
                "accepted_notices": sorted(
                    Notification.objects.filter(case=case, kind="accepted", to_applicant=True).values_list(
                        "channel", flat=True
                    )
                ),
            }
        )
    report = verify_ledger()
    return {
        "cases": cases,
        "tasks": dict(Counter(DBTaskResult.objects.values_list("status", flat=True))),
        # Ready but not due yet at `at` (the processes' clock): deadline checks waiting for their day.
        "tasks_due": dict(
            Counter(
                DBTaskResult.objects.exclude(status="SUCCESSFUL")
                .filter(Q(run_after=get_date_max()) | Q(run_after__lte=dt.datetime.fromisoformat(at)))
                .values_list("status", flat=True)
            )
        ),
        "notifications": dict(Counter(Notification.objects.values_list("status", flat=True))),
        "ledger": {"ok": report.ok, "summary": report.summary(), "pending": report.pending},
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(facts(sys.argv[1], sys.argv[2]), ensure_ascii=False, sort_keys=True))
