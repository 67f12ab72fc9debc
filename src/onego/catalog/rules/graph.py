"""Ordering a package's items and partner steps by their `after:` prerequisites.

`after[x]` lists what must be decided before `x` starts. A cycle is spelled in execution order:
`[a, b, c, a]` means a comes before b, b before c and c before a — each element is a prerequisite of
the next — and reads as "a → b → c → a".

Only what applies in a scenario is ordered. A prerequisite outside the scenario's nodes is dropped,
not followed through: the applicant already has it or does not need it, so the dependent item starts
at once (docs/package-format.md, `after`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        self.message = "前置关系成环：" + " → ".join(cycle)
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[CycleError], tuple[list[str]]]:
        return (CycleError, (self.cycle,))


def find_cycle(after: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One prerequisite cycle in execution order (see the module docstring), or None.

    The search follows the mapping's insertion order, and the cycle is rotated to start at the
    member that comes first in it, so the same definition always yields the same report. A
    self-loop is `[a, a]`. Prerequisites that are not keys of `after` are ignored.
    """
    graph = {node: list(prereqs) for node, prereqs in after.items()}
    position = {node: index for index, node in enumerate(graph)}
    finished: set[str] = set()
    for root in graph:
        if root in finished:
            continue
        # Iterative depth-first search: a long chain of prerequisites must not hit the recursion limit.
        path = [root]
        on_path = {root: 0}
        pending = [iter(graph[root])]
        while path:
            for prereq in pending[-1]:
                if prereq not in graph or prereq in finished:
                    continue
                if prereq in on_path:
                    return _spell(path[on_path[prereq] :], position)
                on_path[prereq] = len(path)
                path.append(prereq)
                pending.append(iter(graph[prereq]))
                break
            else:
                done = path.pop()
                pending.pop()
                del on_path[done]
                finished.add(done)
    return None


def _spell(segment: list[str], position: Mapping[str, int]) -> list[str]:
    # `segment` runs from a node down through its prerequisites to the one that needs the first
    # again; execution order is the reverse, closed by the first node.
    members = [segment[0], *reversed(segment[1:])]
    start = min(range(len(members)), key=lambda index: position[members[index]])
    members = members[start:] + members[:start]
    return [*members, members[0]]


def _restrict(nodes: Sequence[str], after: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Each node's prerequisites among `nodes`, in `nodes` order, duplicates dropped."""
    included = dict.fromkeys(nodes)
    return {node: [p for p in dict.fromkeys(after.get(node, ())) if p in included] for node in included}


def _stages(prereqs: dict[str, list[str]]) -> list[list[str]]:
    waiting = {node: len(needs) for node, needs in prereqs.items()}
    dependants: dict[str, list[str]] = {node: [] for node in prereqs}
    for node, needs in prereqs.items():
        for prereq in needs:
            dependants[prereq].append(node)
    levels: list[list[str]] = []
    current = [node for node, count in waiting.items() if count == 0]
    while current:
        levels.append(current)
        ready: set[str] = set()
        for node in current:
            for dependant in dependants[node]:
                waiting[dependant] -= 1
                if waiting[dependant] == 0:
                    ready.add(dependant)
        current = [node for node in prereqs if node in ready]
    if sum(len(level) for level in levels) < len(prereqs):
        cycle = find_cycle(prereqs)
        if cycle is None:  # unreachable: nodes left waiting can only be waiting on each other
            raise RuntimeError("topological sort stalled without a cycle")
        raise CycleError(cycle)
    return levels


def stages(nodes: Sequence[str], after: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Group `nodes` into levels that can run in parallel.

    Stage 0 holds the nodes with no prerequisite among `nodes`; a later node sits one stage after its
    latest prerequisite. Within a stage, nodes keep their order in `nodes`. Raises CycleError.
    """
    return _stages(_restrict(nodes, after))


def prerequisites(after: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Every node's prerequisites among the nodes of `after` (its keys), direct or transitive.

    A prerequisite that is not itself a node is dropped and not followed through. Raises CycleError.
    """
    direct = _restrict(list(after), after)
    found: dict[str, set[str]] = {}
    for level in _stages(direct):  # a node's prerequisites all sit in earlier levels
        for node in level:
            found[node] = set(direct[node]).union(*(found[p] for p in direct[node]))
    return found


def critical_path(
    nodes: Sequence[str], after: Mapping[str, Iterable[str]], duration: Mapping[str, int]
) -> tuple[int, list[str]]:
    """The longest total duration along a prerequisite chain among `nodes`, and that chain in
    execution order. A node without a duration counts as 0 (an immediate item). Ties go to the longer
    chain, then to the earlier node, so the answer is stable. Raises CycleError, and ValueError for a
    negative duration.
    """
    prereqs = _restrict(nodes, after)
    for node in prereqs:
        if duration.get(node, 0) < 0:
            raise ValueError(f"“{node}”的时限不能为负数：{duration[node]}")
    total: dict[str, int] = {}
    length: dict[str, int] = {}
    previous: dict[str, str | None] = {}
    for level in _stages(prereqs):
        for node in level:
            best: str | None = None
            for prereq in prereqs[node]:
                if best is None or (total[prereq], length[prereq]) > (total[best], length[best]):
                    best = prereq
            total[node] = duration.get(node, 0) + (total[best] if best is not None else 0)
            length[node] = 1 + (length[best] if best is not None else 0)
            previous[node] = best
    if not prereqs:
        return 0, []
    end = max(prereqs, key=lambda node: (total[node], length[node]))  # max keeps the first of equals
    chain: list[str] = []
    cursor: str | None = end
    while cursor is not None:
        chain.append(cursor)
        cursor = previous[cursor]
    chain.reverse()
    return total[end], chain
