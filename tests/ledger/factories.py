"""Factories for ledger tests. Entries are only ever made through the service, as in production."""

from __future__ import annotations

from typing import Any

import factory
from django.db import transaction

from onego.ledger import sequencer
from onego.ledger.models import LedgerEntry
from onego.ledger.sequencer import SequenceReport, ledger_sequence
from onego.ledger.services import ledger_record


class AppendFactory(factory.DictFactory):
    """Keyword arguments for `ledger_record`: a registry read by a market-regulation clerk."""

    kind = "registry.read"
    actor = factory.Sequence(lambda n: f"dept:gy-scjgj/user:clerk{n % 3}")
    subject_ref = factory.Sequence(lambda n: f"bi:{n % 4:064x}")
    case_ref = factory.Sequence(lambda n: f"C2025{n:06d}")
    payload = factory.LazyAttributeSequence(
        lambda o, n: {
            "registry": "hukou",
            "purpose": "新生儿出生一件事",
            "elements": ["person.name", "person.birth_date"],
            "contract": f"SC-{n % 5}",
            "consent": f"CN-{n}",
        }
    )


def _seal_without_head() -> None:
    """Seal what is pending as a sequencer batch does, but sign no head, so that tests count only the
    heads they sign themselves."""
    with transaction.atomic():
        assert sequencer._lock(), "another sequencer held the lock"
        while sequencer._seal_batch(1000, sign=False) == 1000:
            pass


def append_entry(**overrides: Any) -> LedgerEntry:
    """One entry, recorded and sealed at once (the sequencer run right after it)."""
    entry = ledger_record(**AppendFactory(**overrides))
    _seal_without_head()
    entry.refresh_from_db()
    return entry


def make_log(n: int) -> list[LedgerEntry]:
    """`n` sealed entries, each recorded and sealed in turn (no head signed)."""
    return [append_entry() for _ in range(n)]


def seal(**kwargs: Any) -> SequenceReport:
    """Run the sequencer now, as `onego ledger sequence` or its periodic task would: the entries
    committed (or, inside a test's transaction, written) so far get their indexes."""
    report = ledger_sequence(**kwargs)
    assert not report.busy, "another sequencer held the lock"
    return report
