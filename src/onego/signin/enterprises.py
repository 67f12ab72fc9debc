"""Acting for an enterprise: its legal representative signs in as a person, then chooses the enterprise.

The market-entity register links each enterprise to its legal representative. Through the gateway a
person subject answers the active enterprise they represent (the newest, when there are several: the
gateway does not list them yet), so the choice is that enterprise or the person themselves.
"""

from __future__ import annotations

from onego.ledger.models import Kind
from onego.ledger.services import ledger_record
from onego.registries.gateway import RegistryUnavailable, SubjectNotFound, fetch_elements
from onego.signin.codes import SIGNIN_ACTOR
from onego.signin.session import ActingSubject

ELEMENTS = ["enterprise.name", "enterprise.uscc", "enterprise.status"]


def represented_enterprises(person: ActingSubject) -> list[ActingSubject]:
    """The enterprises this person may act for as legal representative (empty when none or unreachable)."""
    try:
        found = fetch_elements("enterprise", person.subject, ELEMENTS)
    except (RegistryUnavailable, SubjectNotFound):
        return []
    ledger_record(
        kind=Kind.REGISTRY_READ,
        actor=SIGNIN_ACTOR,
        subject_ref=person.index,
        payload={
            "registry": "enterprise",
            "registry_name": "市场主体库",
            "elements": ELEMENTS,
            "missing": [],
            "materials": [],
            "contracts": [],
            "purpose": "申请人登录：查询您担任法定代表人的企业，以便代表企业办理",
            "department": "政务服务平台",
        },
    )
    uscc, name = str(found.get("enterprise.uscc", "")), str(found.get("enterprise.name", ""))
    if not uscc or not name:
        return []
    return [ActingSubject.seal(kind="enterprise", key=uscc, name=name)]
