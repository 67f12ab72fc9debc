"""Who may see and act on a case. Views and services reach cases only through these functions.

A case that does not exist and a case the user may not see raise the same NotFound, so the API
leaks nothing. A case the user may see but a sub-case of another department they try to act on is
refused with PermissionDenied naming the department: "officers act only in their department".

Visibility:
- the applicant who submitted it online (`applicant_user`);
- staff of the lead department, of the accepting window, or of any department with a sub-case;
- clerks, supervisors and administrators of a region containing the case's region (a clerk must
  find a draft started online to finish it at the counter: 无差别受理).

What a check reads: the row it guards once, and the actor's memberships at most once. A caller
that already holds the actor's `Staff` for this request or service call passes it (`staff=`);
otherwise the memberships are read only when the rule needs them (not for the applicant), and an
officer's access to a sub-case of their own department is decided in the statement that reads the
sub-case (`holds_role`), the memberships being read only to word a refusal. Nothing is remembered
between calls: a revoked membership counts from the next action. A list of cases is filtered with
`visible_cases`: the same rule, its sub-case question asked once for the whole list.

`access_case_by_id` and `access_subcase_for_officer` return model instances, for views that show
them. A service that re-reads the row under its lock anyway uses `access_case_ref_by_id` /
`access_subcase_ref_for_officer`: the same rule and errors, only the few columns the check and its
messages need (`CaseRef`, `SubCaseRef`; their attribute names follow the models').
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from django.db.models import OuterRef

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.selectors import Staff, holds_role, staff_of
from onego.cases.models import Case, SubCase, SubCaseKind
from onego.core.errors import NotFound, PermissionDenied
from onego.core.validators import region_level_of, region_parent_code

REGION_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)


def region_contains(outer: str, inner: str) -> bool:
    code: str | None = inner
    while code is not None:
        if code == outer:
            return True
        code = region_parent_code(code)
    return False


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


# For services that look a row up by a caller's id before an access function: a malformed id is
# "not found" (None), never a database error.
parse_uuid = _uuid


# --- what a narrow check returns ----------------------------------------------------------------


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str


@dataclass(frozen=True)
class DepartmentRef:
    pk: Any
    code: str
    name: str


@dataclass(frozen=True)
class CaseRef:
    """A case as an access check read it: which row to lock next, and what a refusal names."""

    pk: uuid.UUID
    applicant_user_id: Any
    region: RegionRef
    lead_department: DepartmentRef | None
    accepting_department: DepartmentRef | None

    @property
    def lead_department_id(self) -> Any:
        return self.lead_department.pk if self.lead_department else None

    @property
    def accepting_department_id(self) -> Any:
        return self.accepting_department.pk if self.accepting_department else None


@dataclass(frozen=True)
class SubCaseRef:
    """A sub-case as an officer's access check read it: its case (to lock first), its department."""

    pk: uuid.UUID
    case_id: uuid.UUID
    kind: str
    name: str
    department: DepartmentRef | None
    assignee_id: Any

    @property
    def department_id(self) -> Any:
        return self.department.pk if self.department else None


def _department(pk: Any, code: str | None, name: str | None) -> DepartmentRef | None:
    return DepartmentRef(pk=pk, code=code or "", name=name or "") if pk is not None else None


# --- the rule -----------------------------------------------------------------------------------


class _Seen(NamedTuple):
    """The columns of a case that decide who sees it."""

    case_id: Any
    applicant_user_id: Any
    region_code: str
    lead_department_id: Any
    accepting_department_id: Any


def _seen(case: Case | CaseRef) -> _Seen:
    return _Seen(
        case.pk,
        case.applicant_user_id,
        case.region.code,
        case.lead_department_id,
        case.accepting_department_id,
    )


def _visible_unless_subcases(
    user: Any, staff: Callable[[], Staff], case: _Seen, *, department_id: Any = None
) -> bool | set[Any]:
    """The rule up to its one read: True or False when the row and the memberships decide, else the
    user's departments, a sub-case of any of which in the case makes it visible (the caller asks)."""
    if user is not None and case.applicant_user_id is not None and user.pk == case.applicant_user_id:
        return True
    if getattr(user, "is_superuser", False):
        return True
    seats = staff()
    if any(region_contains(r, case.region_code) for r in seats.regions(REGION_ROLES)):
        return True
    mine = seats.departments()
    if not mine:
        return False
    if case.lead_department_id in mine or case.accepting_department_id in mine:
        return True
    if department_id is not None and department_id in mine:
        return True
    return mine


def _visible(user: Any, staff: Callable[[], Staff], case: _Seen, *, department_id: Any = None) -> bool:
    """`staff` is called only when the rule gets to memberships. `department_id`: a department
    known to have a sub-case in this case (the one being opened), which spares asking."""
    decided = _visible_unless_subcases(user, staff, case, department_id=department_id)
    if isinstance(decided, bool):
        return decided
    return SubCase.objects.filter(case_id=case.case_id, department_id__in=decided).exists()


