"""The floor plus OneGo's obligations: what any engine that does what issue #4 asks must also write.

`raw_sql.py` is the floor: the process and nothing else. This runner does the same process in the
same hand-written SQL and adds, per action, the reads and rows that OneGo writes because the issue
requires them — and nothing of OneGo's own machinery (no ORM, no catalog, no unit of work):

- an access check per action (the actor's membership, or the partner's delivery and endpoint),
  the idempotency look-up of a submission and a per-day reference counter;
- the material reference stored with the submission;
- a record of every instant decision (the rule and the data it used);
- working-day deadlines: a scheduled check task per sub-case whose clock starts;
- the partner step: a delivery record and its task when the bank's step is released, the callback
  record and the delivery's acknowledgement when the bank reports back;
- notifications to an outbox (accepted; the lead department told the case is ready; concluded) and
  the conclusion's result-production task;
- a tamper-evident ledger entry per decision, as OneGo's ledger does it (docs/adr/0005-ledger-sequencer.md): written
  pending in the action's transaction with a signed promise (SM3 of the canonical content, Ed25519
  signature), no lock and no number; a sequencer (`sequence`, run by the benchmark in its own
  process during the timed phase, as OneGo's is) checks each promise, numbers the committed entries,
  puts them into one SM3 Merkle tree and signs a head, a batch per transaction under an advisory lock.

Each table gets at most one INSERT per action, and the UPDATEs of one table in one action are one
statement. It is an estimate of the best any implementation of these obligations can do in this
schema shape, not an engine: it checks no rules beyond the process's own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg.types.json import Jsonb

from bench.runners.raw_sql import SCHEMA as FLOOR_SCHEMA
from bench.runners.raw_sql import RawSqlRunner, Row
from bench.runners.raw_sql import concluded as concluded  # same tables, same check
from bench.workload import BY_CODE, SUBCASES, Action
from onego.ledger import merkle  # pure hashing (RFC 9162 with SM3), no Django: the ledger's own tree

NAME = "raw SQL + OneGo's obligations"

SCHEMA = (
    FLOOR_SCHEMA
    + """
