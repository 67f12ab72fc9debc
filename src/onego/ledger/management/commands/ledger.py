"""`onego ledger verify|sequence|head|proof|entry|consistency` — check the ledger, seal pending
entries into the tree, and hand out heads and proofs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onego.core.errors import OneGoError
from onego.ledger.selectors import (
    consistency_proof_between,
    entry_by_id,
    entry_by_index,
    inclusion_proof_for,
)
from onego.ledger.sequencer import ledger_sequence
from onego.ledger.services import ledger_current_head, ledger_sign_head
from onego.ledger.verify import KeptHead, load_kept_heads, verify_ledger


class Command(BaseCommand):
    help = "Verify the tamper-evident ledger (账本) and print signed heads and proofs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        verify = actions.add_parser(
            "verify",
            help="Recompute the whole log; name the first altered, removed, reordered or inserted entry.",
        )
        verify.add_argument(
            "--head-file",
            action="append",
            default=[],
            metavar="FILE",
            help="JSON tree head (or array of heads) kept outside the platform; may be repeated.",
        )

        sequence = actions.add_parser(
            "sequence",
            help="Seal committed pending entries into the tree and sign a head per batch (idempotent; "
            "does nothing while another sequencer runs).",
        )
        sequence.add_argument("--batch-size", type=int, default=None, help="entries per transaction")
        sequence.add_argument(
            "--schedule",
            action="store_true",
            help="also make sure the periodic sequencer task is queued (for a running `onego db_worker`)",
        )

        entry = actions.add_parser(
            "entry", help="Print one entry's promise and, once sealed, its index and inclusion proof."
        )
        entry.add_argument("entry_id")

        head = actions.add_parser("head", help="Print the current signed tree head as JSON.")
        head.add_argument(
            "--new", action="store_true", help="Always sign a new head, even if the tree has not grown."
        )

        proof = actions.add_parser("proof", help="Print an inclusion proof for one entry as JSON.")
        proof.add_argument("index", type=int)
        proof.add_argument("--tree-size", type=int, default=None)

        consistency = actions.add_parser(
            "consistency", help="Print a consistency proof between two tree sizes."
        )
        consistency.add_argument("old", type=int)
        consistency.add_argument("new", type=int, nargs="?", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except OneGoError as exc:
            raise CommandError(exc.message) from exc

    def _verify(self, options: dict[str, Any]) -> None:
        kept: list[KeptHead] = []
        for name in options["head_file"]:
            try:
                kept += load_kept_heads(Path(name).read_text(encoding="utf-8"))
            except OSError as exc:
                raise CommandError(f"cannot read head file {name}: {exc.strerror}") from exc
        report = verify_ledger(kept_heads=kept)
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(report.summary())

    def _sequence(self, options: dict[str, Any]) -> None:
        report = ledger_sequence(batch_size=options["batch_size"])
        self.stdout.write(report.summary())
        if options["schedule"]:
            from onego.ledger.tasks import schedule_sequencer

            queued = schedule_sequencer()
            self.stdout.write("sequencer task queued" if queued else "sequencer task already queued")

    def _entry(self, options: dict[str, Any]) -> None:
        entry = entry_by_id(options["entry_id"])
        data: dict[str, Any] = {
            "id": str(entry.id),
            "kind": entry.kind,
            "recorded_at": entry.recorded_at.isoformat(),
            "entry_hash": entry.entry_hash,
            "key_id": entry.key_id,
            "signature": entry.signature,
            "status": "sealed" if entry.index is not None else "pending",
        }
        if entry.index is not None:
            proof = inclusion_proof_for(entry.index)
            data |= {
                "index": entry.index,
                "leaf_hash": entry.leaf_hash,
                "tree_size": proof.tree_size,
                "root_hash": proof.root.hex(),
                "proof": [h.hex() for h in proof.path],
            }
        self._json(data)

    def _head(self, options: dict[str, Any]) -> None:
        head = ledger_sign_head() if options["new"] else ledger_current_head()
        self._json(head.as_dict())

    def _proof(self, options: dict[str, Any]) -> None:
        proof = inclusion_proof_for(options["index"], options["tree_size"])
        entry = entry_by_index(proof.index)
        self._json(
            {
                "index": proof.index,
                "kind": entry.kind,
                "leaf_hash": proof.leaf_hash.hex(),
                "tree_size": proof.tree_size,
                "root_hash": proof.root.hex(),
                "proof": [h.hex() for h in proof.path],
            }
        )

    def _consistency(self, options: dict[str, Any]) -> None:
        proof = consistency_proof_between(options["old"], options["new"])
        self._json(
            {
                "old_size": proof.old_size,
                "new_size": proof.new_size,
                "old_root": proof.old_root.hex(),
                "new_root": proof.new_root.hex(),
                "proof": [h.hex() for h in proof.path],
            }
        )

    def _json(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
