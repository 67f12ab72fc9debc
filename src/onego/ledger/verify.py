"""Check the whole ledger and name the first thing that is wrong with it.

The log is streamed in index order (chunked iterators, O(log n) memory) and every leaf hash is
recomputed from the stored fields. Alongside, three independent records are replayed against the
recomputed tree, so that rewriting one of them is not enough to hide a change:

* the tree nodes stored when each entry was appended (`LedgerNode`) — they localise an entry whose leaf
  hash was rewritten to match its new content to the smallest subtree that holds it;
* every stored signed tree head — its root must match and its signature must verify;
* heads a department kept (`--head-file`) — the only defence once an attacker has also rewritten the
  state row and deleted the stored heads, e.g. after cutting off the tail of the log.

Reporting: the first problem in index order wins. When an entry's content does not hash to its stored
leaf hash, the rest of the log is still scanned to tell apart an edit, a reordering (the content
belongs at another index), an insertion (later entries were shifted up one) and a removal (later
entries were shifted down one).
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from onego.core import clock
from onego.core.errors import ValidationFailed
from onego.ledger import merkle
from onego.ledger.canonical import LEAF_FORMAT_SEQUENCED, entry_bytes, promise_bytes, sequenced_leaf_bytes
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState, TreeHead, head_message, timestamp_ms
from onego.ledger.signing import verifiers, verify_signature

T = TypeVar("T")

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class KeptHead:
    """A tree head held outside the platform, e.g. by a department, as JSON from `/ledger/head`."""

    tree_size: int
    root_hash: str
    timestamp: int | None = None
    key_id: str | None = None
    signature: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> KeptHead:
        size, root = data.get("tree_size"), data.get("root_hash")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValidationFailed("树头缺少有效的 tree_size", field="tree_size")
        if not isinstance(root, str) or len(root) != 2 * merkle.HASH_SIZE or not _is_hex(root):
            raise ValidationFailed("树头缺少有效的 root_hash（64 位十六进制）", field="root_hash")
        signature = data.get("signature") or None
        timestamp, key_id = data.get("timestamp"), data.get("key_id")
        if signature is not None and not (
            isinstance(signature, str)
            and _is_hex(signature)
            and isinstance(timestamp, int)
            and isinstance(key_id, str)
        ):
            raise ValidationFailed(
                "带签名的树头须有十六进制 signature、整数 timestamp 和 key_id", field="signature"
            )
        return cls(
            tree_size=size,
            root_hash=root.lower(),
            timestamp=timestamp if isinstance(timestamp, int) else None,
            key_id=key_id if isinstance(key_id, str) else None,
            signature=signature,
        )


def load_kept_heads(text: str) -> list[KeptHead]:
    """Parse one head (a JSON object) or a department's whole collection (a JSON array of them)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"树头文件不是有效的 JSON：{exc}") from exc
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise ValidationFailed("树头文件应为一个 JSON 对象或对象数组")
    return [KeptHead.from_mapping(item) for item in items]


@dataclass(frozen=True)
class Problem:
    kind: str  # altered | removed | inserted | reordered | truncated | node | head | signature | state
    message: str
    index: int | None = None


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    root: bytes
    heads_checked: int
    problem: Problem | None
    pending: int = 0  # entries not sealed yet, each checked against its signed promise
    overdue: int = 0  # of those, recorded longer ago than the maximum merge delay

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is not None:
            return self.problem.message
        heads = f", {self.heads_checked} signed head{'s' if self.heads_checked != 1 else ''} checked"
        pending = ""
        if self.pending:
            pending = f", {self.pending} pending entr{'ies' if self.pending != 1 else 'y'} checked"
        if self.overdue:
            delay = int(settings.ONEGO_LEDGER_MAX_MERGE_DELAY)
            pending += (
                f" ({self.overdue} older than the maximum merge delay of {delay} s: "
                "is `onego ledger sequence` running?)"
            )
        return f"ledger ok: {self.entries} entries, root {self.root.hex()}{heads}{pending}"


def verify_ledger(*, kept_heads: Sequence[KeptHead] = (), chunk_size: int = CHUNK_SIZE) -> VerifyReport:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # One snapshot for the state row, entries, nodes and heads, so appends running meanwhile
        # cannot look like tampering; a read-only transaction also lets the cursors stream.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _Run(kept_heads, chunk_size).run()
    return _Run(kept_heads, chunk_size).run()


# ---------------------------------------------------------------------------------------------------


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


class _Peekable(Generic[T]):
    def __init__(self, items: Iterator[T]) -> None:
        self._items = items
        self._next: list[T] = []

    def peek(self) -> T | None:
        if not self._next:
            try:
                self._next.append(next(self._items))
            except StopIteration:
                return None
        return self._next[0]

    def pop(self) -> T:
        if self._next:
            return self._next.pop()
        return next(self._items)