def _staff_reader(actor: Any, staff: Staff | None) -> Callable[[], Staff]:
    """The actor's memberships: the caller's, or read on first use (once) for this check."""
    if staff is not None:
        return lambda: staff
    return functools.cache(lambda: staff_of(actor))


def can_see_case(user: Any, staff: Staff, case: Case) -> bool:
    return _visible(user, lambda: staff, _seen(case))


def visible_cases(user: Any, staff: Staff, cases: Iterable[Case]) -> list[Case]:
    """The cases `can_see_case` lets `user` see, in the order given, for a list of them.

    The same rule; what it would ask case by case (has one of the user's departments a sub-case
    here?) is asked in one query for every case the rest of the rule leaves open, so a list costs
    the same whatever its length. The cases need their region loaded (`select_related("region")`).
    """
    rows = list(cases)
    decided = [(case, _visible_unless_subcases(user, lambda: staff, _seen(case))) for case in rows]
    open_ = [case.pk for case, answer in decided if not isinstance(answer, bool)]
    with_subcase: set[Any] = set()
    if open_:
        with_subcase = set(
            SubCase.objects.filter(case_id__in=open_, department_id__in=staff.departments())
            .order_by()
            .values_list("case_id", flat=True)
            .distinct()
        )
    # `with_subcase` holds only cases the rest of the rule left open.
    return [case for case, answer in decided if answer is True or case.pk in with_subcase]


# --- cases --------------------------------------------------------------------------------------

_SeenCase = TypeVar("_SeenCase", Case, CaseRef)


def _if_visible(actor: Any, staff: Staff | None, case: _SeenCase | None) -> _SeenCase:
    """The case, or NotFound alike for a missing case and one `actor` may not see."""
    if case is None or not _visible(actor, _staff_reader(actor, staff), _seen(case)):
        raise NotFound("没有找到该办件", field="case")
    return case


def access_case_by_id(actor: Any, case_id: Any, *, staff: Staff | None = None) -> Case:
    """The case if `actor` may see it; NotFound alike for a missing case and someone else's.

    `staff`: the actor's memberships when the caller has read them already.
    """
    pk = _uuid(case_id)
    case = (
        Case.objects.select_related("region", "lead_department", "accepting_department").filter(pk=pk).first()
        if pk
        else None
    )
    return _if_visible(actor, staff, case)


_CASE_REF_COLUMNS = (
    "pk",
    "applicant_user_id",
    "region__code",
    "region__name",
    "lead_department_id",
    "lead_department__code",
    "lead_department__name",
    "accepting_department_id",
    "accepting_department__code",
    "accepting_department__name",
)


def access_case_ref_by_id(actor: Any, case_id: Any, *, staff: Staff | None = None) -> CaseRef:
    """`access_case_by_id` for a service that locks and reads the case next: the same rule and the
    same NotFound, one narrow statement (plus the memberships unless passed or not needed)."""
    pk = _uuid(case_id)
    row = Case.objects.filter(pk=pk).values_list(*_CASE_REF_COLUMNS).first() if pk else None
    return _if_visible(actor, staff, _case_ref(row) if row is not None else None)


def _case_ref(row: tuple[Any, ...]) -> CaseRef:
    pk, applicant, region_code, region_name, lead, lead_code, lead_name, acc, acc_code, acc_name = row
    return CaseRef(
        pk=pk,
        applicant_user_id=applicant,
        region=RegionRef(code=region_code, name=region_name),
        lead_department=_department(lead, lead_code, lead_name),
        accepting_department=_department(acc, acc_code, acc_name),
    )


def ensure_applicant_or_clerk(actor: Any, case: Case | CaseRef, *, staff: Staff | None = None) -> None:
    """Changing what was applied for (corrections, supplements, drafts, withdrawal) is for the
    applicant, or a window clerk of the region acting for them — not for officers or supervisors."""
    if case.applicant_user_id is not None and case.applicant_user_id == getattr(actor, "pk", None):
        return
    seats = staff if staff is not None else staff_of(actor)
    if any(region_contains(r, case.region.code) for r in seats.regions([Role.CLERK])):
        return
    raise PermissionDenied("只有申请人或代为办理的综合窗口受理员可以修改、补正或撤回申请", field="case")


def sees_applicant_in_full(actor: Any, case: Case | CaseRef, *, staff: Staff | None = None) -> bool:
    """Who sees the applicant's name in full on staff pages: the case's own applicant, and a window clerk
    of the region (the counter compares it with the papers in hand). Officers, leads and supervisors see
    it masked; official documents always carry it in full (`selectors.applicant_shown`)."""
    if case.applicant_user_id is not None and case.applicant_user_id == getattr(actor, "pk", None):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    seats = staff if staff is not None else staff_of(actor)
    return any(region_contains(r, case.region.code) for r in seats.regions([Role.CLERK]))


def region_prefix(code: str) -> str:
    """The code prefix every subdivision of a region shares (52 for 520000, 5201 for 520100)."""
    level = region_level_of(code)
    return {"province": code[:2], "city": code[:4], "county": code[:6]}.get(level or "", code)


def access_case_by_reference(actor: Any, reference: str, *, staff: Staff | None = None) -> Case:
    case = Case.objects.select_related("region").filter(reference=reference.strip()).first()
    return _if_visible(actor, staff, case)


