"""Reads the workbench pages need, shaped for display. No writes and no decisions here.

Cases are reached through `onego.cases.access` first (the views do it); these functions then read what
the page shows of a case the user may see:

- the counter: the regions a clerk serves, the applicant's cases, the merged form with what the exchange
  prefilled, the material lines with what is given (who the applicant is, a read recorded in the ledger,
  is `exchange.services.identity_check`, called by the view);
- an officer's review: the case's data restricted to what the department's sharing contracts grant
  (`exchange.selectors.visible_elements`), the materials of the item, the other departments' progress;
- a lead officer: the cases the department leads, and those ready for its conclusion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from onego.accounts.models import Role
from onego.accounts.selectors import Staff
from onego.applications.form import Delivered, GroupView, merged_form
from onego.cases import sla
from onego.cases.access import region_contains, visible_cases
from onego.cases.formdata import form_fields, form_values
from onego.cases.identity import blind_index, unseal
from onego.cases.models import (
    Case,
    ClockPause,
    Material,
    MaterialKind,
    OneTimeNotice,
    SubCase,
    SubCaseKind,
    Supplement,
    SupplementStatus,
)
from onego.cases.selectors import CaseView, DeadlineView, cases_of_applicant
from onego.cases.services.submission import draft_problems
from onego.cases.workflow import SUBCASE_ACTIVE, SUBCASE_DECIDED, SUBCASE_PAUSED, CaseStatus, SubCaseStatus
from onego.catalog.models import Package, Region
from onego.catalog.selectors import packages_offered
from onego.core.workdays import WorkingCalendar
from onego.exchange.models import Consent, PrefillRun, VerifiedMaterial
from onego.exchange.selectors import (
    consents_for_case,
    masked,
    prefill_runs,
    prefilled_values,
    verified_materials,
    visible_elements,
)
from onego.exchange.services import REASON_NO_REGISTRY
from onego.workbench.presenters import Light, deadline_light, display_value, file_size, light

# --- the counter -------------------------------------------------------------------------------------------


def counter_regions(staff: Staff) -> list[Region]:
    """The regions a clerk accepts for: their windows' regions and every county-level region below them."""
    served = staff.regions([Role.CLERK])
    regions = Region.objects.filter(level__in=["province", "city", "county"]).order_by("code")
    return [r for r in regions if any(region_contains(s, r.code) for s in served)]


def default_counter_region(staff: Staff) -> str:
    """The clerk's nearest window (the longest region code without trailing zeros)."""
    served = staff.regions([Role.CLERK])
    return max(served, key=lambda code: len(code.rstrip("0"))) if served else ""


def packages_for_counter(region: Region | None) -> list[Package]:
    return list(packages_offered(region)) if region is not None else []


def applicant_cases(user: Any, staff: Staff, kind: str, key: str) -> list[Case]:
    """The applicant's cases this clerk may see (online and counter alike), newest first."""
    rows = cases_of_applicant(blind_index(kind, key)).select_related(
        "region", "lead_department", "accepting_department"
    )[:50]
    # One visibility query for the whole list, not one per case (the rule is `can_see_case`'s).
    return visible_cases(user, staff, rows)


def counter_cases(user: Any, *, limit: int = 20) -> QuerySet[Case]:
    """Cases this clerk started or accepted, newest first (the counter's own list)."""
    return (
        Case.objects.filter(Q(submitted_by=user) | Q(accepted_by=user))
        .select_related("region")
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class PrefillState:
    run: PrefillRun | None
    values: dict[str, Any]
    sources: dict[str, str]
    manual: dict[str, str]


def latest_prefill(case: Case) -> PrefillState:
    run = prefill_runs(case.pk).first()
    if run is None:
        return PrefillState(None, {}, {}, {})
    return PrefillState(
        run=run,
        values=prefilled_values(run),
        sources={code: v.get("source_name", "") for code, v in run.values.items()},
        manual=dict(run.manual or {}),
    )


def latest_consent(case: Case) -> Consent | None:
    return consents_for_case(case.pk).first()


def draft_check(case: Case) -> list[dict[str, str]]:
    """The counter's draft check: what pre-review finds now (a read; nothing numbered or sent)."""
    if case.status not in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.NEEDS_CORRECTION):
        return []
    return [p.as_dict() for p in draft_problems(case)]


def open_notice(case: Case) -> OneTimeNotice | None:
    if case.status != CaseStatus.NEEDS_CORRECTION:
        return None
    return OneTimeNotice.objects.filter(case=case, resolved_at=None).order_by("-number").first()


