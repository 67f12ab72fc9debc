"""The one workload every runner drives: a 开办餐饮店-shaped package of six sub-cases.

    business_licence ──┬─▶ food_business_permit        (officer)
       (officer)       ├─▶ fire_safety_inspection      (officer)
                       ├─▶ tobacco_retail              (instant approval when released)
                       └─▶ bank_account                (partner step, completed by a callback)
    outdoor_sign                                       (instant approval at acceptance)
                       all six decided ─▶ one conclusion, issued by the lead department

A case is driven as a fixed list of actions: submit, accept, approve business_licence, then the
three steps of the parallel branch (two approvals and the bank's callback) in an order drawn per
case from the seed, then conclude. Instant approvals are not actions: each engine decides them
itself at the moment the sub-case becomes ready. All sub-cases approve.

The runners (raw SQL, SpiffWorkflow's BPMN, OneGo's services) read their process from here or, for
the BPMN file, are checked against it by tests/bench/test_workload_smoke.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Mode = Literal["officer", "instant", "partner"]
ActionKind = Literal["submit", "accept", "approve", "callback", "conclude"]


@dataclass(frozen=True)
class SubCaseDef:
    code: str
    name: str
    mode: Mode  # officer: approved by an officer; instant: by a rule; partner: by a callback
    after: tuple[str, ...] = ()
    department: str = ""  # department code in bench/catalog (empty for a partner step)


SUBCASES: tuple[SubCaseDef, ...] = (
    SubCaseDef("business_licence", "营业执照（设立登记）", "officer", (), "nm-scjg"),
    SubCaseDef("food_business_permit", "食品经营许可（新办）", "officer", ("business_licence",), "nm-scjg"),
    SubCaseDef(
        "fire_safety_inspection",
        "公众聚集场所投入使用营业前消防安全检查",
        "officer",
        ("business_licence",),
        "gy-xf",
    ),
    SubCaseDef("outdoor_sign", "户外招牌设置备案", "instant", (), "nm-cg"),
    SubCaseDef("tobacco_retail", "烟草专卖零售许可（延续类秒批）", "instant", ("business_licence",), "gz-yc"),
    SubCaseDef("bank_account", "银行预约开户", "partner", ("business_licence",), ""),
)

BY_CODE = {s.code: s for s in SUBCASES}


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    code: str = ""  # the sub-case, for approve / callback


def ready_after(approved: set[str]) -> list[str]:
    """Sub-cases whose prerequisites are all approved and which are not approved yet (in table order)."""
    return [s.code for s in SUBCASES if s.code not in approved and all(p in approved for p in s.after)]


def instant_closure(approved: set[str]) -> set[str]:
    """`approved` plus every instant sub-case that becomes ready, transitively (what an engine decides
    by itself after a step)."""
    done = set(approved)
    while True:
        more = [c for c in ready_after(done) if BY_CODE[c].mode == "instant"]
        if not more:
            return done
        done.update(more)


def case_actions(rng: random.Random) -> list[Action]:
    """The actions that take one case from submission to conclusion.

    After each action the set of sub-cases an engine must have approved is `instant_closure` of
    those approved by actions so far; the shuffled middle part is the parallel branch.
    """
    first = [s.code for s in SUBCASES if s.mode == "officer" and not s.after]
    branch = [s for s in SUBCASES if s.after and s.mode != "instant"]
    rng.shuffle(branch)
    return [
        Action("submit"),
        Action("accept"),
        *(Action("approve", code) for code in first),
        *(Action("approve" if s.mode == "officer" else "callback", s.code) for s in branch),
        Action("conclude"),
    ]


def application(number: int) -> dict[str, object]:
    """The applicant's data for case `number`: the same shape for every runner."""
    return {
        "enterprise_name": f"南明区好味道餐饮有限公司第{number}分店",
        "person_name": "张三",
        "premises_area": 120 + number % 400,
        "bank_account_type": "基本存款账户",
    }
