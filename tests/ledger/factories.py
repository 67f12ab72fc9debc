"""Factories for ledger tests. Entries are only ever made through the service, as in production."""

from __future__ import annotations

from typing import Any

import factory

from onego.ledger.models import LedgerEntry
from onego.ledger.sequencer import SequenceReport, ledger_sequence
from onego.ledger.services import ledger_append


class AppendFactory(factory.DictFactory):
    """Keyword arguments for `ledger_append`: a registry read by a market-regulation clerk."""

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


def append_entry(**overrides: Any) -> LedgerEntry:
    return ledger_append(**AppendFactory(**overrides))


def make_log(n: int) -> list[LedgerEntry]:
    return [append_entry() for _ in range(n)]


def seal(**kwargs: Any) -> SequenceReport:
    """Run the sequencer now, as `onego ledger sequence` or its periodic task would: the entries
    committed (or, inside a test's transaction, written) so far get their indexes."""
    report = ledger_sequence(**kwargs)
    assert not report.busy, "another sequencer held the lock"
    return report
