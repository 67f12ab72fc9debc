"""The floor: the same process in hand-written SQL (psycopg 3), with only the writes it cannot do without.

Four tables (case, sub_case, transition, conclusion). One transaction per action. Every action that
touches a case locks its row first (`SELECT … FOR UPDATE`), so the join — the step that finds all
sub-cases approved and prepares the conclusion — runs exactly once even when approvals of one case
arrive together. Each status change writes one history row; the rows of one action go in one
multi-row INSERT. No ledger, no notifications, no deadlines, no audit of who may do what: that is
what makes it a floor and not an alternative.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.runners.base import WorkflowError, is_write
from bench.workload import BY_CODE, SUBCASES, Action, application, instant_closure

NAME = "raw SQL (floor)"

SCHEMA = """
CREATE TABLE bench_case (
    id bigserial PRIMARY KEY,
    reference text NOT NULL UNIQUE,
    status text NOT NULL,
    application jsonb NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    concluded_at timestamptz
);
CREATE TABLE bench_sub_case (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES bench_case (id),
    code text NOT NULL,
    status text NOT NULL,
    prerequisites text[] NOT NULL,
    decided_by text NOT NULL DEFAULT '',
    decided_at timestamptz,
    UNIQUE (case_id, code)
);
CREATE TABLE bench_transition (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES bench_case (id),
    sub_case text NOT NULL DEFAULT '',
    from_status text NOT NULL,
    to_status text NOT NULL,
    actor text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON bench_transition (case_id);
CREATE TABLE bench_conclusion (
    case_id bigint PRIMARY KEY REFERENCES bench_case (id),
    outcome text NOT NULL,
    prepared_at timestamptz NOT NULL DEFAULT now(),
    issued_by text NOT NULL DEFAULT '',
    issued_at timestamptz
);
"""

Row = tuple[str, str, str, str]  # sub_case, from, to, actor


def prepare(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)


def concluded(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM bench_case c JOIN bench_conclusion k ON k.case_id = c.id"
            " WHERE c.status = 'concluded' AND k.issued_at IS NOT NULL"
        ).fetchone()
        return int(row[0]) if row else 0


def open_runner(url: str) -> RawSqlRunner:
    return RawSqlRunner(url)


class RawSqlRunner:
    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.case_ids: dict[int, int] = {}
        self._writes = 0
        self._statements = 0

    def writes(self) -> int:
        return self._writes

    def statements(self) -> int:
        return self._statements

    def close(self) -> None:
        self.conn.close()

    def _sql(self, sql: str, params: Any = None) -> psycopg.Cursor[Any]:
        self._statements += 1
        self._writes += is_write(sql)
        return self.conn.execute(sql, params)

    def _lock_case(self, case_id: int, expected: str) -> None:
        row = self._sql("SELECT status FROM bench_case WHERE id = %s FOR UPDATE", (case_id,)).fetchone()
        if row is None or row[0] != expected:
            raise WorkflowError(f"case {case_id}: expected {expected}, found {row}")

    def _history(self, case_id: int, rows: list[Row]) -> None:
        if not rows:
            return
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
        params = [v for r in rows for v in (case_id, *r)]
        self._sql(
            f"INSERT INTO bench_transition (case_id, sub_case, from_status, to_status, actor) VALUES {values}",
            params,
        )

    def do(self, number: int, action: Action) -> None:
        with self.conn.transaction():
            if action.kind == "submit":
                self._submit(number)
            elif action.kind == "accept":
                self._accept(self.case_ids[number])
            elif action.kind in ("approve", "callback"):
                actor = "bank" if action.kind == "callback" else f"officer:{BY_CODE[action.code].department}"
                self._decide(self.case_ids[number], action.code, actor)
            else:
                self._conclude(self.case_ids[number])

    def _submit(self, number: int) -> None:
        row = self._sql(
            "INSERT INTO bench_case (reference, status, application) VALUES (%s, 'submitted', %s) RETURNING id",
            (f"RAW-{number:08d}", Jsonb(application(number))),
        ).fetchone()
        assert row is not None
        self.case_ids[number] = case_id = int(row[0])
        self._history(case_id, [("", "", "submitted", "applicant")])

    def _accept(self, case_id: int) -> None:
        self._lock_case(case_id, "submitted")
        self._sql("UPDATE bench_case SET status = 'in_progress' WHERE id = %s", (case_id,))
        approved = instant_closure(set())  # instant sub-cases without prerequisites
        history: list[Row] = [("", "submitted", "in_progress", "clerk")]
        values, params = [], []
        for s in SUBCASES:
            status = "approved" if s.code in approved else ("waiting" if s.after else "pending")
            values.append("(%s, %s, %s, %s, %s, CASE WHEN %s THEN now() END)")
            by = "rule" if status == "approved" else ""
            params += [case_id, s.code, status, list(s.after), by, status == "approved"]
            if status == "approved":
                history.append((s.code, "pending", "approved", "rule"))
        self._sql(
            "INSERT INTO bench_sub_case (case_id, code, status, prerequisites, decided_by, decided_at)"
            f" VALUES {', '.join(values)}",
            params,
        )
        self._history(case_id, history)

    def _decide(self, case_id: int, code: str, actor: str) -> None:
        self._lock_case(case_id, "in_progress")
        done = self._sql(
            "UPDATE bench_sub_case SET status = 'approved', decided_by = %s, decided_at = now()"
            " WHERE case_id = %s AND code = %s AND status = 'pending'",
            (actor, case_id, code),
        )
        if done.rowcount != 1:
            raise WorkflowError(f"case {case_id}: {code} is not pending")
        history: list[Row] = [(code, "pending", "approved", actor)]
        statuses = dict(
            self._sql("SELECT code, status FROM bench_sub_case WHERE case_id = %s", (case_id,)).fetchall()
        )
        approved = {c for c, st in statuses.items() if st == "approved"}
        # Release what waited on this one: officers' and the partner's go to their inbox, instant ones
        # are decided on the spot (and may release more, hence the closure).
        after = instant_closure(approved)
        released = [
            c for c, st in statuses.items() if st == "waiting" and all(p in after for p in BY_CODE[c].after)
        ]
        if released:
            to = {c: "approved" if c in after else "pending" for c in released}
            self._sql(
                "UPDATE bench_sub_case SET status = x.status,"
                " decided_by = CASE WHEN x.status = 'approved' THEN 'rule' ELSE '' END,"
                " decided_at = CASE WHEN x.status = 'approved' THEN now() END"
                " FROM unnest(%s::text[], %s::text[]) AS x(code, status)"
                " WHERE bench_sub_case.case_id = %s AND bench_sub_case.code = x.code",
                (list(to), list(to.values()), case_id),
            )
            history += [(c, "waiting", "pending", "system") for c in released]
            history += [(c, "pending", "approved", "rule") for c, st in to.items() if st == "approved"]
        if len(after) == len(SUBCASES):  # the join: the case row is locked, so this runs once
            self._sql("INSERT INTO bench_conclusion (case_id, outcome) VALUES (%s, 'approved')", (case_id,))
            self._sql("UPDATE bench_case SET status = 'ready' WHERE id = %s", (case_id,))
            history.append(("", "in_progress", "ready", "system"))
        self._history(case_id, history)

    def _conclude(self, case_id: int) -> None:
        self._lock_case(case_id, "ready")
        self._sql(
            "UPDATE bench_conclusion SET issued_by = 'lead', issued_at = now() WHERE case_id = %s",
            (case_id,),
        )
        self._sql(
            "UPDATE bench_case SET status = 'concluded', concluded_at = now() WHERE id = %s", (case_id,)
        )
        self._history(case_id, [("", "ready", "concluded", "lead")])
