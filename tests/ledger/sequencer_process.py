"""The ledger sequencer in a process of its own, stopped inside a batch so a test can kill it there.

`python -m tests.ledger.sequencer_process --batch-size N --pause-in-batch K` runs
`ledger_sequence(batch_size=N)`; in its K-th batch, after every write of the batch and before its
COMMIT, it prints `PAUSED …` and sleeps (tests/ledger/test_concurrency.py kills it there with
SIGKILL). The database comes from ONEGO_DATABASE_URL, as for `onego`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--pause-in-batch", type=int, required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from onego.ledger import sequencer

    written = 0

    def pause(entries: Sequence[Any]) -> None:
        nonlocal written
        written += 1
        if written == args.pause_in_batch:
            print(f"PAUSED in batch {written} after writing {len(entries)} entries", flush=True)
            time.sleep(600)

    sequencer._batch_written = pause
    print(sequencer.ledger_sequence(batch_size=args.batch_size).summary(), flush=True)


if __name__ == "__main__":
    main()
