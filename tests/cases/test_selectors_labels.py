"""Every action the case services write on the timeline has a label, so staff and applicants never see
a raw code such as `registry_void`.

The actions are read from the services' source (their `action=` arguments), not listed here a second
time: a new action without a label fails this test where it is written.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import onego.cases.services
from onego.cases.models import SubCaseTransition
from onego.cases.selectors import ACTION_LABELS, case_timeline
from onego.cases.services.acceptance import case_accept
from onego.cases.services.decisions import PARTNER_OUTCOMES
from tests.cases.factories import subcase, submit

SERVICES = Path(onego.cases.services.__file__).parent

# Function parameters an action is built from (f"partner_{outcome}"), with the values the service accepts.
PARAMETER_VALUES: Mapping[str, frozenset[str]] = {"outcome": frozenset(PARTNER_OUTCOMES)}

Values = dict[str, set[str]]


class Unresolved(Exception):
    """An `action=` whose values cannot be read from the source: teach this test the new form."""


def _strings(node: ast.expr, scope: Values, params: set[str]) -> set[str]:
    """The string values `node` can take, from literals, constants and local assignments."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, scope, params) | _strings(node.orelse, scope, params)
    if isinstance(node, ast.Name):
        if node.id in scope:
            return scope[node.id]
        if node.id in params and node.id in PARAMETER_VALUES:
            return set(PARAMETER_VALUES[node.id])
        raise Unresolved(node.id)
    if isinstance(node, ast.JoinedStr):
        parts: list[set[str]] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                parts.append(_strings(part.value, scope, params))
            else:
                parts.append(_strings(part, scope, params))
        return {"".join(p) for p in itertools.product(*parts)}
    raise Unresolved(ast.unparse(node))


def _assigned(body: list[ast.stmt], outer: Values, params: set[str]) -> Values:
    """Names assigned string values in `body` (a module or a function), with `outer` visible."""
    scope: Values = {}
    assigns = [
        (n.targets[0].id, n.value)
        for stmt in body
        for n in ast.walk(stmt)
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
    ]
    changed = True
    while changed:  # `action = verb` may come before or after `verb = ...` in the walk
        changed = False
        for name, value in assigns:
            try:
                found = _strings(value, {**outer, **scope}, params)
            except Unresolved:
                continue
            if not found <= scope.get(name, set()):
                scope.setdefault(name, set()).update(found)
                changed = True
    return scope


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def written_actions() -> dict[str, str]:
    """Every action a case service writes → where (file:line). A parameter passed on (`action=action`
    in a helper) is skipped: its callers' values are collected where they are written."""
    found: dict[str, str] = {}
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = _assigned([s for s in tree.body if isinstance(s, ast.Assign)], {}, set())
        for fn in _functions(tree):
            args = fn.args
            params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            scope = {**module, **_assigned(fn.body, module, params)}
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                for kw in call.keywords:
                    if kw.arg != "action":
                        continue
                    if isinstance(kw.value, ast.Name) and kw.value.id in params and kw.value.id not in scope:
                        continue  # handed on from the caller
                    where = f"{path.name}:{kw.value.lineno}"
                    try:
                        values = _strings(kw.value, scope, params)
                    except Unresolved as exc:
                        pytest.fail(f"{where}: cannot tell which actions `{exc}` writes")
                    found.update(dict.fromkeys(values - found.keys(), where))
    return found


def test_the_services_source_is_read_as_expected() -> None:
    actions = written_actions()
    # Literals, module constants (produced.VOID_ACTION), local choices (sole_{verb}), parameters.
    assert {"create", "registry_void", "refuse_acceptance", "sole_reject", "partner_done"} <= actions.keys()


def test_every_action_the_services_write_has_a_label() -> None:
    missing = {action: where for action, where in written_actions().items() if action not in ACTION_LABELS}
    assert missing == {}


@pytest.mark.django_db
def test_the_timeline_names_a_voided_registry_number(staff: Any) -> None:
    case = case_accept(actor=staff.clerk, case_id=submit(staff.clerk).case.pk)
    item = subcase(case, "business_licence")
    SubCaseTransition.objects.create(
        case=case,
        subcase=item,
        actor_label="户籍库",
        action="registry_void",
        from_status=item.status,
        to_status=item.status,
        reason="准予决定撤回",
    )
    [entry] = [e for e in case_timeline(case) if e.action == "registry_void"]
    assert entry.action_label == "赋码作废"