def access_case_for_applicant(applicant_index: str, case_id: Any) -> Case:
    """A case of the applicant whose blind index is given — online or accepted at the counter.

    For the applicant web (it signs the person in, verifies their ID number and passes
    `identity.blind_index(kind, id_number)`): a counter case is followed online this way.
    """
    pk = _uuid(case_id)
    case = (
        Case.objects.select_related("region").filter(pk=pk, applicant_index=applicant_index).first()
        if pk
        else None
    )
    if case is None or not applicant_index:
        raise NotFound("没有找到该办件", field="case")
    return case


# --- sub-cases ----------------------------------------------------------------------------------


def _deciding(actor: Any, staff: Staff | None) -> Any:
    """What to annotate a sub-case query with, so it says whether the actor decides for the
    sub-case's department; None when the answer is known without asking (the caller's `staff`, or
    no signed-in user)."""
    if staff is not None or not getattr(actor, "is_authenticated", False):
        return None
    return holds_role(actor, OuterRef("department_id"), DECIDING_ROLES)


def _ensure_officer_may_act(
    actor: Any,
    staff: Staff | None,
    *,
    decides: bool | None,
    kind: str,
    name: str,
    department: DepartmentRef | None,
    case: _Seen,
) -> None:
    """NotFound unless the actor may see the case at all, then PermissionDenied (naming the
    department) unless they decide for the sub-case's department. `decides`: the query's answer
    to the latter, when it asked."""
    department_id = department.pk if department else None
    if decides is None:
        decides = staff is not None and department_id is not None and staff.has(department_id, DECIDING_ROLES)
    if decides and kind != SubCaseKind.PARTNER:
        # A decider of the sub-case's department is staff of a department with a sub-case in the
        # case, so they see it: nothing more to read.
        return
    seats = _staff_reader(actor, staff)
    if not _visible(actor, seats, case, department_id=department_id):
        raise NotFound("没有找到该子件", field="subcase")
    if kind == SubCaseKind.PARTNER:
        raise PermissionDenied("合作机构环节由合作机构通过接口办理，部门人员不能代办", field="subcase")
    if department_id is None or not seats().has(department_id, DECIDING_ROLES):
        owner = department.name if department else "其他部门"
        raise PermissionDenied(f"只能办理本部门的子件：“{name}”由{owner}办理", field="subcase")


def access_subcase_for_officer(user: Any, subcase_id: Any, *, staff: Staff | None = None) -> SubCase:
    """A sub-case the officer may act on: NotFound unless they may see its case at all, then
    PermissionDenied (with the department's name) unless they decide for its department.

    One statement when the officer decides for the sub-case's department (or `staff` is passed).
    """
    pk = _uuid(subcase_id)
    rows = SubCase.objects.select_related("case__region", "department")
    deciding = _deciding(user, staff)
    if deciding is not None:
        rows = rows.annotate(actor_decides=deciding)
    subcase = rows.filter(pk=pk).first() if pk else None
    if subcase is None:
        raise NotFound("没有找到该子件", field="subcase")
    department = subcase.department
    _ensure_officer_may_act(
        user,
        staff,
        decides=getattr(subcase, "actor_decides", None),
        kind=subcase.kind,
        name=subcase.name,
        department=DepartmentRef(department.pk, department.code, department.name) if department else None,
        case=_seen(subcase.case),
    )
    return subcase


_SUBCASE_REF_COLUMNS = (
    "pk",
    "case_id",
    "kind",
    "name",
    "department_id",
    "department__code",
    "department__name",
    "assignee_id",
    "case__applicant_user_id",
    "case__region__code",
    "case__lead_department_id",
    "case__accepting_department_id",
)


def access_subcase_ref_for_officer(user: Any, subcase_id: Any, *, staff: Staff | None = None) -> SubCaseRef:
    """`access_subcase_for_officer` for a service that locks and reads the sub-case next: the same
    rule and errors, one narrow statement when the officer decides for the sub-case's department."""
    pk = _uuid(subcase_id)
    if pk is None:
        raise NotFound("没有找到该子件", field="subcase")
    rows = SubCase.objects.filter(pk=pk)
    deciding = _deciding(user, staff)
    if deciding is not None:
        rows = rows.annotate(actor_decides=deciding)
    columns = (*_SUBCASE_REF_COLUMNS, "actor_decides") if deciding is not None else _SUBCASE_REF_COLUMNS
    row = rows.values_list(*columns).first()
    if row is None:
        raise NotFound("没有找到该子件", field="subcase")
    pk_, case_id, kind, name, dept, dept_code, dept_name, assignee, applicant, region, lead, acc, *asked = row
    department = _department(dept, dept_code, dept_name)
    _ensure_officer_may_act(
        user,
        staff,
        decides=asked[0] if asked else None,
        kind=kind,
        name=name,
        department=department,
        case=_Seen(case_id, applicant, region, lead, acc),
    )
    return SubCaseRef(
        pk=pk_, case_id=case_id, kind=kind, name=name, department=department, assignee_id=assignee
    )