@dataclass(frozen=True)
class _Row:
    index: int
    kind: str
    actor: str
    subject_ref: str
    case_ref: str
    payload: Any
    recorded_at: dt.datetime
    leaf_hash: str
    leaf_format: int
    entry_hash: str

    def content_hash(self) -> str:
        """Format 2: the hash of the promised content, recomputed."""
        return merkle.digest(
            promise_bytes(
                kind=self.kind,
                actor=self.actor,
                subject_ref=self.subject_ref,
                case_ref=self.case_ref,
                payload=self.payload,
                recorded_at=self.recorded_at,
            )
        ).hex()

    def hash_at(self, index: int) -> str:
        """The leaf hash this row's content would have if it had been sealed at `index`."""
        if self.leaf_format == LEAF_FORMAT_SEQUENCED:
            data = sequenced_leaf_bytes(index=index, entry_hash_hex=self.content_hash())
        else:
            data = entry_bytes(
                index=index,
                kind=self.kind,
                actor=self.actor,
                subject_ref=self.subject_ref,
                case_ref=self.case_ref,
                payload=self.payload,
                recorded_at=self.recorded_at,
            )
        return merkle.leaf_hash(data).hex()


@dataclass(frozen=True)
class _Head:
    tree_size: int
    root_hash: str
    timestamp: int | None
    key_id: str | None
    signature: str | None
    label: str


_ROW_FIELDS = (
    "index",
    "kind",
    "actor",
    "subject_ref",
    "case_ref",
    "payload",
    "recorded_at",
    "leaf_hash",
    "leaf_format",
    "entry_hash",
)


@dataclass
class _Mismatch:
    """The first entry whose content does not hash to its stored leaf hash, and what explains it."""

    row: _Row
    next_row: _Row | None = None
    explained: Problem | None = None
    moved_to: int | None = None
    done: bool = False

    @property
    def k(self) -> int:
        return self.row.index

    def _holds(self, row: _Row, at: int, other: _Row) -> bool:
        # Content of `row` belongs at index `at` if it hashes there to the leaf hash stored either
        # with the content (the whole row was moved) or at that index (only the content was moved).
        h = row.hash_at(at)
        return h in (row.leaf_hash, other.leaf_hash)

    def see(self, row: _Row) -> None:
        """Take in a later row that also fails its leaf hash."""
        k = self.k
        if row.index == k:
            self._decide("inserted", f"entry inserted at {k}: a second row carries index {k}")
            return
        if row.index == k + 1:
            self.next_row = row
        if self._holds(self.row, row.index, row) and self._holds(row, k, self.row):
            self._decide("reordered", f"entry {k} reordered: swapped with entry {row.index}")
        elif self.moved_to is None and self._holds(self.row, row.index, row):
            self.moved_to = row.index

    def _decide(self, kind: str, message: str) -> None:
        self.explained = Problem(kind, message, self.k)
        self.done = True

    def conclude(self) -> Problem:
        if self.explained is not None:
            return self.explained
        k, row = self.k, self.row
        nxt = self.next_row
        if nxt is not None and nxt.hash_at(k) == nxt.leaf_hash:
            return Problem(
                "inserted", f"entry inserted at {k}: the entries after it were shifted up by one", k
            )
        if row.hash_at(k + 1) == row.leaf_hash:
            return Problem("removed", f"entry {k} removed: the entries after it were shifted down by one", k)
        if self.moved_to is not None:
            return Problem(
                "reordered", f"entry {k} reordered: its content belongs at index {self.moved_to}", k
            )
        return Problem("altered", f"entry {k} altered: its content no longer matches its leaf hash", k)