def counter_form(
    case: Case,
    prefill: PrefillState,
    *,
    typed: dict[str, Any] | None = None,
    problems: dict[str, str] | None = None,
) -> list[GroupView]:
    """The merged form as the clerk fills it (the one view model, `applications.form`): what was typed
    wins, then the case, then the exchange; a delivered value stays editable and says when it changed."""
    return merged_form(
        case.snapshot,
        delivery_method=case.delivery_method,
        values={k: v for k, v in form_values(case).items() if v not in (None, "")},
        delivered={
            code: Delivered(value, prefill.sources.get(code, "")) for code, value in prefill.values.items()
        },
        lock_delivered=False,
        reasons=prefill.manual,
        # "no registry holds it" is true of most fields and says nothing; other reasons do.
        quiet_reasons=(REASON_NO_REGISTRY,),
        typed=typed,
        problems=problems,
    )


@dataclass
class MaterialLineView:
    code: str
    name: str
    required: bool
    exempt: bool
    exempt_reason: str
    file_types: list[str]
    notes: list[str]
    used_by: list[str]
    given: Material | None  # the current row (upload or reference)
    verified: VerifiedMaterial | None  # what the exchange verified for it
    problem: str = ""

    @property
    def accept(self) -> str:
        return ",".join(f".{t}" for t in self.file_types)

    @property
    def given_size(self) -> str:
        return file_size(self.given.size) if self.given is not None else ""


def material_lines(case: Case, *, problems: dict[str, str] | None = None) -> list[MaterialLineView]:
    given = {m.code: m for m in Material.objects.filter(case=case, replaced_at=None)}
    verified = {v.material: v for v in verified_materials(case.pk)}
    problems = problems or {}
    names = entry_names(case)
    return [
        MaterialLineView(
            code=line["material"],
            name=line["name"],
            required=bool(line["required"]),
            exempt=bool(line["exempt"]),
            exempt_reason=line.get("exempt_reason") or "",
            file_types=list(line.get("file_types") or []),
            notes=list(line.get("notes") or []),
            used_by=[names.get(code, code) for code in line.get("used_by", [])],
            given=given.get(line["material"]),
            verified=verified.get(line["material"]),
            problem=problems.get(f"material:{line['material']}", ""),
        )
        for line in case.snapshot.get("materials", [])
    ]


def entry_names(case: Case) -> dict[str, str]:
    return {e["code"]: e["name"] for e in case.snapshot.get("entries", [])}


# --- an officer's review ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataRow:
    element: str
    name: str
    value: str
    verified: bool
    for_this_item: bool


@dataclass(frozen=True)
class DepartmentData:
    rows: list[DataRow]
    withheld: int  # fields of the case the department's contracts do not grant: not shown at all


def officer_sees_in_full(case_status: str, subcase_status: str) -> bool:
    """Whether the department's officer needs the granted values unmasked now: only while the sub-case
    is (or was) theirs to handle. A withdrawn case, or a sub-case still waiting for its predecessors or
    cancelled, shows ID numbers, phones and names masked — the officer has nothing to decide on them."""
    if case_status == CaseStatus.WITHDRAWN:
        return False
    return subcase_status not in (SubCaseStatus.WAITING, SubCaseStatus.CANCELLED)


def department_data(case: Case, subcase: SubCase) -> DepartmentData:
    """The case's form data as the sub-case's department may see it: default deny, by sharing contract;
    masked unless the officer needs the values now (`officer_sees_in_full`)."""
    fields = form_fields(case.snapshot)
    department_type = subcase.department.type.code if subcase.department else ""
    granted = visible_elements("department_type", department_type, fields) if department_type else set()
    values = form_values(case)
    verified = case.verified or {}
    in_full = officer_sees_in_full(case.status, subcase.status)
    rows = []
    for code, f in fields.items():
        if code not in granted:
            continue
        value = values.get(code)
        shown = masked(in_full, f["type"], value, element=code, sensitive=bool(f.get("sensitive")))
        rows.append(
            DataRow(
                element=code,
                name=f["name"],
                value=display_value(shown, f["type"]),
                verified=code in verified,
                for_this_item=subcase.code in (f.get("used_by") or []),
            )
        )
    rows.sort(key=lambda r: not r.for_this_item)
    return DepartmentData(rows=rows, withheld=len(fields) - len(rows))


@dataclass(frozen=True)
class ChangeRow:
    """One answered supplement item: a field's value before → after, or a material's files replaced/added."""

    name: str
    kind: str  # field | material
    before: str
    after: str
    for_this_item: bool
    added: bool = False  # a material given for the first time (nothing replaced)


@dataclass(frozen=True)
class SupplementChanges:
    answered_at: dt.datetime | None
    rows: list[ChangeRow]
    withheld: int  # items whose data the department's contracts do not grant


