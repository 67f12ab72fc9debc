"""Prerequisite graphs: cycles, stages and the critical path."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onego.catalog.rules.graph import CycleError, critical_path, find_cycle, stages

# The restaurant package of docs/package-format.md, with its partner step.
RESTAURANT = {
    "business_licence": [],
    "food_business_permit": ["business_licence"],
    "fire_safety_inspection": [],
    "tobacco_retail_licence": ["business_licence"],
    "bank_account": ["business_licence"],
}
DAYS = {
    "business_licence": 3,
    "food_business_permit": 10,
    "fire_safety_inspection": 5,
    "tobacco_retail_licence": 15,
    "bank_account": 1,
}


def _is_cycle(cycle: list[str], after: Mapping[str, Iterable[str]]) -> bool:
    """`cycle` closes on itself and each element is a prerequisite of the next."""
    members = cycle[:-1]
    return (
        len(cycle) >= 2
        and cycle[0] == cycle[-1]
        and len(set(members)) == len(members)
        and all(before in after[later] for before, later in zip(cycle, cycle[1:], strict=False))
    )


# --- find_cycle ----------------------------------------------------------------------------------


def test_no_cycle_in_an_acyclic_package() -> None:
    assert find_cycle(RESTAURANT) is None
    assert find_cycle({}) is None


def test_a_self_loop_is_a_cycle_of_one() -> None:
    assert find_cycle({"a": [], "b": ["b"]}) == ["b", "b"]


def test_cycle_is_spelled_in_execution_order_each_a_prerequisite_of_the_next() -> None:
    # a needs c, b needs a, c needs b: a must come before b, b before c, c before a.
    after = {"a": ["c"], "b": ["a"], "c": ["b"]}
    assert find_cycle(after) == ["a", "b", "c", "a"]


def test_cycle_starts_at_its_member_listed_first_in_the_mapping() -> None:
    after = {"x": [], "c": ["b"], "a": ["c"], "b": ["a"]}
    assert find_cycle(after) == ["c", "a", "b", "c"]


def test_two_items_needing_each_other_form_a_cycle() -> None:
    after = {
        **RESTAURANT,
        "business_licence": ["fire_safety_inspection"],
        "fire_safety_inspection": ["business_licence"],
    }
    assert find_cycle(after) == ["business_licence", "fire_safety_inspection", "business_licence"]


def test_the_first_cycle_reached_in_insertion_order_is_reported() -> None:
    after = {"p": ["q"], "q": ["p"], "r": ["s"], "s": ["r"]}
    assert find_cycle(after) == ["p", "q", "p"]
    assert find_cycle(dict(reversed(after.items()))) == ["s", "r", "s"]


def test_prerequisites_outside_the_mapping_are_ignored() -> None:
    assert find_cycle({"a": ["ghost"], "b": ["a", "elsewhere"]}) is None


def test_prerequisites_may_be_any_iterable() -> None:
    after = {"a": (p for p in ["b"]), "b": {"a"}}
    assert find_cycle(after) == ["a", "b", "a"]


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    after = {f"n{i}": [f"n{i + 1}"] for i in range(5000)}
    assert find_cycle(after) is None
    after["n5000"] = ["n0"]
    cycle = find_cycle(after)
    assert cycle is not None
    assert len(cycle) == 5002
    assert _is_cycle(cycle, after)


def test_cycle_error_spells_the_cycle_in_chinese() -> None:
    error = CycleError(["a", "b", "a"])
    assert error.cycle == ["a", "b", "a"]
    assert error.message == str(error) == "前置关系成环：a → b → a"
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object, round-tripped
    assert copy.cycle == ["a", "b", "a"]


# --- stages --------------------------------------------------------------------------------------


def test_stages_put_items_after_their_prerequisites() -> None:
    assert stages(list(RESTAURANT), RESTAURANT) == [
        ["business_licence", "fire_safety_inspection"],
        ["food_business_permit", "tobacco_retail_licence", "bank_account"],
    ]


def test_a_prerequisite_that_does_not_apply_lets_the_dependant_start_at_once() -> None:
    # The applicant already holds a business licence, so that item is not in the scenario.
    nodes = ["food_business_permit", "fire_safety_inspection", "bank_account"]
    assert stages(nodes, RESTAURANT) == [["food_business_permit", "fire_safety_inspection", "bank_account"]]


def test_a_dropped_prerequisite_is_not_followed_through() -> None:
    after = {"c": ["b"], "b": ["a"]}
    assert stages(["c", "a"], after) == [["c", "a"]]


def test_order_within_a_stage_follows_the_nodes_given() -> None:
    nodes = ["bank_account", "fire_safety_inspection", "tobacco_retail_licence", "business_licence"]
    assert stages(nodes, RESTAURANT) == [
        ["fire_safety_inspection", "business_licence"],
        ["bank_account", "tobacco_retail_licence"],
    ]


def test_a_node_waits_for_its_latest_prerequisite() -> None:
    after = {"a": [], "b": ["a"], "c": ["b"], "d": ["a", "c"]}
    assert stages(["d", "c", "b", "a"], after) == [["a"], ["b"], ["c"], ["d"]]


def test_nodes_missing_from_after_have_no_prerequisites_and_duplicates_count_once() -> None:
    assert stages(["x", "y", "x"], {"y": ["x", "x"]}) == [["x"], ["y"]]


def test_no_nodes_means_no_stages() -> None:
    assert stages([], RESTAURANT) == []


def test_stages_refuse_a_cycle_among_the_nodes() -> None:
    after = {"a": ["c"], "b": ["a"], "c": ["b"], "d": []}
    with pytest.raises(CycleError) as caught:
        stages(["d", "a", "b", "c"], after)
    assert caught.value.cycle == ["a", "b", "c", "a"]
    assert caught.value.message == "前置关系成环：a → b → c → a"


def test_a_cycle_through_a_node_outside_the_scenario_does_not_count() -> None:
    after = {"a": ["c"], "b": ["a"], "c": ["b"]}
    assert stages(["a", "b"], after) == [["a"], ["b"]]


# --- critical_path -------------------------------------------------------------------------------


def test_critical_path_is_the_longest_chain_in_execution_order() -> None:
    assert critical_path(list(RESTAURANT), RESTAURANT, DAYS) == (
        18,
        ["business_licence", "tobacco_retail_licence"],
    )


def test_critical_path_may_be_a_single_item() -> None:
    days = {**DAYS, "fire_safety_inspection": 30}
    assert critical_path(list(RESTAURANT), RESTAURANT, days) == (30, ["fire_safety_inspection"])


def test_critical_path_of_nothing_is_zero() -> None:
    assert critical_path([], RESTAURANT, DAYS) == (0, [])


def test_critical_path_ignores_prerequisites_outside_the_scenario() -> None:
    nodes = ["food_business_permit", "bank_account"]
    assert critical_path(nodes, RESTAURANT, DAYS) == (10, ["food_business_permit"])


def test_missing_durations_count_as_zero_and_zero_day_steps_stay_on_the_chain() -> None:
    after = {"a": [], "b": ["a"], "c": ["b"]}
    assert critical_path(["a", "b", "c"], after, {"a": 2}) == (2, ["a", "b", "c"])


def test_ties_go_to_the_longer_chain_then_to_the_earlier_node() -> None:
    after = {"a": [], "b": [], "c": ["b"]}
    assert critical_path(["a", "b", "c"], after, {"a": 4, "b": 4, "c": 0}) == (4, ["b", "c"])
    assert critical_path(["a", "b"], after, {"a": 4, "b": 4}) == (4, ["a"])


def test_critical_path_refuses_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="“a”的时限不能为负数：-1"):
        critical_path(["a"], {}, {"a": -1})


def test_critical_path_refuses_a_cycle() -> None:
    with pytest.raises(CycleError):
        critical_path(["a", "b"], {"a": ["b"], "b": ["a"]}, {})


# --- Properties ----------------------------------------------------------------------------------


@dataclass
class Graph:
    names: list[str]  # in the mapping's insertion order
    after: dict[str, list[str]]


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 9) -> Graph:
    """A random DAG: node i may need only nodes of lower rank; ranks are shuffled against names."""
    size = draw(st.integers(min_value=1, max_value=max_nodes))
    ranked = draw(st.permutations([f"n{i}" for i in range(size)]))
    after: dict[str, list[str]] = {}
    for rank, node in enumerate(ranked):
        after[node] = draw(st.lists(st.sampled_from(ranked[:rank]), unique=True) if rank else st.just([]))
    order = draw(st.permutations(ranked))
    return Graph(order, {node: after[node] for node in order})


@settings(max_examples=300)
@given(dags())
def test_find_cycle_never_reports_a_cycle_in_a_dag(graph: Graph) -> None:
    assert find_cycle(graph.after) is None


@settings(max_examples=300)
@given(dags(), st.data())
def test_find_cycle_finds_a_cycle_planted_in_a_dag(graph: Graph, data: st.DataObject) -> None:
    planted = data.draw(st.lists(st.sampled_from(graph.names), min_size=1, unique=True), label="planted")
    after = {node: list(prereqs) for node, prereqs in graph.after.items()}
    for before, later in zip(planted, planted[1:] + planted[:1], strict=True):
        after[later].append(before)
    cycle = find_cycle(after)
    assert cycle is not None
    assert _is_cycle(cycle, after)
    assert find_cycle(after) == cycle
    with pytest.raises(CycleError):
        stages(graph.names, after)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Graph, list[str]]:
    """A DAG and the nodes that apply in one scenario, in an arbitrary order."""
    graph = draw(dags())
    nodes = draw(st.lists(st.sampled_from(graph.names), unique=True))
    return graph, nodes


@settings(max_examples=300)
@given(scenarios())
def test_stages_respect_every_prerequisite_and_are_as_early_as_possible(
    scenario: tuple[Graph, list[str]],
) -> None:
    graph, nodes = scenario
    levels = stages(nodes, graph.after)
    stage_of = {node: index for index, level in enumerate(levels) for node in level}
    assert sorted(stage_of) == sorted(nodes)
    assert sum(len(level) for level in levels) == len(nodes)
    assert all(levels)
    for node in nodes:
        included = [p for p in graph.after[node] if p in stage_of]
        assert all(stage_of[p] < stage_of[node] for p in included)
        # One stage after its latest prerequisite, not later.
        assert stage_of[node] == (max(stage_of[p] for p in included) + 1 if included else 0)
    for level in levels:
        assert level == [node for node in nodes if node in level]


def _longest(nodes: list[str], after: Mapping[str, list[str]], duration: Mapping[str, int]) -> int:
    """Brute force: the heaviest path, by trying every chain from every node."""
    included = set(nodes)

    def heaviest_ending_at(node: str) -> int:
        before = [heaviest_ending_at(p) for p in after[node] if p in included]
        return duration[node] + max(before, default=0)

    return max((heaviest_ending_at(node) for node in nodes), default=0)


@settings(max_examples=300)
@given(scenarios(), st.data())
def test_critical_path_is_the_heaviest_valid_chain(
    scenario: tuple[Graph, list[str]], data: st.DataObject
) -> None:
    graph, nodes = scenario
    duration = {node: data.draw(st.integers(min_value=0, max_value=30), label=node) for node in graph.names}
    total, chain = critical_path(nodes, graph.after, duration)
    assert all(total >= duration[node] for node in nodes)
    assert total <= sum(duration[node] for node in nodes)
    assert total == _longest(nodes, graph.after, duration)
    assert total == sum(duration[node] for node in chain)
    assert (chain == []) == (nodes == [])
    assert set(chain) <= set(nodes)
    assert all(before in graph.after[later] for before, later in zip(chain, chain[1:], strict=False))
