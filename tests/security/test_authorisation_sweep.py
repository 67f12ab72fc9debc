"""Authorisation sweep: every route of the URL conf and every operation of the OpenAPI document, for nine
kinds of visitor, against one data set: applicant A's case, accepted at 南明区's window and handled by
南明区市场监管.

The table says, per route (and per API operation), which visitors may GET it with these objects; every
other visitor must be refused (a login redirect, 401, 403, 404 or 405): default deny. Every POST is
also sent, with an empty body, by every visitor the table does not allow to write, and must be refused
the same way — no cross writes. (Allowed writers are not swept: their empty POSTs would change the data
the rest of the sweep reads; the services' own tests cover them.) A route or operation without an entry
fails the test, so a new route cannot skip the sweep.

Visitors: anonymous; applicants A (owns the case and a draft) and B; an officer of the handling
department and one of another department (贵阳市消防); a window clerk in the case's region and one
outside it (毕节市); a supervisor of 南明区; a service-centre administrator (superuser).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from onego.accounts.models import Role
from onego.cases.models import Case, Material, SubCase
from onego.cases.services.acceptance import case_accept
from onego.ledger.sequencer import ledger_sequence
from tests.cases.factories import import_cases_catalog, make_staff
from tests.exchange.factories import restaurant_contract
from tests.portal.applicants import person, sign_in, start, to_review

pytestmark = [pytest.mark.django_db]

ANON, A, B = "anonymous", "applicant_a", "applicant_b"
OFFICER, OTHER_DEPT = "officer", "officer_other_dept"
CLERK, OTHER_REGION = "clerk", "clerk_other_region"
SUPERVISOR, ADMIN = "supervisor", "admin"
VISITORS = (ANON, A, B, OFFICER, OTHER_DEPT, CLERK, OTHER_REGION, SUPERVISOR, ADMIN)
EVERYONE = frozenset(VISITORS)
NOBODY: frozenset[str] = frozenset()
STAFF = frozenset({OFFICER, OTHER_DEPT, CLERK, OTHER_REGION, SUPERVISOR, ADMIN})
CLERKS = frozenset({CLERK, OTHER_REGION})


def only(*who: str) -> frozenset[str]:
    return frozenset(who)


P = EVERYONE  # public pages and endpoints
PORTAL_APPLICANTS = only(A, B)
# Every workbench login goes through the page; a signed-in user (staff or applicant) on the code page is
# sent on to where they were going, which decides for itself.
SIGNED_IN = EVERYONE - {ANON}

# route (as the URL conf spells it) -> who may GET it, given the sweep's objects
ROUTES: dict[str, frozenset[str]] = {
    "": P,
    "favicon.ico": P,
    "healthz": P,  # liveness and readiness for the load balancer: no data
    "readyz": P,
    "registry-sim/<str:code>/elements": NOBODY,  # signed requests of configured clients only
    "registry-sim/<str:code>/events": NOBODY,  # the event feed: signed requests of configured clients only
    "search/": P,
    "ask/": P,
    "packages/<slug:code>/": P,
    "verify/<str:token>": P,
    "login/": P,
    "workbench/login/": P,
    "i18n/setlang/": P,
    "display/large-text/": NOBODY,  # POST only
    "login/code/": NOBODY,  # no code was asked for in these sessions
    "login/code/resend/": NOBODY,
    "logout/": NOBODY,
    "workbench/logout/": NOBODY,
    "workbench/login/verify/": SIGNED_IN,
    "admin/": only(ADMIN),
    # the applicant's own pages: A's draft and case are A's alone
    "me/subject/": PORTAL_APPLICANTS,
    "me/cases/": PORTAL_APPLICANTS,
    "me/consents/": PORTAL_APPLICANTS,
    "me/data-reads/": PORTAL_APPLICANTS,
    "me/cases/<str:case_id>/": only(A),
    "me/cases/<str:case_id>/submitted/": only(A),  # the confirmation page of A's own submission
    "me/messages/": PORTAL_APPLICANTS,  # each their own messages
    "me/cases/<str:case_id>/supplement/": NOBODY,  # no supplement is open
    "me/cases/<str:case_id>/correct/": NOBODY,  # no notice is open
    "me/consents/<str:consent_id>/withdraw/": NOBODY,
    "packages/<slug:code>/apply/": PORTAL_APPLICANTS,
    "apply/<uuid:draft_id>/": only(A),
    "apply/<uuid:draft_id>/questions/<int:n>/": only(A),
    "apply/<uuid:draft_id>/contact/": only(A),
    "apply/<uuid:draft_id>/consent/": only(A),
    "apply/<uuid:draft_id>/form/": only(A),
    "apply/<uuid:draft_id>/form/field/": NOBODY,  # POST only
    "apply/<uuid:draft_id>/materials/": only(A),
    "apply/<uuid:draft_id>/materials/<slug:material>/upload/": NOBODY,  # POST only
    "apply/<uuid:draft_id>/materials/<slug:material>/remove/": NOBODY,  # POST only
    "apply/<uuid:draft_id>/review/": only(A),
    "apply/<uuid:draft_id>/discard/": NOBODY,  # POST only
    "apply/<uuid:draft_id>/others/": only(A),  # asking another adult for their own consent: A's draft
    "consent/ask/<str:token>/": NOBODY,  # a person-consent link: no such link here (and only its person)
    "documents/<uuid:case_id>/<slug:kind>.pdf": NOBODY,  # no conclusion issued yet
    # the workbench
    "workbench/": STAFF,
    "workbench/counter/": CLERKS,
    "workbench/queue/": CLERKS,  # each their own centre's online submissions
    "workbench/counter/applicant/": CLERKS,
    "workbench/counter/start/": CLERKS,
    "workbench/counter/clear/": NOBODY,  # POST only
    "workbench/counter/cases/<uuid:case_id>/": only(CLERK),  # not the clerk of another region
    "workbench/counter/cases/<uuid:case_id>/receipt/": only(CLERK),
    "workbench/counter/cases/<uuid:case_id>/consent/": NOBODY,
    "workbench/counter/cases/<uuid:case_id>/save/": NOBODY,
    "workbench/counter/cases/<uuid:case_id>/accept/": NOBODY,
    "workbench/counter/cases/<uuid:case_id>/refuse/": NOBODY,
    "workbench/counter/cases/<uuid:case_id>/supplement/": NOBODY,
    "workbench/counter/cases/<uuid:case_id>/deliver/": NOBODY,
    "workbench/counter/cases/<uuid:case_id>/notices/<int:number>/": NOBODY,  # no notice issued
    "workbench/counter/cases/<uuid:case_id>/<slug:which>.pdf": NOBODY,
    "workbench/counter/subcases/<uuid:subcase_id>/decide/": NOBODY,
    "workbench/inbox/": only(OFFICER, OTHER_DEPT),
    "workbench/subcases/<uuid:subcase_id>/": only(OFFICER),  # not another department's officer
    "workbench/subcases/<uuid:subcase_id>/claim/": NOBODY,
    "workbench/subcases/<uuid:subcase_id>/<slug:action>/": NOBODY,
    "workbench/subcases/<uuid:subcase_id>/materials/<uuid:material_id>/": NOBODY,  # not this item's
    "workbench/lead/": NOBODY,  # no lead officer among the visitors
    "workbench/lead/cases/<uuid:case_id>/": NOBODY,
    "workbench/lead/cases/<uuid:case_id>/deliver/": NOBODY,
    "workbench/lead/cases/<uuid:case_id>/<slug:which>.pdf": NOBODY,
    "workbench/designer/": only(ADMIN),
    "workbench/designer/preview/": NOBODY,
    "workbench/designer/save/": NOBODY,
    "workbench/designer/upload/": NOBODY,
    "workbench/designer/export/items.xlsx": only(ADMIN),
    "workbench/designer/export/packages/<slug:code>.yaml": only(ADMIN),
    # 好差评 (onego.feedback)
    "me/cases/<str:case_id>/evaluate/": only(A),
    "r/<slug:code>": NOBODY,  # not a valid window rating code
    "satisfaction/": P,  # aggregates only
    "workbench/feedback/": STAFF,  # each their own department's work orders
    "workbench/feedback/supervision/": only(SUPERVISOR),
    "workbench/feedback/invite/": STAFF,  # the form; issuing checks the case
    "workbench/feedback/<uuid:rect_id>/": NOBODY,  # no work order of that id
    "workbench/feedback/<uuid:rect_id>/<slug:action>/": NOBODY,
    # 办不成事 reports and departmental work orders (onego.feedback)
    "me/reports/": PORTAL_APPLICANTS,  # their own reports and the form
    "workbench/reports/": STAFF,  # each their own coordinator's reports and department's orders
    "workbench/reports/new/": STAFF - {ADMIN},  # clerks, staff and grid workers report; not a bare superuser
    "workbench/reports/<uuid:report_id>/": NOBODY,  # no report of that id
    "workbench/reports/<uuid:report_id>/<slug:action>/": NOBODY,
    "workbench/orders/<uuid:order_id>/<slug:action>/": NOBODY,
    "workbench/reports/<uuid:report_id>/photos/<uuid:photo_id>/": NOBODY,
    "workbench/feedback/data-reads/": only(SUPERVISOR),  # the ledger's personal-data reads, read-only
    # report photos: thumbnails and downloads through the access functions (no report of that id here)
    "workbench/reports/<uuid:report_id>/photos/<uuid:photo_id>/thumb/": NOBODY,
    "me/reports/<uuid:report_id>/photos/<uuid:photo_id>/": NOBODY,
    "me/reports/<uuid:report_id>/photos/<uuid:photo_id>/thumb/": NOBODY,
    # Open311 GeoReport v2 over 办不成事 reports (public reads without personal data; writes need an api_key)
    "open311/v2/discovery.<str:fmt>": P,
    "open311/v2/services.<str:fmt>": P,
    "open311/v2/services/<str:code>.<str:fmt>": NOBODY,  # not a service code
    "open311/v2/requests.<str:fmt>": P,  # POST without an api_key: 403
    "open311/v2/requests/<str:request_id>.<str:fmt>": NOBODY,  # no such request
    "open311/v2/tokens/<str:value>.<str:fmt>": NOBODY,  # no such token
    # 服务找人 and 我的常用 (onego.outreach): each applicant their own offers and pins
    "me/offers/": PORTAL_APPLICANTS,
    "me/offers/preferences/": NOBODY,  # POST only
    "me/offers/<uuid:offer_id>/start/": NOBODY,  # POST only
    "me/offers/<uuid:offer_id>/dismiss/": NOBODY,  # POST only
    "me/pins/": NOBODY,  # POST only
    # publishing with review (issue 13): the designer's administrators only
    "workbench/designer/changes/": only(ADMIN),
    "workbench/designer/changes/<uuid:change_id>/": NOBODY,  # no change of that id
    "workbench/designer/changes/<uuid:change_id>/decide/": NOBODY,
    "workbench/designer/history/<slug:code>/": only(ADMIN),
    # 运行监测看板 (onego.insight): supervisors and administrators of a region, their own region only
    "workbench/insight/": only(SUPERVISOR),
    "workbench/insight/export/<slug:figure>.<slug:ext>": only(SUPERVISOR),
    # 标准化 (onego.standards): service-centre administrators only
    "workbench/standards/drift/": only(ADMIN, SUPERVISOR),  # a supervisor sees their own region only
    "workbench/standards/names/": only(ADMIN),
    "workbench/standards/names/<uuid:mapping_id>/review/": NOBODY,  # POST only
    "workbench/standards/proposals/": only(ADMIN),
    "workbench/standards/proposals/refresh/": NOBODY,  # POST only
    "workbench/standards/proposals/<uuid:proposal_id>/decide/": NOBODY,  # POST only
    "proposals/": P,  # the public list of proposals
    "proposals/new/": PORTAL_APPLICANTS,
    "proposals/<uuid:proposal_id>/": NOBODY,  # no proposal of that id
    "proposals/<uuid:proposal_id>/support/": NOBODY,  # POST only
    # the e-licence view (亮证, issue 15): A's own licence; staff only via a case that produced it
    "me/licences/": PORTAL_APPLICANTS,  # each their own licences
    "me/licences/<str:identifier>/": only(A),
    "me/licences/<str:identifier>/licence.pdf": only(A),
    "verify/licence/<str:token>": P,  # the public check behind the QR code (masked)
    "workbench/cases/<uuid:case_id>/licences/<str:identifier>/": NOBODY,  # not a result of this case
    "workbench/cases/<uuid:case_id>/licences/<str:identifier>/licence.pdf": NOBODY,
}

# Who may POST to a route (an empty form) when that differs from who may GET it; everyone else is sent
# the POST and must be refused. Writers themselves are not swept (see the module docstring).
WRITERS: dict[str, frozenset[str]] = {
    "login/": P,
    "login/code/": P,
    "login/code/resend/": P,
    "logout/": P,
    "workbench/login/": P,
    "workbench/logout/": P,
    "i18n/setlang/": P,
    "display/large-text/": P,
    "me/cases/<str:case_id>/supplement/": only(A),  # A's own case (answers "nothing is open")
    "me/cases/<str:case_id>/correct/": only(A),
    "apply/<uuid:draft_id>/form/field/": only(A),
    "apply/<uuid:draft_id>/materials/<slug:material>/upload/": only(A),
    "apply/<uuid:draft_id>/materials/<slug:material>/remove/": only(A),
    "apply/<uuid:draft_id>/discard/": only(A),
    "workbench/counter/clear/": CLERKS,
    "workbench/counter/cases/<uuid:case_id>/consent/": only(CLERK),
    "workbench/counter/cases/<uuid:case_id>/save/": only(CLERK),
    "workbench/counter/cases/<uuid:case_id>/accept/": only(CLERK),
    "workbench/counter/cases/<uuid:case_id>/refuse/": only(CLERK),
    "workbench/counter/cases/<uuid:case_id>/supplement/": only(CLERK),
    "workbench/counter/cases/<uuid:case_id>/deliver/": only(CLERK),
    "workbench/counter/subcases/<uuid:subcase_id>/decide/": only(CLERK),
    "workbench/subcases/<uuid:subcase_id>/claim/": only(OFFICER),
    "workbench/subcases/<uuid:subcase_id>/<slug:action>/": only(OFFICER),
    "workbench/designer/preview/": only(ADMIN),
    "workbench/designer/save/": only(ADMIN),
    "workbench/designer/upload/": only(ADMIN),
    "me/offers/preferences/": PORTAL_APPLICANTS,  # each for themselves (the server decides who)
    "me/offers/<uuid:offer_id>/start/": only(A),  # A's offer: B gets "not found"
    "me/offers/<uuid:offer_id>/dismiss/": only(A),
    "me/pins/": PORTAL_APPLICANTS,
    "workbench/standards/names/": only(ADMIN),
    "workbench/standards/names/<uuid:mapping_id>/review/": only(ADMIN),
    "workbench/standards/proposals/refresh/": only(ADMIN),
    "workbench/standards/proposals/<uuid:proposal_id>/decide/": only(ADMIN),
    "proposals/new/": PORTAL_APPLICANTS,
    "proposals/<uuid:proposal_id>/support/": PORTAL_APPLICANTS,
}

STAFF_API = STAFF  # authenticated staff reach the operation; the access functions decide per object
# "METHOD /api/v1/path" (as the OpenAPI document spells it) -> who gets past authorisation, with an empty
# JSON body for POSTs (a 400/422 for a body that does not validate counts as getting through: nothing is
# read or written, and the object's access check may come after the body's).
OPERATIONS: dict[str, frozenset[str]] = {
    "GET /api/v1/packages": P,
    "GET /api/v1/packages/{code}": P,
    "POST /api/v1/packages/{code}/compile": P,
    "GET /api/v1/regions": P,
    "GET /api/v1/documents/verify": P,
    "GET /api/v1/exchange/contracts": P,
    "GET /api/v1/ledger/consistency": P,
    "GET /api/v1/ledger/entries/{index}/proof": P,
    "GET /api/v1/ledger/head": P,
    "GET /api/v1/ledger/public-key": P,
    "POST /api/v1/partners/callbacks/{partner_code}": NOBODY,  # signed callbacks only
    # the exchange endpoints: any member gets past the gate; the services decide per applicant and case
    "GET /api/v1/exchange/cases/{case_ref}/materials": only(ADMIN, CLERK, OFFICER, SUPERVISOR),
    "POST /api/v1/exchange/reads": STAFF_API,
    "POST /api/v1/exchange/consents": STAFF_API,
    "POST /api/v1/exchange/consents/preview": STAFF_API,
    "POST /api/v1/exchange/consents/{consent_id}/withdraw": NOBODY,  # no such consent: 404; givers in tests/exchange
    "POST /api/v1/exchange/prefill": STAFF_API,
    "POST /api/v1/exchange/person-consents": STAFF_API,  # 422 for an empty body; givers in tests/exchange
    "GET /api/v1/exchange/cases/{case_ref}/person-consents": only(ADMIN, CLERK, OFFICER, SUPERVISOR),
    # cases: A's case is read by its region's clerk, the handling department and the region's supervisor
    "GET /api/v1/cases/{case_id}": only(ADMIN, CLERK, OFFICER, SUPERVISOR),
    "GET /api/v1/cases/{case_id}/inspections": only(ADMIN, CLERK, OFFICER, SUPERVISOR),
    "GET /api/v1/cases/{case_id}/notices/{number}": NOBODY,  # no notice issued
    "GET /api/v1/inbox": STAFF_API,  # each their own
    "GET /api/v1/acceptance-queue": CLERKS,  # each clerk their own centre's
    "GET /api/v1/subcases/{subcase_id}/partner": NOBODY,  # not a partner step
    "POST /api/v1/subcases/{subcase_id}/partner/resend": NOBODY,
    "POST /api/v1/cases/{case_id}/conclusion": NOBODY,
    "POST /api/v1/cases/{case_id}/accept": only(CLERK),
    "POST /api/v1/cases/{case_id}/correct": only(CLERK),
    "POST /api/v1/cases/{case_id}/supplement": only(CLERK),
    "POST /api/v1/subcases/{subcase_id}/accept": only(OFFICER),
    "POST /api/v1/subcases/{subcase_id}/approve": only(OFFICER),
    "POST /api/v1/subcases/{subcase_id}/claim": only(OFFICER),
    # an empty body is refused (422) before the object is looked up: any member gets that far
    "POST /api/v1/cases": STAFF_API,
    "POST /api/v1/cases/{case_id}/inspections": STAFF_API,
    "POST /api/v1/cases/{case_id}/refuse": STAFF_API,
    "POST /api/v1/cases/{case_id}/withdraw": STAFF_API,
    "POST /api/v1/inspections/{inspection_id}/cancel": STAFF_API,
    "POST /api/v1/inspections/{inspection_id}/findings": STAFF_API,
    "POST /api/v1/subcases/{subcase_id}/instant-review": STAFF_API,
    "POST /api/v1/subcases/{subcase_id}/reassign": STAFF_API,
    "POST /api/v1/subcases/{subcase_id}/reject": STAFF_API,
    "POST /api/v1/subcases/{subcase_id}/special-procedure": STAFF_API,
    "POST /api/v1/subcases/{subcase_id}/special-procedure/end": STAFF_API,
    "POST /api/v1/subcases/{subcase_id}/supplement": STAFF_API,
    "POST /api/v1/subcases/{subcase_id}/window-decision": STAFF_API,
    "GET /api/v1/ledger/entries/by-id/{entry_id}": NOBODY,  # no entry of that id
    # 好差评: public aggregates; a window code is its own credential (an empty body stops at 422)
    "GET /api/v1/feedback/levels": P,
    "GET /api/v1/feedback/satisfaction": P,
    "POST /api/v1/feedback/window/{code}/evaluation": P,
    "GET /api/v1/feedback/cases/{case_id}/evaluation": NOBODY,  # A's case is not rated yet
    "POST /api/v1/feedback/cases/{case_id}/evaluation": PORTAL_APPLICANTS,  # 422 before the case check
    "POST /api/v1/feedback/cases/{case_id}/invitations": only(CLERK, OFFICER, SUPERVISOR),
    "GET /api/v1/feedback/rectifications": STAFF_API,  # each their own
    "GET /api/v1/feedback/rectifications/{rectification_id}": NOBODY,
    "POST /api/v1/feedback/rectifications/{rectification_id}/answer": STAFF_API,
    "POST /api/v1/feedback/rectifications/{rectification_id}/appeal": STAFF_API,
    "POST /api/v1/feedback/rectifications/{rectification_id}/review": STAFF_API,
    "POST /api/v1/feedback/rectifications/{rectification_id}/close": STAFF_API,
    # 办不成事 reports: the applicant's own (empty body: 422 before anything is written); staff through the
    # pages' access functions (no report or order of that id here)
    "GET /api/v1/feedback/my/reports": PORTAL_APPLICANTS,  # each their own
    "POST /api/v1/feedback/my/reports": PORTAL_APPLICANTS,
    "GET /api/v1/feedback/my/reports/{report_id}": NOBODY,
    "GET /api/v1/feedback/reports": STAFF_API,  # each their own
    "GET /api/v1/feedback/reports/{report_id}": NOBODY,
    "POST /api/v1/feedback/reports/{report_id}/dispatch": STAFF_API,
    "POST /api/v1/feedback/reports/{report_id}/link": STAFF_API,
    "POST /api/v1/feedback/reports/{report_id}/reply": STAFF_API,
    "GET /api/v1/feedback/orders": STAFF_API,  # each their own
    "POST /api/v1/feedback/orders/{order_id}/done": STAFF_API,
    "POST /api/v1/feedback/orders/{order_id}/return": STAFF_API,
    # issue 17: 服务找人 offers (each applicant their own), proposals, the dashboard (as the pages)
    "GET /api/v1/me/offers": PORTAL_APPLICANTS,
    "POST /api/v1/me/offers/preferences": PORTAL_APPLICANTS,  # 422 on an empty body; each for themselves
    "POST /api/v1/me/offers/{offer_id}/start": only(A),  # A's offer: B gets "not found"
    "POST /api/v1/me/offers/{offer_id}/dismiss": only(A),
    "GET /api/v1/proposals": P,
    "POST /api/v1/proposals": PORTAL_APPLICANTS,  # 422 on an empty body
    "GET /api/v1/proposals/{proposal_id}": NOBODY,  # no proposal of that id
    "POST /api/v1/proposals/{proposal_id}/support": NOBODY,
    "GET /api/v1/standards/proposals": only(ADMIN),
    "POST /api/v1/standards/proposals/{proposal_id}/decide": only(ADMIN),  # 422 on an empty body
    "GET /api/v1/insight/dashboard": only(SUPERVISOR),
}


@pytest.fixture
def world(db: None, tmp_path: Path, settings: Any) -> dict[str, Any]:
    settings.ONEGO_DATA_DIR = settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "data").mkdir()
    import_cases_catalog(tmp_path)
    restaurant_contract()
    staff = {
        OFFICER: make_staff("officer", "nm-scjg", Role.OFFICER),
        OTHER_DEPT: make_staff("fire", "gy-xf", Role.OFFICER),
        CLERK: make_staff("clerk", "nm-zwfw", Role.CLERK),
        OTHER_REGION: make_staff("bj-clerk", "bj-zwfw", Role.CLERK),
        SUPERVISOR: make_staff("supervisor", "nm-zwfw", Role.SUPERVISOR),
        ADMIN: get_user_model().objects.create_superuser("admin", password=None),
    }
    clients = {ANON: Client()}
    for who, user in staff.items():
        clients[who] = Client()
        clients[who].force_login(user)
    clients[A], clients[B] = Client(), Client()
    applicant_a = person("王小红")
    sign_in(clients[A], applicant_a)
    sign_in(clients[B], person("李明", phone="13908510000", licence=False))
    base = to_review(clients[A])
    clients[A].post(f"{base}review/")
    case = case_accept(actor=staff[CLERK], case_id=Case.objects.get().pk)
    draft = start(clients[A]).rstrip("/").rsplit("/", 1)[-1]
    subcase = SubCase.objects.filter(case=case, department__code="nm-scjg").order_by("code").first()
    material = Material.objects.filter(case=case).first()
    assert subcase is not None
    assert material is not None
    ledger_sequence()  # entries are recorded pending; index 0 has a proof once sealed
    values = {
        "case_id": str(case.pk),
        "case_ref": str(case.pk),
        "subcase_id": str(subcase.pk),
        "material_id": str(material.pk),
        "draft_id": draft,
        "inspection_id": str(uuid.uuid4()),
        "consent_id": str(uuid.uuid4()),
        "number": "1",
        "n": "1",
        "index": "0",
        "which": "receipt",
        "kind": "conclusion",
        "action": "approve",
        "code": "open-restaurant",
        "material": "floor_plan",
        "partner_code": "bank",
        "token": "x",
        "rect_id": str(uuid.uuid4()),  # no rectification of that id
        "rectification_id": str(uuid.uuid4()),
        "entry_id": str(uuid.uuid4()),  # no ledger entry of that id
        "report_id": str(uuid.uuid4()),  # no report of that id
        "order_id": str(uuid.uuid4()),
        "photo_id": str(uuid.uuid4()),
        "fmt": "json",
        "request_id": "FY20260101NOPE",
        "value": "x",
        "offer_id": str(offer_for(applicant_a.id_number).pk),  # A's proactive offer
        "change_id": str(uuid.uuid4()),  # no catalog change of that id
        "figure": "volume_package",
        "ext": "csv",
        "mapping_id": str(uuid.uuid4()),  # no name mapping of that id
        "proposal_id": str(uuid.uuid4()),  # no proposal of that id
        "identifier": licence_of(applicant_a.id_number),  # A's business licence in the e-licence library
    }
    return {"clients": clients, "values": values}


def offer_for(id_number: str) -> Any:
    """A proactive offer to applicant A (onego.outreach), made directly."""
    import datetime as dt

    from onego.core.pii import blind_index
    from onego.outreach.models import Offer, ReceivedEvent

    event = ReceivedEvent.objects.create(
        registry="birth_medical", sequence=1, kind="birth_registered", key="birth:sweep",
        occurred_on=dt.date(2026, 1, 1), region_code="520102", people_sealed="[]",
    )  # fmt: skip
    return Offer.objects.create(
        event=event, rule_code="newborn-parents", rule_version="x", rule_name="孩子出生",
        person_index=blind_index(id_number, kind="person"), person_sealed=id_number, role="mother",
        package_code="open-restaurant", package_name="开办餐饮店", region_code="520102", message="提醒",
    )  # fmt: skip


def licence_of(id_number: str) -> str:
    from onego.core.pii import blind_index
    from onego.registries.models import Licence

    return Licence.objects.get(holder_index=blind_index(id_number, kind="person")).identifier


def urlconf_routes() -> list[str]:
    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found: list[str] = []
        for p in patterns:
            if isinstance(p, URLResolver):
                route = prefix + str(p.pattern)
                if route == "admin/":
                    found.append(route)  # Django's admin: one entry, its own permission check
                elif route != "api/v1/":
                    found.extend(walk(p.url_patterns, route))
            elif isinstance(p, URLPattern):
                found.append(prefix + str(p.pattern))
        return found

    return walk(get_resolver().url_patterns, "")


def fill(route: str, values: dict[str, str]) -> str:
    import re

    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
    path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    return "/" + path.lstrip("/")


def refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return "/login/" in location


def sweep(world: dict[str, Any]) -> tuple[dict[str, frozenset[str]], list[str], int]:
    clients, values = world["clients"], world["values"]
    observed: dict[str, frozenset[str]] = {}
    crossings: list[str] = []
    requests = 0
    targets = [(r, fill(r, values)) for r in urlconf_routes() if r != "admin/"] + [("admin/", "/admin/")]
    client_doc = Client().get("/api/v1/openapi.json").json()
    api = [
        (f"{method.upper()} {path}", method, fill(path, values))
        for path, ops in client_doc["paths"].items()
        for method in ops
    ]
    for route, url in targets:
        got = set()
        for who in VISITORS:
            requests += 1
            if not refused(clients[who].get(url)):
                got.add(who)
        observed[route] = frozenset(got)
    for key, method, url in api:
        got = set()
        for who in VISITORS:
            requests += 1
            call = clients[who].get if method == "get" else clients[who].post
            if not refused(call(url, {}, content_type="application/json") if method != "get" else call(url)):
                got.add(who)
        observed[key] = frozenset(got)
    # writes by everyone the table does not allow
    for route, url in targets:
        for who in VISITORS:
            if who in WRITERS.get(route, ROUTES.get(route, EVERYONE)):
                continue
            requests += 1
            if not refused(clients[who].post(url, {})):
                crossings.append(f"POST {route} by {who}")
    return observed, crossings, requests


def test_every_route_and_operation_is_swept_and_only_the_allowed_visitors_get_through(
    world: dict[str, Any],
) -> None:
    observed, crossings, requests = sweep(world)
    print(
        f"authorisation sweep: {len(observed)} routes and operations x {len(VISITORS)} visitors, {requests} requests"
    )
    table = {**ROUTES, **OPERATIONS}
    assert sorted(set(observed) - set(table)) == []  # a route without an entry in the table
    assert sorted(set(table) - set(observed)) == []  # an entry for a route that no longer exists
    wrong = [
        f"{key}: allowed {sorted(table[key])}, got through {sorted(observed[key])}"
        for key in observed
        if observed[key] != table[key]
    ]
    assert wrong == []
    assert crossings == []
