"""Who may see and act on a case. Views and services reach cases only through these functions.

A case that does not exist and a case the user may not see raise the same NotFound, so the API
leaks nothing. A case the user may see but a sub-case of another department they try to act on is
refused with PermissionDenied naming the department: "officers act only in their department".

Visibility:
- the applicant who submitted it online (`applicant_user`);
- staff of the lead department, of the accepting window, or of any department with a sub-case;
- clerks, supervisors and administrators of a region containing the case's region (a clerk must
  find a draft started online to finish it at the counter: 无差别受理).
"""

from __future__ import annotations

import uuid
from typing import Any

from onego.accounts.models import DECIDING_ROLES, Role
from onego.accounts.selectors import Staff, staff_of
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


def can_see_case(user: Any, staff: Staff, case: Case) -> bool:
    if user is not None and case.applicant_user_id is not None and user.pk == case.applicant_user_id:
        return True
    if getattr(user, "is_superuser", False):
        return True
    if any(region_contains(r, case.region.code) for r in staff.regions(REGION_ROLES)):
        return True
    mine = staff.departments()
    if not mine:
        return False
    if case.lead_department_id in mine or case.accepting_department_id in mine:
        return True
    return SubCase.objects.filter(case=case, department_id__in=mine).exists()


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
    if case is None or not can_see_case(actor, staff if staff is not None else staff_of(actor), case):
        raise NotFound("没有找到该办件", field="case")
    return case


def ensure_applicant_or_clerk(actor: Any, case: Case) -> None:
    """Changing what was applied for (corrections, supplements, drafts, withdrawal) is for the
    applicant, or a window clerk of the region acting for them — not for officers or supervisors."""
    if case.applicant_user_id is not None and case.applicant_user_id == getattr(actor, "pk", None):
        return
    if any(region_contains(r, case.region.code) for r in staff_of(actor).regions([Role.CLERK])):
        return
    raise PermissionDenied("只有申请人或代为办理的综合窗口受理员可以修改、补正或撤回申请", field="case")


def region_prefix(code: str) -> str:
    """The code prefix every subdivision of a region shares (52 for 520000, 5201 for 520100)."""
    level = region_level_of(code)
    return {"province": code[:2], "city": code[:4], "county": code[:6]}.get(level or "", code)


def access_case_by_reference(actor: Any, reference: str) -> Case:
    case = Case.objects.select_related("region").filter(reference=reference.strip()).first()
    if case is None or not can_see_case(actor, staff_of(actor), case):
        raise NotFound("没有找到该办件", field="case")
    return case


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


def access_subcase_for_officer(user: Any, subcase_id: Any) -> SubCase:
    """A sub-case the officer may act on: NotFound unless they may see its case at all, then
    PermissionDenied (with the department's name) unless they decide for its department."""
    pk = _uuid(subcase_id)
    subcase = (
        SubCase.objects.select_related("case__region", "department").filter(pk=pk).first() if pk else None
    )
    staff = staff_of(user)
    if subcase is None or not can_see_case(user, staff, subcase.case):
        raise NotFound("没有找到该子件", field="subcase")
    if subcase.kind == SubCaseKind.PARTNER:
        raise PermissionDenied("合作机构环节由合作机构通过接口办理，部门人员不能代办", field="subcase")
    if subcase.department_id is None or not staff.has(subcase.department_id, DECIDING_ROLES):
        owner = subcase.department.name if subcase.department else "其他部门"
        raise PermissionDenied(f"只能办理本部门的子件：“{subcase.name}”由{owner}办理", field="subcase")
    return subcase