@dataclass
class _Run:
    kept_heads: Sequence[KeptHead]
    chunk_size: int
    frontier: merkle.Frontier = field(default_factory=merkle.Frontier)
    heads_checked: int = 0
    last_good_head: int = 0
    last_row: _Row | None = None
    _root_cache: tuple[int, bytes] | None = None

    def run(self) -> VerifyReport:
        state = LedgerState.objects.filter(slot=1).first()
        limit = state.size if state is not None else None

        entries = LedgerEntry.objects.filter(index__isnull=False).order_by("index", "id")
        nodes = LedgerNode.objects.order_by("last_leaf", "level")
        heads = TreeHead.objects.order_by("tree_size", "timestamp", "id")
        if limit is not None:
            # Entries appended after the state row was read are left for the next run.
            entries = entries.filter(index__lt=limit)
            nodes = nodes.filter(last_leaf__lt=limit)
            heads = heads.filter(tree_size__lte=limit)

        self.nodes = _Peekable(nodes.values_list("last_leaf", "level", "hash").iterator(self.chunk_size))
        stored_heads = (
            _Head(size, root, timestamp_ms(ts), key_id, sig, f"signed tree head of {ts.isoformat()}")
            for size, root, ts, key_id, sig in heads.values_list(
                "tree_size", "root_hash", "timestamp", "key_id", "signature"
            ).iterator(self.chunk_size)
        )
        kept = sorted(
            (
                _Head(h.tree_size, h.root_hash, h.timestamp, h.key_id, h.signature, "kept head")
                for h in self.kept_heads
                if limit is None or h.tree_size <= limit
            ),
            key=lambda h: h.tree_size,
        )
        self.heads = _Peekable(heapq.merge(stored_heads, kept, key=lambda h: h.tree_size))
        rows = (_Row(*values) for values in entries.values_list(*_ROW_FIELDS).iterator(self.chunk_size))

        problem = self._check_heads() or self._scan(rows)
        size = self.frontier.size
        if problem is None:
            problem = self._check_tail(state, size)
        pending = overdue = 0
        if problem is None:
            problem, pending, overdue = self._check_pending()
        return VerifyReport(
            entries=size,
            root=self._root(),
            heads_checked=self.heads_checked,
            problem=problem,
            pending=pending,
            overdue=overdue,
        )

    def _check_pending(self) -> tuple[Problem | None, int, int]:
        """Entries not sealed yet: each must still match its signed promise (content hash and
        signature). Those older than the maximum merge delay are counted, not failed: late is the
        sequencer's fault, not tampering."""
        from onego.ledger.sequencer import check_promise

        keys = verifiers()
        cutoff = clock.now() - dt.timedelta(seconds=int(settings.ONEGO_LEDGER_MAX_MERGE_DELAY))
        pending = overdue = 0
        rows = LedgerEntry.objects.filter(index__isnull=True).order_by("recorded_at", "id")
        for entry in rows.iterator(self.chunk_size):
            reason = check_promise(entry, keys)
            if reason is not None:
                return Problem("pending", reason), pending, overdue
            pending += 1
            overdue += entry.recorded_at < cutoff
        return None, pending, overdue

    # -- the stream -----------------------------------------------------------------------------

    def _scan(self, rows: Iterator[_Row]) -> Problem | None:
        mismatch: _Mismatch | None = None
        for row in rows:
            if mismatch is not None:
                # Past the first bad entry: only look for what explains it.
                if row.hash_at(row.index) != row.leaf_hash or row.index == mismatch.k:
                    mismatch.see(row)
                    if mismatch.done:
                        break
                continue
            expected = self.frontier.size
            if row.index < expected:
                return Problem(
                    "inserted",
                    f"entry inserted at {row.index}: a second row carries index {row.index}",
                    row.index,
                )
            if row.index > expected:
                missing = (
                    f" (entries {expected}–{row.index - 1} are missing)" if row.index - expected > 1 else ""
                )
                return Problem("removed", f"entry {expected} removed{missing}", expected)
            leaf = row.hash_at(row.index)
            if (
                leaf == row.leaf_hash
                and row.leaf_format == LEAF_FORMAT_SEQUENCED
                and (row.entry_hash != row.content_hash())
            ):
                return Problem(
                    "altered",
                    f"entry {row.index} altered: its stored promise hash no longer matches its content",
                    row.index,
                )
            if leaf != row.leaf_hash:
                mismatch = _Mismatch(row)
                if expected > 0 and row.hash_at(expected - 1) == row.leaf_hash:
                    # The entry before verified, yet this content was appended at its index: the
                    # row before is a forgery slipped in by shifting the rest up.
                    return Problem(
                        "inserted",
                        f"entry inserted at {expected - 1}: the entries after it were shifted up by one",
                        expected - 1,
                    )
                continue
            completed = self.frontier.append(bytes.fromhex(leaf))
            self.last_row = row
            problem = self._check_nodes(row.index, completed) or self._check_heads()
            if problem is not None:
                return self._forged_before(row, next(rows, None)) or problem
        return mismatch.conclude() if mismatch is not None else None

    @staticmethod
    def _forged_before(row: _Row, nxt: _Row | None) -> Problem | None:
        """A row with a self-consistent leaf hash that breaks the tree may be a forgery inserted by
        shifting later entries up: then the next row's content was appended at this row's index."""
        if nxt is not None and nxt.index == row.index + 1 and nxt.hash_at(row.index) == nxt.leaf_hash:
            return Problem(
                "inserted",
                f"entry inserted at {row.index}: the entries after it were shifted up by one",
                row.index,
            )
        return None

    def _check_nodes(self, index: int, completed: list[tuple[merkle.NodeRef, bytes]]) -> Problem | None:
        stored = self.nodes.peek()
        if stored is not None and stored[0] < index:
            return Problem(
                "node",
                f"tree node cache altered: a level-{stored[1]} node ends at entry {stored[0]}, "
                "where the log completes no such node",
                stored[0],
            )
        for (level, position), h in completed:
            stored = self.nodes.peek()
            first, last = position << level, ((position + 1) << level) - 1
            if stored is None or (stored[0], stored[1]) != (index, level):
                return Problem(
                    "node",
                    f"tree node cache altered: the level-{level} node over entries {first}–{last} is missing",
                    first,
                )
            self.nodes.pop()
            if stored[2] != h.hex():
                return Problem(
                    "node",
                    f"entries {first}–{last} altered: one of them was changed and its leaf hash rewritten "
                    f"to match, so they no longer hash to the tree node stored when entry {last} was "
                    "appended (or that node itself was altered)",
                    first,
                )
        stored = self.nodes.peek()
        if stored is not None and stored[0] == index:
            return Problem(
                "node",
                f"tree node cache altered: an extra level-{stored[1]} node ends at entry {index}",
                index,
            )
        return None

    def _check_heads(self) -> Problem | None:
        size = self.frontier.size
        head = self.heads.peek()
        while head is not None and head.tree_size <= size:
            self.heads.pop()
            if head.tree_size < size:  # only when an earlier problem stopped the scan
                continue
            problem = self._check_head(head)
            if problem is not None:
                return problem
            head = self.heads.peek()
        return None

    def _check_head(self, head: _Head) -> Problem | None:
        size = head.tree_size
        if head.signature is not None:
            assert head.key_id is not None
            assert head.timestamp is not None
            valid = verify_signature(
                head.key_id, head_message(size, head.timestamp, head.root_hash), bytes.fromhex(head.signature)
            )
            if valid is None:
                return Problem(
                    "signature",
                    f"{head.label} at size {size} is signed with unknown key {head.key_id} "
                    "(list retired keys in ONEGO_LEDGER_RETIRED_PUBLIC_KEYS)",
                )
            if not valid:
                return Problem(
                    "signature", f"{head.label} at size {size} altered: its signature does not verify"
                )
        if head.root_hash.lower() != self._root().hex():
            first = self.last_good_head
            return Problem(
                "head",
                f"entries {first}–{size - 1} altered: the log no longer matches the {head.label} at size {size} "
                f"(root {head.root_hash}, log gives {self._root().hex()}); one of them was changed together "
                "with its leaf hash and tree nodes",
                first,
            )
        self.heads_checked += 1
        self.last_good_head = size
        return None

    def _root(self) -> bytes:
        if self._root_cache is None or self._root_cache[0] != self.frontier.size:
            self._root_cache = (self.frontier.size, self.frontier.root())
        return self._root_cache[1]

    # -- after the stream -----------------------------------------------------------------------

    def _check_tail(self, state: LedgerState | None, size: int) -> Problem | None:
        kept_max = max((h.tree_size for h in self.kept_heads), default=0)
        if kept_max > size:
            return Problem("truncated", f"log truncated: head has {kept_max} entries, log has {size}", size)
        stored_max = TreeHead.objects.aggregate(m=Max("tree_size"))["m"] or 0
        if stored_max > size:
            return Problem(
                "truncated", f"log truncated: signed tree head has {stored_max} entries, log has {size}", size
            )
        if self.last_row is not None:
            after = LedgerEntry.objects.filter(index=size).values_list(*_ROW_FIELDS).first()
            forged = self._forged_before(self.last_row, _Row(*after) if after else None)
            if forged is not None:
                return forged
        if state is None:
            if size:
                return Problem("state", f"ledger state row is missing, but the log has {size} entries")
            return None
        if state.size > size:
            return Problem(
                "truncated",
                f"log truncated: ledger state records {state.size} entries, log has {size} (entry {size} removed)",
                size,
            )
        if state.frontier != [h.hex() for h in self.frontier.hashes] or state.root_hash != self._root().hex():
            return Problem(
                "state",
                f"ledger state does not match the log at {size} entries: state root {state.root_hash}, "
                f"log gives {self._root().hex()} (an entry after the last stored tree node was changed "
                "together with its leaf hash, or the state row was altered)",
            )
        # Re-read: on databases without a snapshot an append may have moved the state on meanwhile.
        end = LedgerState.objects.filter(slot=1).values_list("size", flat=True).first() or size
        extra = (
            LedgerEntry.objects.filter(index__gte=end)
            .order_by("index")
            .values_list("index", flat=True)
            .first()
        )
        if extra is not None:
            return Problem(
                "inserted",
                f"entry inserted at {extra}: the ledger state records only {end} entries",
                extra,
            )
        node = (
            LedgerNode.objects.filter(last_leaf__gte=end)
            .order_by("last_leaf")
            .values_list("last_leaf", flat=True)
            .first()
        )
        if node is not None:
            return Problem(
                "truncated",
                f"log truncated: tree nodes cover {node + 1} entries, log has {end}",
                end,
            )
        return None