ALTER TABLE bench_case ADD COLUMN idempotency_key text UNIQUE;
CREATE TABLE bench_member (
    actor text PRIMARY KEY,
    department text NOT NULL,
    role text NOT NULL
);
CREATE TABLE bench_counter (day date PRIMARY KEY, last integer NOT NULL);
CREATE TABLE bench_material (
    id uuid PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES bench_case (id),
    code text NOT NULL,
    reference text NOT NULL
);
CREATE TABLE bench_instant_decision (
    id uuid PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES bench_case (id),
    sub_case text NOT NULL,
    rule_code text NOT NULL,
    inputs jsonb NOT NULL,
    decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE bench_task (
    id uuid PRIMARY KEY,
    task_path text NOT NULL,
    args jsonb NOT NULL,
    status text NOT NULL DEFAULT 'READY',
    run_after timestamptz NOT NULL DEFAULT now(),
    enqueued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON bench_task (status, run_after);
CREATE TABLE bench_outbox (
    id uuid PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES bench_case (id),
    kind text NOT NULL,
    body text NOT NULL,
    status text NOT NULL DEFAULT 'pending'
);
CREATE TABLE bench_partner_endpoint (partner text PRIMARY KEY, url text NOT NULL, secret text NOT NULL);
CREATE TABLE bench_delivery (
    id uuid PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES bench_case (id),
    sub_case text NOT NULL,
    partner text NOT NULL REFERENCES bench_partner_endpoint (partner),
    status text NOT NULL DEFAULT 'pending',
    acknowledged_at timestamptz
);
CREATE TABLE bench_callback (
    id uuid PRIMARY KEY,
    callback_id text NOT NULL UNIQUE,
    delivery_id uuid NOT NULL REFERENCES bench_delivery (id),
    result text NOT NULL
);
CREATE TABLE bench_ledger_state (slot integer PRIMARY KEY, size bigint NOT NULL, frontier jsonb NOT NULL,
                                 root text NOT NULL);
CREATE TABLE bench_ledger_entry (
    id uuid PRIMARY KEY,
    index bigint UNIQUE,
    kind text NOT NULL,
    actor text NOT NULL,
    case_ref text NOT NULL,
    payload jsonb NOT NULL,
    recorded_at timestamptz NOT NULL,
    entry_hash text NOT NULL,
    signature text NOT NULL,
    leaf_hash text NOT NULL DEFAULT '',
    sealed_at timestamptz
);
CREATE INDEX bench_ledger_pending ON bench_ledger_entry (recorded_at, id) WHERE index IS NULL;
CREATE TABLE bench_ledger_head (tree_size bigint NOT NULL, root text NOT NULL, signed_at timestamptz NOT NULL,
                                signature text NOT NULL);
CREATE TABLE bench_ledger_node (last_leaf bigint NOT NULL, level smallint NOT NULL, hash text NOT NULL,
                                PRIMARY KEY (last_leaf, level));
INSERT INTO bench_member VALUES ('applicant', '', 'applicant'), ('clerk', 'nm-zwfw', 'clerk'),
    ('officer:nm-scjg', 'nm-scjg', 'officer'), ('officer:gy-xf', 'gy-xf', 'officer'),
    ('lead', 'nm-scjg', 'lead_officer');
INSERT INTO bench_partner_endpoint VALUES ('bank', 'local:', 'secret');
INSERT INTO bench_ledger_state VALUES (1, 0, '[]', '');
"""
)

Entry = tuple[str, str, dict[str, Any]]  # kind, actor, payload


def prepare(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)


def open_runner(url: str) -> ObligationsRunner:
    return ObligationsRunner(url)


_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"onego-bench-ledger").digest())
_PUBLIC = _KEY.public_key()
LOCK_KEY = int.from_bytes(b"BenchLdg", "big")
BATCH = 1000


def _content(kind: str, actor: str, case_ref: str, payload: Any, recorded_at: dt.datetime) -> bytes:
    return json.dumps(
        {
            "v": 2,
            "kind": kind,
            "actor": actor,
            "case_ref": case_ref,
            "payload": payload,
            "recorded_at": recorded_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def _promise(kind: str, actor: str, case_ref: str, payload: Any, recorded_at: dt.datetime) -> tuple[str, str]:
    """The entry hash and its Ed25519 signature (`OneGo-SET-v1|<hash>`), as ledger_record makes them."""
    entry_hash = merkle.digest(_content(kind, actor, case_ref, payload, recorded_at)).hex()
    return entry_hash, _KEY.sign(f"OneGo-SET-v1|{entry_hash}".encode()).hex()


def _leaf(index: int, entry_hash: str) -> str:
    body = json.dumps(
        {"v": 2, "index": index, "entry_hash": entry_hash}, sort_keys=True, separators=(",", ":")
    )
    return merkle.leaf_hash(body.encode()).hex()


def append_leaves(size: int, frontier: list[str], leaves: list[str]) -> tuple[list[str], list[Any]]:
    """RFC 6962-style append (`merkle.Frontier`, as the ledger does): the frontier holds one hash per
    complete subtree (largest first).

    Returns the new frontier and the completed internal nodes (last leaf, level, hash) to store.
    """
    tree = merkle.Frontier(size, [bytes.fromhex(h) for h in frontier])
    nodes: list[Any] = []
    for leaf in leaves:
        index = tree.size
        nodes += [(index, level, h.hex()) for (level, _position), h in tree.append(bytes.fromhex(leaf))]
    return [h.hex() for h in tree.hashes], nodes


class ObligationsRunner(RawSqlRunner):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._entries: list[Entry] = []
        self._tasks: list[tuple[str, dict[str, Any]]] = []
        self._outbox: list[tuple[str, str]] = []
        self._decisions: list[tuple[str, str]] = []
        self._delivery: Any = None  # the partner delivery this action creates or acknowledges
        self._partner_release: str | None = None  # the partner step released by this action

    # --- obligations collected during an action, written at its end (one INSERT per table) ---

    def do(self, number: int, action: Action) -> None:
        self._entries, self._tasks, self._outbox, self._decisions = [], [], [], []
        with self.conn.transaction():
            actor = {
                "submit": "applicant",
                "accept": "clerk",
                "conclude": "lead",
                "approve": f"officer:{BY_CODE[action.code].department}" if action.code else "",
                "callback": "bank",
            }[action.kind]
            if action.kind == "callback":
                self._check_partner(number, action.code)
            else:
                self._check_member(actor)
            if action.kind == "submit":
                self._submit(number)
            elif action.kind == "accept":
                self._accept(self.case_ids[number])
            elif action.kind == "approve":
                self._decide(self.case_ids[number], action.code, actor)
            elif action.kind == "callback":
                self._decide(self.case_ids[number], action.code, actor)
                self._acknowledge(number, action.code)
            else:
                self._conclude(self.case_ids[number])
            self._flush(self.case_ids[number])

    def _check_member(self, actor: str) -> None:
        if self._sql("SELECT role FROM bench_member WHERE actor = %s", (actor,)).fetchone() is None:
            raise PermissionError(actor)

    def _check_partner(self, number: int, code: str) -> None:
        row = self._sql(
            "SELECT d.id, e.secret FROM bench_delivery d JOIN bench_partner_endpoint e ON e.partner = d.partner"
            " WHERE d.case_id = %s AND d.sub_case = %s",
            (self.case_ids[number], code),
        ).fetchone()
        if row is None:
            raise LookupError(f"case {number}: {code} was never dispatched")
        self._delivery = row[0]

    def _acknowledge(self, number: int, code: str) -> None:
        self._sql(
            "INSERT INTO bench_callback (id, callback_id, delivery_id, result) VALUES (%s, %s, %s, 'applied')",
            (uuid.uuid4(), f"cb-{number}", self._delivery),
        )
        self._sql(
            "UPDATE bench_delivery SET status = 'acknowledged', acknowledged_at = now() WHERE id = %s",
            (self._delivery,),
        )

    def _submit(self, number: int) -> None:
        key = f"bench-case-{number:010d}"
        if self._sql("SELECT id FROM bench_case WHERE idempotency_key = %s", (key,)).fetchone():
            raise RuntimeError("resubmitted")
        self._sql(
            "INSERT INTO bench_counter VALUES (current_date, 1)"
            " ON CONFLICT (day) DO UPDATE SET last = bench_counter.last + 1 RETURNING last"
        )
        super()._submit(number)
        case_id = self.case_ids[number]
        self._sql("UPDATE bench_case SET idempotency_key = %s WHERE id = %s", (key, case_id))
        self._sql(
            "INSERT INTO bench_material (id, case_id, code, reference) VALUES (%s, %s, 'resident_id_card', %s)",
            (uuid.uuid4(), case_id, f"population:bench-{number}"),
        )

    def _accept(self, case_id: int) -> None:
        super()._accept(case_id)
        ready = [s.code for s in SUBCASES if not s.after]
        self._entries.append(("case.accept", "clerk", {"case": case_id}))
        self._clocks(ready)
        self._outbox.append(("accepted", "您的申请已受理"))

    def _history(self, case_id: int, rows: list[Row]) -> None:
        # Every sub-case approved by a rule gets its decision record and ledger entry.
        for code, _from, to, actor in rows:
            if actor == "rule" and to == "approved":
                self._decisions.append((code, f"bench.{code}.v1"))
                self._entries.append(("instant.decide", "rule", {"sub_case": code}))
            elif code and to == "approved":
                self._entries.append(("subcase.decide", actor, {"sub_case": code, "outcome": "approved"}))
            elif code and _from == "waiting" and to == "pending":
                self._released(code)
            elif not code and to == "ready":
                self._outbox.append(("ready", "案件已具备办结条件"))
        super()._history(case_id, rows)

    def _released(self, code: str) -> None:
        if BY_CODE[code].mode == "partner":
            self._delivery = uuid.uuid4()
            self._partner_release = code
            self._tasks.append(("deliver_partner_step", {"delivery": str(self._delivery)}))
        else:
            self._clocks([code])

    def _clocks(self, codes: list[str]) -> None:
        self._tasks += [("check_subcase_deadline", {"sub_case": c, "token": 1}) for c in codes]

    def _conclude(self, case_id: int) -> None:
        super()._conclude(case_id)
        self._entries.append(("case.conclude", "lead", {"case": case_id, "outcome": "approved"}))
        self._tasks.append(("produce_conclusion_results", {"case": case_id}))
        self._outbox.append(("concluded", "您的事项已办结"))

    def _flush(self, case_id: int) -> None:
        if self._partner_release:
            self._sql(
                "INSERT INTO bench_delivery (id, case_id, sub_case, partner) VALUES (%s, %s, %s, 'bank')",
                (self._delivery, case_id, self._partner_release),
            )
            self._partner_release = None
        if self._decisions:
            self._sql(
                "INSERT INTO bench_instant_decision (id, case_id, sub_case, rule_code, inputs)"
                " SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::text[], %s::jsonb[])",
                (
                    [uuid.uuid4() for _ in self._decisions],
                    [case_id] * len(self._decisions),
                    [c for c, _ in self._decisions],
                    [r for _, r in self._decisions],
                    [Jsonb({"enterprise.name": "present"}) for _ in self._decisions],
                ),
            )
        if self._tasks:
            self._sql(
                "INSERT INTO bench_task (id, task_path, args) SELECT * FROM unnest(%s::uuid[], %s::text[], %s::jsonb[])",
                (
                    [uuid.uuid4() for _ in self._tasks],
                    [t for t, _ in self._tasks],
                    [Jsonb(a) for _, a in self._tasks],
                ),
            )
        if self._outbox:
            self._sql(
                "INSERT INTO bench_outbox (id, case_id, kind, body)"
                " SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::text[])",
                (
                    [uuid.uuid4() for _ in self._outbox],
                    [case_id] * len(self._outbox),
                    [k for k, _ in self._outbox],
                    [b for _, b in self._outbox],
                ),
            )
        if self._entries:
            self._ledger(case_id)

    def _ledger(self, case_id: int) -> None:
        # Pending entries with their promise: one INSERT, no lock, no read.
        now = dt.datetime.now(dt.UTC)
        promises = [_promise(k, a, str(case_id), p, now) for k, a, p in self._entries]
        self._sql(
            "INSERT INTO bench_ledger_entry (id, kind, actor, case_ref, payload, recorded_at, entry_hash, signature)"
            " SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::jsonb[],"
            " %s::timestamptz[], %s::text[], %s::text[])",
            (
                [uuid.uuid4() for _ in self._entries],
                [k for k, _, _ in self._entries],
                [a for _, a, _ in self._entries],
                [str(case_id)] * len(self._entries),
                [Jsonb(p) for _, _, p in self._entries],
                [now] * len(self._entries),
                [h for h, _ in promises],
                [sig for _, sig in promises],
            ),
        )


def _seal_batch(conn: Any) -> int:
    """One sequencer batch in the current transaction; how many entries it sealed (-1: lock busy)."""
    if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
        return -1
    size, frontier = conn.execute(
        "SELECT size, frontier FROM bench_ledger_state WHERE slot = 1 FOR UPDATE"
    ).fetchone()
    rows = conn.execute(
        "SELECT id, kind, actor, case_ref, payload, recorded_at, entry_hash, signature FROM bench_ledger_entry"
        " WHERE index IS NULL ORDER BY recorded_at, id LIMIT %s",
        (BATCH,),
    ).fetchall()
    if not rows:
        return 0
    size = int(size)
    leaves = []
    for i, (_id, kind, actor, case_ref, payload, recorded_at, entry_hash, signature) in enumerate(rows):
        if merkle.digest(_content(kind, actor, case_ref, payload, recorded_at)).hex() != entry_hash:
            raise RuntimeError(f"pending entry {_id} altered")
        _PUBLIC.verify(bytes.fromhex(signature), f"OneGo-SET-v1|{entry_hash}".encode())
        leaves.append(_leaf(size + i, entry_hash))
    stack, nodes = append_leaves(size, list(frontier), leaves)
    new_size = size + len(leaves)
    root = merkle.Frontier(new_size, [bytes.fromhex(h) for h in stack]).root().hex()
    signature = _KEY.sign(f"OneGo-STH-v1|{new_size}|{root}".encode()).hex()
    conn.execute(
        "WITH e AS (UPDATE bench_ledger_entry t SET index = v.i, leaf_hash = v.h, sealed_at = now()"
        "   FROM unnest(%s::uuid[], %s::bigint[], %s::text[]) AS v(id, i, h) WHERE t.id = v.id),"
        " n AS (INSERT INTO bench_ledger_node (last_leaf, level, hash)"
        "   SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::text[])),"
        " s AS (INSERT INTO bench_ledger_head VALUES (%s, %s, now(), %s))"
        " UPDATE bench_ledger_state SET size = %s, frontier = %s, root = %s WHERE slot = 1",
        (
            [r[0] for r in rows],
            [size + i for i in range(len(rows))],
            leaves,
            [n[0] for n in nodes],
            [n[1] for n in nodes],
            [n[2] for n in nodes],
            new_size,
            root,
            signature,
            new_size,
            Jsonb(stack),
            root,
        ),
    )
    return len(rows)


def sequence(url: str) -> int:
    """Seal what is pending (the benchmark runs this every second during the timed phase)."""
    import psycopg

    sealed = 0
    with psycopg.connect(url) as conn:
        while True:
            with conn.transaction():
                n = _seal_batch(conn)
            if n <= 0:
                return sealed
            sealed += n


def check_ledger(url: str) -> dict[str, int]:
    """After the run: every pending promise checks out; sealed, the log is contiguous and its leaves
    give the state's root."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        pending = conn.execute("SELECT count(*) FROM bench_ledger_entry WHERE index IS NULL").fetchone()[0]
        sequence(url)
        rows = conn.execute(
            "SELECT index, entry_hash, leaf_hash FROM bench_ledger_entry ORDER BY index"
        ).fetchall()
        if [r[0] for r in rows] != list(range(len(rows))):
            raise RuntimeError("ledger: indexes are not contiguous from 0")
        if any(_leaf(i, h) != leaf for i, h, leaf in rows):
            raise RuntimeError("ledger: a leaf hash does not match its entry")
        size, root = conn.execute("SELECT size, root FROM bench_ledger_state").fetchone()
        if size != len(rows) or merkle.root(bytes.fromhex(r[2]) for r in rows).hex() != root:
            raise RuntimeError("ledger: the state's root does not match the log")
    return {"entries": len(rows), "pending_after_run": int(pending)}
