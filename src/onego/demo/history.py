"""A generated history of finished cases for the dashboard (`onego demo setup`; docs/insight.md).

Cases of the starter packages over the last `days` days in 贵阳市 and 毕节市 — counties, a town and
villages — in proportions that follow the national 13-package table (volume and online share), each
compiled against the catalog like a real case (its snapshot, sub-cases, departments, prerequisites,
time limits and burden), then timed: accepted, each item released when its prerequisites were
decided, decided, concluded; some rated, the bad ratings with a rectification answered. Every case
is finished (concluded, not accepted or withdrawn): none shows up in a clerk's or officer's list of
work to do. Deterministic for a seed and a day; written once (the idempotency keys mark it).

Written with bulk inserts, not through the case services: this is a simulated past, not a way to
create cases; the services' own rules (who may act, the state machine) are not bypassed for any live
case. The rollups are then rebuilt from these rows exactly as from real ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from onego.cases.identity import seal
from onego.cases.models import (
    Case,
    CaseTransition,
    Conclusion,
    Material,
    MaterialKind,
    ResultsStatus,
    SubCase,
    SubCaseKind,
    SubCaseTransition,
)
from onego.catalog.models import Department, Package, Region
from onego.catalog.selectors import compile_for, main_scenario
from onego.core import clock
from onego.core.errors import OneGoError
from onego.core.services import working_calendar
from onego.feedback.models import DepartmentRating, Evaluation, Rectification

KEY = "demo-history-{n}"
# Package → (cases in Guizhou Sep 2024 – Feb 2025, online share), MECHANISMS.md's national table.
NATIONAL: dict[str, tuple[float, float]] = {
    "social-security-card": (102e6, 0.344),
    "school-enrolment": (2.453e6, 0.658),
    "retirement": (111.0e3, 0.512),
    "credit-repair": (94.8e3, 0.564),
    "disability-services": (48.7e3, 0.501),
    "newborn-birth": (36.7e3, 0.504),
    "enterprise-change": (32.7e3, 0.961),
    "enterprise-deregistration": (13.3e3, 0.831),
    "open-transport-company": (13.1e3, 0.526),
    "open-restaurant": (6812, 0.602),
    "utility-connection": (3012, 0.528),
    "bankruptcy-check": (676, 0.524),
    "listing-compliance-check": (260, 0.812),
}
OTHER = (2000.0, 0.6)  # starter packages outside the table
# Where the history happens (weight): a county with its towns and villages, more counties, another city.
REGIONS: dict[str, int] = {
    "520102": 10,
    "520102016": 3,
    "520102016002": 2,
    "520102031006": 2,
    "520103": 6,
    "520111": 4,
    "520115": 5,
    "520115007001": 1,
    "520181": 3,
    "520502": 5,
    "520523": 3,
    "520523004001": 1,
}
# Department types that take longer than the rest (the bottlenecks the dashboard should find).
SLOW = {"fire_rescue": 3.0, "natural_resources": 2.5, "housing": 2.0, "court": 2.0}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


@dataclass(frozen=True)
class Template:
    package: Package
    region: Region
    snapshot: dict[str, Any]
    departments: dict[str, Department]
    lead: Department | None


def _templates() -> list[tuple[Template, float]]:
    packages = list(Package.objects.filter(active=True))
    regions = Region.objects.in_bulk(list(REGIONS), field_name="code")
    departments = Department.objects.select_related("type").in_bulk(field_name="code")
    out: list[tuple[Template, float]] = []
    for package in packages:
        volume, _share = NATIONAL.get(package.code, OTHER)
        for code, weight in REGIONS.items():
            region = regions.get(code)
            if region is None:
                continue
            try:
                compiled = compile_for(
                    package_code=package.code, region_code=code, answers=main_scenario(package)
                )
            except OneGoError:
                continue
            items = compiled.items
            if not items or any(not e.department_code or e.department_code not in departments for e in items):
                continue
            snapshot = compiled.to_dict()
            lead = departments.get(compiled.lead_department) or departments[items[0].department_code]
            out.append(
                (
                    Template(
                        package,
                        region,
                        snapshot,
                        {e.code: departments[e.department_code] for e in items},
                        lead,
                    ),
                    math.log10(volume) ** 2 * weight,
                )
            )
    return out


def _working_time(rng: random.Random, start: dt.datetime, hours: float) -> dt.datetime:
    """`hours` of working time after `start`, counting 09:00–17:00 on working days only."""
    calendar = working_calendar()
    tz = timezone.get_current_timezone()
    at = start.astimezone(tz)
    left = hours
    while left > 0:
        day_end = at.replace(hour=17, minute=0, second=0, microsecond=0)
        if calendar.is_workday(at.date()) and at < day_end:
            step = min(left, (day_end - at).total_seconds() / 3600)
            at += dt.timedelta(hours=step)
            left -= step
            if left <= 0:
                break
        nxt = (at + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        at = nxt
    return at + dt.timedelta(seconds=rng.randint(0, 59))


def generate_history(*, cases: int = 1200, days: int = 180, seed: int = 17) -> str:
    """Write the history once; returns a line for the setup output."""
    if Case.objects.filter(idempotency_key=KEY.format(n=1)).exists():
        return "演示历史办件已存在。"
    templates = _templates()
    if not templates:
        return "未生成演示历史办件：请先导入入门目录（onego catalog import …）。"
    with transaction.atomic():
        made = _write(templates, cases=cases, days=days, seed=seed)
    from onego.insight.refresh import insight_refresh

    report = insight_refresh(full=True)
    return f"已生成演示历史办件 {made} 件（近 {days} 天）；{report.summary()}"


def _write(templates: list[tuple[Template, float]], *, cases: int, days: int, seed: int) -> int:
    rng = random.Random(seed)
    calendar = working_calendar()
    tz = timezone.get_current_timezone()
    today = clock.today()
    weights = [w for _, w in templates]
    # Working days of the period, the last three left for live cases.
    workdays = [
        today - dt.timedelta(days=d)
        for d in range(3, days)
        if calendar.is_workday(today - dt.timedelta(days=d))
    ]
    new_cases: list[Case] = []
    subcases: list[SubCase] = []
    transitions: list[SubCaseTransition] = []
    case_transitions: list[CaseTransition] = []
    conclusions: list[Conclusion] = []
    materials: list[Material] = []
    ratings: list[tuple[Case, Template, int, dt.datetime, str]] = []
    for n in range(1, cases + 1):
        tpl = rng.choices([t for t, _ in templates], weights=weights)[0]
        snap = tpl.snapshot
        _volume, share = NATIONAL.get(tpl.package.code, OTHER)
        online = rng.random() < share
        channel = ("web" if rng.random() < 0.8 else "app") if online else "counter"
        day = rng.choice(workdays)
        submitted = dt.datetime.combine(day, dt.time(9), tzinfo=tz) + dt.timedelta(
            minutes=rng.randint(0, 470)
        )
        accepted = _working_time(
            rng, submitted, rng.uniform(0.1, 0.6) if channel == "counter" else rng.uniform(1, 14)
        )
        fate = rng.random()
        status = "concluded" if fate > 0.06 else ("not_accepted" if fate < 0.03 else "withdrawn")
        timing = snap.get("timing", {})
        promised_days = int(timing.get("package_promised_days") or timing.get("critical_path_days") or 0)
        legal_days = int(timing.get("legal_serial_days") or promised_days)
        name = rng.choice(SURNAMES) + "**"
        digest = hashlib.sha256(f"history-{seed}-{n}".encode()).hexdigest()
        case = Case(
            reference=f"LS-{day:%Y%m%d}-{n:06d}",
            package=tpl.package,
            package_code=tpl.package.code,
            package_name=tpl.package.name,
            package_version=tpl.package.version,
            snapshot=snap,
            region=tpl.region,
            applicant_kind="person",
            applicant_index=digest,
            applicant_display=name,
            applicant_id_masked="52**************" + digest[:2].upper(),
            applicant_sealed=seal({"name": name, "identifier": "", "synthetic": True}),
            channel=channel,
            status=status,
            answers=snap.get("answers", {}),
            idempotency_key=KEY.format(n=n),
            payload_hash=digest,
            submitted_at=submitted,
        )
        new_cases.append(case)
        case_transitions.append(
            CaseTransition(
                case=case,
                actor_label="演示历史",
                action="submit",
                from_status="draft",
                to_status="submitted",
                at=submitted,
            )
        )
        for line in snap.get("materials", []):
            if not line.get("exempt") and line.get("required", True):
                materials.append(
                    Material(
                        case=case,
                        code=line["material"],
                        name=line["name"],
                        kind=MaterialKind.UPLOAD,
                        filename=f"{line['material']}.pdf",
                    )
                )
        if status == "not_accepted":
            continue
        case.accepted_at = accepted
        case.accepted_at_counter = channel == "counter"
        case.lead_department = tpl.lead
        case.accepting_department = tpl.lead
        case.clock_started_on = accepted.astimezone(tz).date()
        case.promised_days, case.legal_days = promised_days, legal_days
        case.promised_due = calendar.add_working_days(case.clock_started_on, promised_days).due
        case.legal_due = calendar.add_working_days(case.clock_started_on, legal_days).due
        decided: dict[str, dt.datetime] = {}
        statuses: list[str] = []
        entries = sorted((e for e in snap["entries"] if e["kind"] == "item"), key=lambda e: e["stage"])
        for e in entries:
            department = tpl.departments[e["code"]]
            after = [c for c in e["after"] if c in tpl.departments]
            released = max([decided[c] for c in after if c in decided], default=accepted)
            if after:
                released = _working_time(rng, released, rng.uniform(0.2, 2))
            slow = SLOW.get(department.type.code, 1.0)
            # Mostly inside the promised days, a tail beyond them (late decisions exist).
            budget = max(1.0, float(e["days"])) * 8 * slow
            handle = (
                min(budget * rng.uniform(0.1, 0.7), 8 * 30)
                if rng.random() > 0.12
                else budget * rng.uniform(1.0, 1.6)
            )
            if not e["days"]:  # 即办: decided the same working day, now and then the next
                handle = rng.uniform(0.05, 1.5) * slow
            when = _working_time(rng, released, handle)
            sc = SubCase(
                case=case,
                code=e["code"],
                name=e["name"],
                kind=SubCaseKind.ITEM,
                department=department,
                status="cancelled"
                if status == "withdrawn"
                else ("approved" if rng.random() > 0.03 else "rejected"),
                prerequisites=after,
                stage=e["stage"],
                window_class=e.get("window_class") or 2,
                promised_days=e["days"],
                legal_days=e["legal_days"],
                clock_started_on=released.astimezone(tz).date(),
                promised_due=calendar.add_working_days(released.astimezone(tz).date(), int(e["days"])).due,
                decided_at=None if status == "withdrawn" else when,
                decided_by_label="" if status == "withdrawn" else f"{department.name} 审批人员",
            )
            subcases.append(sc)
            statuses.append(sc.status)
            decided[e["code"]] = when
            if after:
                transitions.append(
                    SubCaseTransition(
                        subcase=sc,
                        case=case,
                        actor_label="系统",
                        action="release",
                        from_status="waiting",
                        to_status="pending",
                        at=released,
                    )
                )
        if status == "withdrawn":
            continue
        concluded = _working_time(rng, max(decided.values(), default=accepted), rng.uniform(0.2, 1.5))
        case.concluded_at = concluded
        approved_all = all(s == "approved" for s in statuses)
        conclusions.append(
            Conclusion(
                case=case,
                outcome="approved" if approved_all else "partly_approved",
                prepared_at=concluded,
                issuing_department=tpl.lead,
                issued_at=concluded,
                summary="演示历史办件",
                results_status=ResultsStatus.PRODUCED,
                delivery_method="electronic",
                delivered_at=concluded,
            )
        )
        if rng.random() < 0.45:
            level = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 10, 6, 4])[0]
            ratings.append((case, tpl, level, _working_time(rng, concluded, rng.uniform(0.1, 8)), channel))
    Case.objects.bulk_create(new_cases, batch_size=500)
    CaseTransition.objects.bulk_create(case_transitions, batch_size=1000)
    SubCase.objects.bulk_create(subcases, batch_size=1000)
    SubCaseTransition.objects.bulk_create(transitions, batch_size=1000)
    Conclusion.objects.bulk_create(conclusions, batch_size=500)
    Material.objects.bulk_create(materials, batch_size=1000)
    _rate(rng, ratings)
    return len(new_cases)


def _rate(rng: random.Random, ratings: list[tuple[Case, Template, int, dt.datetime, str]]) -> None:
    calendar = working_calendar()
    evaluations, department_ratings, rectifications = [], [], []
    for case, tpl, level, at, channel in ratings:
        ev = Evaluation(
            case=case,
            rater_index=case.applicant_index,
            occasion="concluded",
            level=level,
            tags=["efficiency"] if level <= 2 else ["convenience"],
            channel="counter" if channel == "counter" else "web",
            first_rated_at=at,
            rated_at=at,
            region=case.region,
            package_code=case.package_code,
            package_name=case.package_name,
        )
        evaluations.append(ev)
        if tpl.lead is None:
            continue
        department_ratings.append(DepartmentRating(evaluation=ev, department=tpl.lead, level=level))
        if level <= 2:
            due = calendar.add_working_days(at.date(), 5).due or at.date()
            on_time = rng.random() < 0.8
            answered = _working_time(rng, at, rng.uniform(4, 30) if on_time else rng.uniform(50, 80))
            rectifications.append(
                Rectification(
                    evaluation=ev,
                    case=case,
                    department=tpl.lead,
                    overall=True,
                    status="resolved",
                    level=level,
                    complaint="（演示历史）",
                    opened_at=at,
                    due_on=due,
                    due_days=5,
                    finding="rectified",
                    verification="（演示历史）",
                    changes="（演示历史）",
                    reply="（演示历史）",
                    answered_at=answered,
                    answered_on_time=on_time,
                    closed_at=answered,
                )
            )
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    DepartmentRating.objects.bulk_create(department_ratings, batch_size=500)
    Rectification.objects.bulk_create(rectifications, batch_size=500)
