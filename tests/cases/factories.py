"""Builders for case tests: a catalog with every window class, a sole-approver and an instant item;
staff with memberships; a complete valid submission; running queued tasks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django_tasks_db.models import DBTaskResult

from onego.accounts.models import Membership, Role
from onego.cases.models import Case, JointInspection, SubCase
from onego.cases.services.submission import (
    ApplicantIn,
    ContactIn,
    MaterialIn,
    SubmitResult,
    case_submit,
    case_submit_draft,
)
from onego.catalog.models import DataElement, Department
from onego.catalog.services import catalog_import
from onego.core import clock, pii
from onego.core.validators import id_number_check_char, make_uscc
from onego.exchange.models import Consent, ConsentDecision, PrefillRun
from onego.exchange.provenance import value_digest
from tests.builders import catalog, item, restaurant_package, write_folder

PERSON_ID = "52010219900307" + "123"
PERSON_ID = PERSON_ID + id_number_check_char(PERSON_ID)
ENTERPRISE_USCC = make_uscc("520102", "MA6D7X8K")
REGION = "520102"  # 南明区

# The 秒批 rule of the test catalog's instant item, as a definition declares it (set by the
# `instant_rule` fixture: without it the item is eligible but declares no rule).
QUICK_FILING_RULE: dict[str, Any] = {
    "explanation": {"zh": "经营备案：市场主体已登记", "en": "Quick filing: the entity is registered"},
    "checks": [
        {"check": 'enterprise.uscc != ""', "label": "统一社会信用代码有效"},
        {"check": 'enterprise.name != ""', "label": "名称已登记"},
    ],
    "examples": [
        {
            "name": "已登记",
            "data": {"enterprise.uscc": ENTERPRISE_USCC, "enterprise.name": "南明区好味道餐饮有限公司"},
            "expect": "approve",
        },
        {
            "name": "名称为自行填写",
            "data": {"enterprise.uscc": ENTERPRISE_USCC, "enterprise.name": "南明区好味道餐饮有限公司"},
            "unverified": ["enterprise.name"],
            "expect": "refer",
        },
    ],
}
DECLARE_QUICK_FILING_RULE = False


def cases_catalog() -> dict[str, Any]:
    """The builders' catalog with the window classes and approval modes the engine distinguishes."""
    doc = catalog()
    doc["department_types"].append({"code": "government_service", "name": "政务服务"})
    doc["departments"] += [
        {"code": "nm-zwfw", "name": "南明区政务服务中心", "type": "government_service", "region": "520102"},
        {"code": "bj-zwfw", "name": "毕节市政务服务中心", "type": "government_service", "region": "520500"},
    ]
    doc["data_elements"].append(
        {"code": "enterprise.uscc", "name": "统一社会信用代码", "type": "uscc", "registry": "enterprise"}
    )
    for mt in doc["material_types"]:
        if mt["code"] == "floor_plan":
            mt["file_types"] = ["pdf", "jpg"]
    by_code = {i["code"]: i for i in doc["items"]}
    by_code["business_licence"].update(window_class=1, sole_approver=True)
    by_code["food_business_permit"].update(window_class=2)
    by_code["fire_safety_inspection"].update(window_class=3)
    doc["items"].append(
        item(
            "quick_filing",
            name="经营备案（秒批）",
            item_type="filing",
            handling_type="immediate",
            promised_limit_days=0,
            legal_limit_days=1,
            instant_approval=True,
            fields=["enterprise.name", "enterprise.uscc"],
        )
    )
    if DECLARE_QUICK_FILING_RULE:
        doc["items"][-1]["instant_rule"] = QUICK_FILING_RULE
        for el in doc["data_elements"]:
            if el["code"] == "enterprise.name":
                el["registry"] = "enterprise"  # a rule reads only what a registry fills
    return doc


def cases_package(**overrides: Any) -> dict[str, Any]:
    package = restaurant_package(**overrides)
    if "items" not in overrides:
        package["items"] = [*package["items"], {"item": "quick_filing", "binding": "bound"}]
    return package


def import_cases_catalog(tmp_path: Path, packages: list[dict[str, Any]] | None = None) -> None:
    folder = write_folder(tmp_path / "cases-catalog", cases_catalog(), packages or [cases_package()])
    catalog_import(path=folder)


def make_staff(username: str, department: str, role: Role | str, *, email: str = "") -> Any:
    # No password: hashing one costs most of a second; tests sign in with force_login.
    user = get_user_model().objects.create_user(
        username=username, password=None, email=email or f"{username}@example.gov.cn", first_name=username
    )
    Membership.objects.create(user=user, department=Department.objects.get(code=department), role=role)
    return user


def online_applicant(username: str = "online-applicant") -> Any:
    """An applicant's own account, filing for themselves online (staff file only at the counter)."""
    return get_user_model().objects.get_or_create(username=username)[0]


