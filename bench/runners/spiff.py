"""The same process as BPMN (bench/restaurant.bpmn) on SpiffWorkflow, its state kept in PostgreSQL.

The way a small service embeds SpiffWorkflow: one row per case holding the workflow serialised by
`BpmnWorkflowSerializer.serialize_json` (the library's documented round trip, which includes the
process spec). Every action is one transaction: lock the row, deserialise, complete the user task,
let the engine run what follows (script tasks = instant approvals, gateways = split and join),
serialise, write the row back. Writes are counted as the runner's own INSERT/UPDATE statements —
the only persistence SpiffWorkflow has here. The state is stored as `text` (cheaper than jsonb,
which would make PostgreSQL parse it on every save).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from bench.runners.base import WorkflowError
from bench.workload import BY_CODE, Action, application

NAME = "SpiffWorkflow (BPMN, JSON state)"
BPMN = Path(__file__).resolve().parent.parent / "restaurant.bpmn"
PROCESS_ID = "open_restaurant"

SCHEMA = """
CREATE TABLE bench_workflow (
    id bigserial PRIMARY KEY,
    reference text NOT NULL UNIQUE,
    status text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    state text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


class SpiffProcess:
    """The parsed process and the serializer; everything here is in memory (no database)."""

    def __init__(self, path: Path = BPMN) -> None:
        parser = BpmnParser()
        parser.add_bpmn_file(str(path))
        self.spec = parser.get_spec(PROCESS_ID)
        self.serializer = BpmnWorkflowSerializer()

    def start(self, data: dict[str, Any]) -> BpmnWorkflow:
        workflow = BpmnWorkflow(self.spec)
        workflow.data.update(data)
        workflow.do_engine_steps()
        return workflow

    def complete(self, workflow: BpmnWorkflow, name: str, data: dict[str, Any] | None = None) -> None:
        tasks = workflow.get_tasks(state=TaskState.READY, manual=True, spec_name=name)
        if len(tasks) != 1:
            ready = sorted(t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True))
            raise WorkflowError(f"{name} is not the one ready user task; ready: {ready}")
        task = tasks[0]
        task.data.update(data or {})
        task.run()
        workflow.do_engine_steps()

    def dump(self, workflow: BpmnWorkflow) -> str:
        return str(self.serializer.serialize_json(workflow))

    def load(self, state: str) -> BpmnWorkflow:
        return self.serializer.deserialize_json(state)

    @staticmethod
    def approved(workflow: BpmnWorkflow) -> set[str]:
        """The sub-cases (workload codes) whose tasks have completed."""
        return {
            t.task_spec.name
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.name in BY_CODE
        }

    @staticmethod
    def ready(workflow: BpmnWorkflow) -> set[str]:
        return {t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def prepare(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)


def concluded(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM bench_workflow WHERE status = 'concluded'").fetchone()
        return int(row[0]) if row else 0


def open_runner(url: str) -> SpiffRunner:
    return SpiffRunner(url)


class SpiffRunner:
    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.process = SpiffProcess()
        self.ids: dict[int, int] = {}
        self._writes = 0
        self._statements = 0
        self.state_bytes = 0  # the size of the last state saved, for the report

    def writes(self) -> int:
        return self._writes

    def statements(self) -> int:
        return self._statements

    def close(self) -> None:
        self.conn.close()

    def do(self, number: int, action: Action) -> None:
        with self.conn.transaction():
            if action.kind == "submit":
                workflow = self.process.start({"application": application(number)})
                state = self.process.dump(workflow)
                self._writes += 1
                self._statements += 1
                row = self.conn.execute(
                    "INSERT INTO bench_workflow (reference, status, state) VALUES (%s, 'submitted', %s)"
                    " RETURNING id",
                    (f"SPIFF-{number:08d}", state),
                ).fetchone()
                assert row is not None
                self.ids[number] = int(row[0])
                self.state_bytes = len(state)
                return
            wf_id = self.ids[number]
            self._statements += 2  # the locking read and the write below
            found = self.conn.execute(
                "SELECT state FROM bench_workflow WHERE id = %s FOR UPDATE", (wf_id,)
            ).fetchone()
            if found is None:
                raise WorkflowError(f"workflow {wf_id} is missing")
            workflow = self.process.load(found[0])
            name = {"accept": "accept", "conclude": "conclude"}.get(action.kind, action.code)
            actor = "bank" if action.kind == "callback" else "officer"
            self.process.complete(workflow, name, {f"{name}_by": actor})
            status = "concluded" if workflow.is_completed() else "in_progress"
            if action.kind == "conclude" and status != "concluded":
                raise WorkflowError(f"workflow {wf_id} did not complete after the conclusion")
            state = self.process.dump(workflow)
            self._writes += 1
            self.conn.execute(
                "UPDATE bench_workflow SET state = %s, status = %s, version = version + 1, updated_at = now()"
                " WHERE id = %s",
                (state, status, wf_id),
            )
            self.state_bytes = len(state)