def supplement_changes(case: Case, subcase: SubCase) -> list[SupplementChanges]:
    """补正前后对比: what each answered supplement of the case changed, newest first, as this department may
    see it — fields it is granted, masked like `department_data`; materials this item uses."""
    fields = form_fields(case.snapshot)
    department_type = subcase.department.type.code if subcase.department else ""
    granted = visible_elements("department_type", department_type, fields) if department_type else set()
    in_full = officer_sees_in_full(case.status, subcase.status)
    used = {m["material"] for m in case.snapshot.get("materials", []) if subcase.code in m.get("used_by", [])}
    found = []
    for supplement in Supplement.objects.filter(case=case, status=SupplementStatus.ANSWERED).order_by(
        "-answered_at"
    ):
        rows, withheld = [], 0
        for item in supplement.items:
            target = item["target"]
            if item["kind"] == "field" and "before" in item:
                f = fields.get(target)
                if f is None or target not in granted:
                    withheld += 1
                    continue

                def show(sealed: Any, f: dict[str, Any] = f, target: str = target) -> str:
                    value = masked(
                        in_full, f["type"], unseal(sealed), element=target, sensitive=bool(f.get("sensitive"))
                    )
                    return str(display_value(value, f["type"]) or "—")

                rows.append(
                    ChangeRow(
                        name=f["name"],
                        kind="field",
                        before=show(item["before"]),
                        after=show(item["after"]),
                        for_this_item=subcase.code in (f.get("used_by") or []),
                    )
                )
            elif item["kind"] == "material" and "after_files" in item:
                code = target.removeprefix("material:")
                if code not in used:
                    withheld += 1
                    continue
                rows.append(
                    ChangeRow(
                        name=item.get("name", code),
                        kind="material",
                        before="、".join(item["before_files"]) or "—",
                        after="、".join(item["after_files"]) or "—",
                        for_this_item=True,
                        added=not item["before_files"],
                    )
                )
        if rows or withheld:
            found.append(SupplementChanges(supplement.answered_at, rows, withheld))
    return found


@dataclass(frozen=True)
class MaterialRow:
    id: Any
    code: str
    name: str
    kind: str
    filename: str
    size: str
    sha256: str
    reference: str
    verified_by: str
    description: str


def item_materials(case: Case, subcase: SubCase) -> list[MaterialRow]:
    """The materials this item needs (uploads and verified references); other items' materials are not
    shown — they may hold data the department's contracts do not grant."""
    wanted = [
        m["material"] for m in case.snapshot.get("materials", []) if subcase.code in m.get("used_by", [])
    ]
    given = {m.code: m for m in Material.objects.filter(case=case, replaced_at=None, code__in=wanted)}
    verified = {v.material: v for v in verified_materials(case.pk).filter(material__in=wanted)}
    names = {m["material"]: m["name"] for m in case.snapshot.get("materials", [])}
    rows = []
    for code in wanted:
        row = given.get(code)
        ref = verified.get(code)
        if row is not None:
            rows.append(
                MaterialRow(
                    id=row.pk,
                    code=code,
                    name=row.name,
                    kind=row.kind,
                    filename=row.filename,
                    size=file_size(row.size) if row.kind == MaterialKind.UPLOAD else "",
                    sha256=row.sha256,
                    reference=row.reference,
                    verified_by=row.verified_by,
                    description=ref.description if ref is not None else "",
                )
            )
        elif ref is not None:
            rows.append(
                MaterialRow(
                    id=None,
                    code=code,
                    name=names.get(code, code),
                    kind=MaterialKind.REFERENCE,
                    filename="",
                    size="",
                    sha256="",
                    reference=ref.reference,
                    verified_by=f"{ref.registry}",
                    description=ref.description,
                )
            )
    return rows


def item_material(case: Case, subcase: SubCase, material_id: Any) -> Material | None:
    """An uploaded material of the case that this item uses (for download), else None."""
    wanted = [
        m["material"] for m in case.snapshot.get("materials", []) if subcase.code in m.get("used_by", [])
    ]
    return Material.objects.filter(
        case=case, pk=material_id, code__in=wanted, kind=MaterialKind.UPLOAD
    ).first()


def subcase_light(subcase: SubCase, view: DeadlineView) -> Light:
    """A decided item's clock has stopped for good, a paused one (a joint inspection, a supplement) is
    stopped for now: say so rather than "not started"."""
    if subcase.status in SUBCASE_DECIDED:
        return light("done", days_left=None, due=subcase.promised_due, legal_due=subcase.legal_due)
    return paused_light(view, paused=ClockPause.objects.filter(subcase=subcase, ended_on=None).exists())


def paused_light(view: DeadlineView, *, paused: bool) -> Light:
    """The light of a running clock, or "paused" while a pause (ClockPause) is open on it."""
    if paused and view.colour in ("none", "paused"):
        return light("paused", days_left=None, due=None, note=view.note)
    return deadline_light(view)


