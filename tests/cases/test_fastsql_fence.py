"""The fence around `onego.core.fastsql` (docs/adr/0006-fastsql.md): it writes rows without the ORM's
`save()`, so no model it writes may have a `save()` override or a save signal receiver — except the
one receiver its caller replays by hand (django-tasks-db's `set_run_after`, onego/core/tasks.py).

Which modules may import fastsql is the import-linter contract "fastsql is fenced" in pyproject.toml.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from django.db.models import signals
from django_tasks_db.models import DBTaskResult

from onego.cases.models import Case, CaseTransition, Notification, SubCase, SubCaseTransition
from onego.cases.services.acceptance import case_accept
from onego.cases.services.decisions import subcase_approve
from onego.core import fastsql
from onego.ledger.models import LedgerEntry
from tests.cases.factories import subcase, submit

pytestmark = pytest.mark.django_db

# Every model fastsql (directly, or through the unit of work's inserts) writes today.
WRITTEN: set[type[models.Model]] = {
    Case,
    SubCase,
    CaseTransition,
    SubCaseTransition,
    Notification,
    DBTaskResult,
    LedgerEntry,
}
# Receivers a fastsql caller runs itself, by (model, signal): nothing else is allowed.
REPLAYED: dict[tuple[type[models.Model], str], set[str]] = {
    (DBTaskResult, "pre_save"): {"set_run_after"},  # onego.core.tasks.DatabaseBackend calls it
}
SAVE_SIGNALS = {"pre_save": signals.pre_save, "post_save": signals.post_save}


def _receivers(signal: Any, model: type[models.Model]) -> set[str]:
    sync, asynchronous = signal._live_receivers(model)
    return {getattr(r, "__name__", repr(r)) for r in [*sync, *asynchronous]}


def _overrides_save(model: type[models.Model]) -> list[str]:
    return [
        f"{klass.__module__}.{klass.__qualname__}.{name}"
        for klass in model.__mro__
        if klass is not models.Model and issubclass(klass, models.Model)
        for name in ("save", "save_base", "_save_table", "_do_insert", "_do_update")
        if name in vars(klass)
    ]


@pytest.mark.parametrize("model", sorted(WRITTEN, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_no_model_fastsql_writes_overrides_save_or_has_a_save_receiver(model: type[models.Model]) -> None:
    assert _overrides_save(model) == [], f"{model.__name__} overrides save(): write it with the ORM"
    for name, signal in SAVE_SIGNALS.items():
        assert _receivers(signal, model) == REPLAYED.get((model, name), set()), (
            f"{model.__name__} has a {name} receiver fastsql would skip: write it with the ORM, "
            "or replay the receiver where fastsql writes it and list it in REPLAYED"
        )


def test_every_model_fastsql_writes_in_a_case_is_in_the_fenced_list(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastsql, "_BUILT", {})  # only what this case builds (tests/core writes others)
    # A case through submission, acceptance (distribution) and a decision: every write path of fastsql.
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    subcase_approve(actor=staff.officer, subcase_id=subcase(case, "business_licence").pk, opinion="准予")
    written = {key[1] for key in fastsql._BUILT if key[0] in ("insert", "update")}
    assert written, "the workload wrote nothing through fastsql"
    assert written <= WRITTEN, f"new models written through fastsql: {written - WRITTEN}; add them to WRITTEN"


def test_the_fence_test_would_catch_a_receiver() -> None:
    def audit(**kwargs: Any) -> None:
        pass

    signals.post_save.connect(audit, sender=SubCase)
    try:
        assert _receivers(signals.post_save, SubCase) == {"audit"}
    finally:
        signals.post_save.disconnect(audit, sender=SubCase)
    assert _receivers(signals.post_save, SubCase) == set()
