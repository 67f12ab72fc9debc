"""The benchmark's three definitions of 开办餐饮店 agree: bench/workload.py, the BPMN SpiffWorkflow runs
and the catalog OneGo imports. No timing here — speed is measured by bench/cases_throughput.py."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import yaml
from bench.runners.spiff import SpiffProcess
from bench.workload import BY_CODE, SUBCASES, case_actions, instant_closure

CATALOG = Path(__file__).resolve().parents[2] / "bench" / "catalog"


def transitive_prerequisites(code: str) -> set[str]:
    found: set[str] = set()
    todo = list(BY_CODE[code].after)
    while todo:
        nxt = todo.pop()
        if nxt not in found:
            found.add(nxt)
            todo.extend(BY_CODE[nxt].after)
    return found


def test_the_bpmn_has_each_sub_case_with_its_prerequisites_and_kind_of_task() -> None:
    # Read the process as SpiffWorkflow parsed it, so the check is about what the engine runs.
    specs = SpiffProcess().spec.task_specs

    def upstream(name: str) -> set[str]:
        seen: set[str] = set()
        todo = [name]
        while todo:
            for before in specs[todo.pop()].inputs:
                if before.name not in seen:
                    seen.add(before.name)
                    todo.append(before.name)
        return seen

    for sub in SUBCASES:
        kind = type(specs[sub.code]).__name__
        assert kind == ("ScriptTask" if sub.mode == "instant" else "UserTask"), sub.code
        assert upstream(sub.code) & BY_CODE.keys() == transitive_prerequisites(sub.code), sub.code
    assert upstream("conclude") >= BY_CODE.keys()


@pytest.mark.parametrize("seed", range(4))
def test_spiffworkflow_decides_what_the_workload_expects_after_every_action(seed: int) -> None:
    process = SpiffProcess()
    workflow = process.start({"application": {"n": seed}})
    by_actions: set[str] = set()
    for action in case_actions(random.Random(seed))[1:]:
        workflow = process.load(process.dump(workflow))  # as the runner does between steps
        name = action.code or action.kind
        process.complete(workflow, name)
        if action.code:
            by_actions.add(action.code)
        assert process.approved(workflow) == instant_closure(by_actions)
    assert workflow.is_completed()


def test_every_sub_case_not_decided_by_a_rule_is_one_action() -> None:
    actions = case_actions(random.Random(7))
    assert [a.kind for a in actions][:2] == ["submit", "accept"]
    assert actions[-1].kind == "conclude"
    acted = [a.code for a in actions if a.code]
    assert sorted(acted) == sorted(s.code for s in SUBCASES if s.mode != "instant")
    assert instant_closure(set(acted)) == BY_CODE.keys()


def test_the_onego_catalog_declares_the_same_package() -> None:
    catalog = yaml.safe_load((CATALOG / "catalog.yaml").read_text(encoding="utf-8"))
    package = yaml.safe_load(
        (CATALOG / "packages" / "open-restaurant-bench.yaml").read_text(encoding="utf-8")
    )
    items = {i["code"]: i for i in catalog["items"]}
    departments = {d["code"]: d["type"] for d in catalog["departments"]}
    declared = {e["item"]: e for e in package["items"]} | {p["code"]: p for p in package["partner_steps"]}
    assert declared.keys() == BY_CODE.keys()
    for sub in SUBCASES:
        assert sorted(declared[sub.code].get("after", [])) == sorted(sub.after), sub.code
        if sub.mode == "partner":
            assert sub.code not in items
            continue
        item = items[sub.code]
        assert bool(item.get("instant_approval")) == (sub.mode == "instant"), sub.code
        assert departments[sub.department] == item["department"], sub.code


@pytest.mark.django_db
def test_the_onego_catalog_imports_and_compiles_to_the_workloads_sub_cases() -> None:
    from onego.catalog.selectors import compile_for
    from onego.catalog.services import catalog_import

    catalog_import(path=CATALOG)
    compiled = compile_for(package_code="open-restaurant-bench", region_code="520102", answers={})
    entries = {e["code"]: e for e in compiled.to_dict()["entries"]}
    assert entries.keys() == BY_CODE.keys()
    for sub in SUBCASES:
        entry = entries[sub.code]
        assert sorted(entry["after"]) == sorted(sub.after), sub.code
        assert (entry["kind"] == "partner") == (sub.mode == "partner"), sub.code
        assert bool(entry.get("instant_approval")) == (sub.mode == "instant"), sub.code
        assert (entry["department_code"] or "") == sub.department, sub.code


@pytest.mark.skipif(
    not os.environ.get("ONEGO_DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="needs PostgreSQL (ONEGO_DATABASE_URL=postgres://...)",
)
def test_raw_sql_obligations_and_spiffworkflow_runners_conclude_cases_on_postgresql() -> None:
    from bench.runners import raw_obligations, raw_sql, spiff

    from bench import pg

    labels = ["smoke_raw", "smoke_obligations", "smoke_spiff"]
    with pg.databases(os.environ["ONEGO_DATABASE_URL"], labels) as urls:
        for module, url in (
            (raw_sql, urls["smoke_raw"]),
            (raw_obligations, urls["smoke_obligations"]),
            (spiff, urls["smoke_spiff"]),
        ):
            module.prepare(url)
            runner = module.open_runner(url)
            try:
                for number in range(3):
                    for action in case_actions(random.Random(number)):
                        runner.do(number, action)
                assert runner.writes() > 0
            finally:
                runner.close()
            assert module.concluded(url) == 3


@pytest.mark.postgres_only
def test_the_onego_runner_files_through_consent_and_prefill_and_concludes_cases_on_postgresql(
    tmp_path: Path,
) -> None:
    # End to end as `python -m bench.cases_throughput --runners onego` runs it (its own processes and
    # database): every case filed as a draft, consented to and prefilled through the exchange, submitted,
    # decided and concluded; run_one refuses a run with fewer cases concluded or a ledger that fails.
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (ONEGO_DATABASE_URL=postgres://...)")
    from bench.cases_throughput import run_one

    from bench import pg

    with pg.databases(os.environ["ONEGO_DATABASE_URL"], ["smoke_onego"]) as urls:
        result = run_one(
            "onego", urls["smoke_onego"], cases=2, workers=1, seed=1, warmup=0, data_dir=str(tmp_path)
        )
    assert result.concluded == 2
    assert result.writes_per_case > 0


def test_the_obligations_ledger_appends_like_an_rfc6962_frontier() -> None:
    # The runner's Merkle frontier must be a real one, or its cost would not be the ledger's: after
    # n leaves the frontier holds one hash per set bit of n, and each completed node is stored once.
    from bench.runners.raw_obligations import append_leaves

    frontier: list[str] = []
    stored = 0
    for size in range(13):
        frontier, nodes = append_leaves(size, frontier, [f"{size:064x}"])
        stored += len(nodes)
        assert len(frontier) == bin(size + 1).count("1")
    assert stored == 13 - bin(13).count("1")  # a tree of n leaves has n - popcount(n) complete inner nodes