@dataclass(frozen=True)
class ProgressRow:
    subcase: SubCase
    light: Light
    mine: bool


def progress(view: CaseView, *, department_ids: Iterable[Any] = ()) -> list[ProgressRow]:
    """Every item of the case: department, status and time limit (no opinions, no data)."""
    mine = set(department_ids)
    paused = set(
        ClockPause.objects.filter(subcase__in=[s for s, _ in view.subcases], ended_on=None).values_list(
            "subcase_id", flat=True
        )
    )
    return [
        ProgressRow(
            subcase=s,
            light=light("done", days_left=None, due=s.promised_due)
            if s.status in SUBCASE_DECIDED
            else paused_light(d, paused=s.pk in paused),
            mine=s.department_id in mine,
        )
        for s, d in view.subcases
        if s.kind == SubCaseKind.ITEM
    ]


# --- the inbox ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    subcase: SubCase
    light: Light


def inbox_rows(
    subcases: Iterable[SubCase], *, calendar: WorkingCalendar, today: dt.date, colour: str = ""
) -> list[InboxRow]:
    rows = []
    for s in subcases:
        running = s.status in SUBCASE_ACTIVE and s.clock_started_on is not None
        paused = s.status in SUBCASE_PAUSED
        c: str = sla.colour(calendar, today, s.promised_due, paused=paused) if running or paused else "none"
        if s.status in SUBCASE_DECIDED:
            c = "done"
        if colour and c != colour:
            continue
        days = sla.working_days_left(calendar, today, s.promised_due) if running and not paused else None
        rows.append(InboxRow(subcase=s, light=light(c, days_left=days, due=s.promised_due)))
    return rows


def colour_filter(colour: str, *, calendar: WorkingCalendar, today: dt.date) -> Q:
    """The sub-cases whose traffic light (as `inbox_rows` computes it) is `colour`, as SQL, so the inbox
    can filter before it pages. The light only grows with the due date: overdue before today, red on it,
    yellow up to the last day within `sla.YELLOW_DAYS` working days, green after that."""
    if colour == "paused":
        return Q(status__in=list(SUBCASE_PAUSED))
    running = Q(
        status__in=list(SUBCASE_ACTIVE - SUBCASE_PAUSED),
        clock_started_on__isnull=False,
        promised_due__isnull=False,
    )
    yellow_end = today
    day = today
    for _step in range(366):
        day += dt.timedelta(days=1)
        if calendar.working_days_between(today, day) > sla.YELLOW_DAYS:
            break
        yellow_end = day
    by_colour = {
        "overdue": Q(promised_due__lt=today),
        "red": Q(promised_due=today),
        "yellow": Q(promised_due__gt=today, promised_due__lte=yellow_end),
        "green": Q(promised_due__gt=yellow_end),
    }
    return running & by_colour[colour] if colour in by_colour else Q()


# --- lead departments ---------------------------------------------------------------------------------------


def led_cases(staff: Staff, statuses: Iterable[str]) -> QuerySet[Case]:
    """Cases whose lead department is one where the user is a lead officer."""
    departments = staff.departments([Role.LEAD_OFFICER])
    return (
        Case.objects.filter(lead_department_id__in=departments, status__in=list(statuses))
        .select_related("region", "lead_department", "accepting_department")
        .order_by("promised_due", "accepted_at", "pk")  # pk: pages stable
    )


@dataclass
class LedCase:
    case: Case
    light: Light
    decided: int = 0
    total: int = 0
    items: list[SubCase] = field(default_factory=list)


def led_case_rows(cases: Iterable[Case], *, calendar: WorkingCalendar, today: dt.date) -> list[LedCase]:
    listed = list(cases)
    # Every listed case's items in one query, not one per case.
    items_of: dict[Any, list[SubCase]] = {case.pk: [] for case in listed}
    if listed:
        for item in SubCase.objects.filter(case_id__in=list(items_of), kind=SubCaseKind.ITEM).select_related(
            "department"
        ):
            items_of[item.case_id].append(item)
    rows = []
    for case in listed:
        items = items_of[case.pk]
        running = case.status in (CaseStatus.IN_PROGRESS, CaseStatus.SUPPLEMENT)
        paused = running and case.promised_due is None
        c = sla.colour(calendar, today, case.promised_due, paused=paused) if running else "none"
        days = sla.working_days_left(calendar, today, case.promised_due) if running else None
        rows.append(
            LedCase(
                case=case,
                light=light(c, days_left=days, due=case.promised_due, legal_due=case.legal_due),
                decided=sum(1 for s in items if s.status in ("approved", "rejected", "cancelled")),
                total=len(items),
                items=items,
            )
        )
    return rows