def full_form() -> dict[str, Any]:
    return {
        "person.name": "张三",
        "person.id_number": PERSON_ID,
        "person.phone": "13812345678",
        "enterprise.name": "南明区好味道餐饮有限公司",
        "enterprise.uscc": ENTERPRISE_USCC,
        "premises.area": 500,
        "bank.account_type": "基本存款账户",
    }


def uploads() -> list[MaterialIn]:
    """Every material the test package asks for, uploaded — the ID card too: it is exempt only once the
    exchange verified it for the case (`prefilled(..., verified=...)`), which most tests do not set up."""
    return [
        MaterialIn(
            code="resident_id_card", file=ContentFile(b"%PDF-1.4 id", name="id.pdf"), filename="id.pdf"
        ),
        MaterialIn(
            code="food_safety_plan", file=ContentFile(b"%PDF-1.4 plan", name="plan.pdf"), filename="plan.pdf"
        ),
        MaterialIn(
            code="floor_plan", file=ContentFile(b"%PDF-1.4 floor", name="floor.pdf"), filename="floor.pdf"
        ),
        MaterialIn(
            code="lease_contract", file=ContentFile(b"%PDF-1.4 lease", name="lease.pdf"), filename="lease.pdf"
        ),
    ]


def prefilled(case: Case, values: dict[str, Any]) -> PrefillRun:
    """What the exchange records when it prefills `case` — a consent of the case's applicant and one
    finished run keeping each value's digest — so rules that read the server's provenance can be tested
    without registries (the real consent → prefill path is tested in tests/exchange and tests/api)."""
    consent = Consent.objects.create(
        case_ref=case.pk,
        subject_index=case.applicant_index,
        subject_kind=case.applicant_kind,
        purpose="测试",
        package_code=case.package_code,
        region_code=case.region.code,
        decision=ConsentDecision.GRANTED,
        actor="test",
        granted_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    types = dict(DataElement.objects.values_list("code", "type"))
    return PrefillRun.objects.create(
        case_ref=case.pk,
        consent=consent,
        actor="test",
        started_at=clock.now(),
        finished_at=clock.now(),
        values={
            code: {
                "value": pii.encrypt(json.dumps(value, ensure_ascii=False)),
                "digest": value_digest(code, types.get(code, "string"), value),
                "source_registry": "enterprise",
                "source_name": "市场主体登记库",
                "contract": "test-contract",
            }
            for code, value in values.items()
        },
    )


def submit(actor: Any, *, key: str = "submit-key-0001", **overrides: Any) -> SubmitResult:
    """A complete submission. `verified=[element, …]`: those values come from a prefill of the case (it
    is made as a draft, prefilled, then submitted), so the server marks them verified."""
    verified = list(overrides.pop("verified", None) or [])
    if verified:
        rest = {k: v for k, v in overrides.items() if k not in ("form_data", "materials", "draft")}
        draft = submit(actor, key=key, draft=True, form_data={}, materials=[], **rest)
        form = dict(overrides.get("form_data", full_form()))
        prefilled(draft.case, {el: form[el] for el in verified})
        case = case_submit_draft(
            actor=actor,
            case_id=draft.case.pk,
            form_data=form,
            materials=overrides.get("materials", uploads()),
        )
        return SubmitResult(case, created=True)
    args: dict[str, Any] = {
        "actor": actor,
        "package_code": "open-restaurant",
        "region_code": REGION,
        "applicant": ApplicantIn(kind="person", identifier=PERSON_ID, name="张三"),
        "idempotency_key": key,
        "channel": "counter",
        "answers": {"has_licence": False, "floor_area": 500},
        "form_data": full_form(),
        "materials": uploads(),
        "contact": ContactIn(phone="13812345678", email="zhangsan@example.com"),
    }
    args.update(overrides)
    return case_submit(**args)


def subcase(case: Case, code: str) -> SubCase:
    return SubCase.objects.get(case=case, code=code)


def run_tasks(*, limit: int = 200) -> list[str]:
    """Run the tasks that are due now (time-machine moves "now"), oldest first, as the worker does."""
    results: list[str] = []
    for _ in range(limit):
        row = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if row is None:
            break
        row.claim("test-worker")
        value = row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.set_successful(value)
        results.append(str(value))
    return results


def hold_inspection(case: Case, officers: dict[str, Any], *, conclusion: str = "pass") -> JointInspection:
    """Schedule the case's joint site inspection (in a minute) and record every department's part.

    `officers`: department code → an officer of it, who schedules (the first) and records findings.
    """
    from onego.cases.services.inspection import FindingIn, inspection_record_findings, inspection_schedule

    organiser = next(iter(officers.values()))
    inspection = inspection_schedule(
        actor=organiser, case_id=case.pk, when=clock.now() + dt.timedelta(minutes=1), place="南明区花果园"
    )
    for code, officer in officers.items():
        inspection_record_findings(
            actor=officer,
            inspection_id=inspection.pk,
            findings=[FindingIn(department=code, findings=f"{code} 现场符合要求", conclusion=conclusion)],
        )
    inspection.refresh_from_db()
    return inspection
