"""我的授权: the applicant's consents shaped for the page, and what withdrawing one left in the ledger.

Reads only. Withdrawal itself is `exchange.services.consent_withdraw` (it writes the `consent.withdrawn`
ledger entry in the same transaction); a consent is reached only through
`exchange.selectors.consent_for_applicant`, so another person's consent and a missing one look alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from onego.cases.models import Case
from onego.cases.selectors import cases_of_applicant, listed_for_applicant
from onego.catalog import models as cm
from onego.catalog.selectors import DepartmentResolver
from onego.core import clock
from onego.exchange.models import Consent, ConsentStatus
from onego.exchange.services import CONSENT_KINDS
from onego.ledger.selectors import entries_for_subject


@dataclass(frozen=True)
class ScopeRegistry:
    """One data source the consent lets the platform read: the data items and the materials it verifies."""

    name: str
    elements: list[str]
    materials: list[str]


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    status: str  # ConsentStatus value
    status_label: str
    package_name: str
    purpose: str
    registries: list[ScopeRegistry]
    departments: list[str]
    contracts: list[str]
    granted_at: dt.datetime | None
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    case: Case | None  # the applicant's submitted case it was given for, when there is one
    draft: bool  # given for an application not submitted (yet)
    withdrawal_index: int | None = None  # the `consent.withdrawn` ledger entry

    @property
    def active(self) -> bool:
        return self.status == ConsentStatus.ACTIVE


def _scope_lines(registries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every data item and material line of a consent's scope."""
    for r in registries:
        yield from r.get("elements", [])
        yield from r.get("materials", [])


def _used_by(consent: Consent) -> list[str]:
    """The codes of the items the consented data is for, in code order."""
    return sorted(
        {code for line in _scope_lines(consent.scope_registries()) for code in line.get("used_by", [])}
    )


def _departments(
    consent: Consent,
    resolvers: dict[str, DepartmentResolver | None],
    items: dict[str, cm.ServiceItem],
) -> list[str]:
    """Who the data is for: the lead department, then the department of each item that uses it."""
    scope = consent.scope or {}
    names: list[str] = []
    if lead := scope.get("lead_department"):
        names.append(str(lead))
    if consent.region_code not in resolvers:
        region = cm.Region.objects.filter(code=consent.region_code).first()
        resolvers[consent.region_code] = DepartmentResolver(region) if region is not None else None
    resolver = resolvers[consent.region_code]
    for item in (items[code] for code in _used_by(consent) if code in items):
        dept = resolver.resolve(item.department_type.code, item.level) if resolver else None
        name = dept.name if dept is not None else item.department_type.name
        if name not in names:
            names.append(name)
    return names


def _withdrawals(subject_index: str) -> dict[str, int | None]:
    """consent id → the index of the ledger entry that records its withdrawal (None while pending)."""
    entries = entries_for_subject(subject_index, kinds=[CONSENT_KINDS["withdrawn"]])
    return {str(e.payload.get("consent", "")): e.index for e in entries}


def consent_rows(subject_index: str, *, consents: Iterable[Consent] | None = None) -> list[ConsentRow]:
    """The subject's consents, newest first, with what each allows and for whom."""
    if consents is None:
        consents = Consent.objects.filter(subject_index=subject_index).order_by("-created_at")
    consents = list(consents)
    if not consents:
        return []
    cases = {c.pk: c for c in cases_of_applicant(subject_index).filter(pk__in={c.case_ref for c in consents})}
    items = cm.ServiceItem.objects.filter(code__in={code for c in consents for code in _used_by(c)})
    items_by_code = {i.code: i for i in items.select_related("department_type")}
    withdrawn = _withdrawals(subject_index)
    resolvers: dict[str, DepartmentResolver | None] = {}
    now = clock.now()
    rows = []
    for consent in consents:
        status = consent.status_at(now)
        registries = consent.scope_registries()
        case = cases.get(consent.case_ref)
        contracts = sorted(
            {str(line["contract"]) for line in _scope_lines(registries) if line.get("contract")}
        )
        listed = case if case is not None and listed_for_applicant(case) else None
        rows.append(
            ConsentRow(
                consent=consent,
                status=status.value,
                status_label=status.label,
                package_name=str((consent.scope or {}).get("package_name") or consent.package_code),
                purpose=consent.purpose,
                registries=[
                    ScopeRegistry(
                        name=str(r.get("name") or r.get("registry", "")),
                        elements=[str(e.get("name") or e.get("element", "")) for e in r.get("elements", [])],
                        materials=[
                            str(m.get("name") or m.get("material", "")) for m in r.get("materials", [])
                        ],
                    )
                    for r in registries
                ],
                departments=_departments(consent, resolvers, items_by_code),
                contracts=contracts,
                granted_at=consent.granted_at or consent.declined_at,
                expires_at=consent.expires_at,
                withdrawn_at=consent.withdrawn_at,
                case=listed,
                draft=listed is None,
                withdrawal_index=withdrawn.get(str(consent.pk)),
            )
        )
    return rows


def consent_row(consent: Consent) -> ConsentRow:
    return consent_rows(consent.subject_index, consents=[consent])[0]
