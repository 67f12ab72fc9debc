"""Issue 13, "Done means": a package written from docs/package-format.md alone runs to one conclusion.

The package (tests/catalog/data/walk-child-nutrition, 学龄儿童营养膳食补助) is new to the catalog and needs
no Python: it is imported on top of the starter catalog, declares its instant rule, gets exactly its
missing contracts drafted by one command, and a case — a parent applying for their child — runs to the
conclusion with the child's data prefilled and the child's household register exempt, verified for the
child (not the parent) on the parent's authority as guardian.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

import onego.catalog
import onego.exchange
from onego.accounts.models import Role
from onego.applications.consent import application_consent, application_prefill
from onego.cases.instant import rule_for
from onego.cases.models import Case, Conclusion, SubCase
from onego.cases.services.acceptance import case_accept
from onego.cases.services.conclusion import case_issue_conclusion
from onego.cases.services.submission import ApplicantIn, case_submit, case_submit_draft
from onego.cases.workflow import CaseStatus, SubCaseStatus
from onego.catalog.services import catalog_import
from onego.exchange.models import VerifiedMaterial
from onego.exchange.selectors import reads_for_subject
from onego.exchange.services import contracts_import
from onego.registries import models as rm
from tests.cases.factories import make_staff
from tests.exchange.people import resident, subject_of

STARTER = Path(onego.catalog.__file__).parent / "starter"
CONTRACTS = Path(onego.exchange.__file__).parent / "starter" / "contracts.yaml"
WALK = Path(__file__).parent / "data" / "walk-child-nutrition"
CODE = "child-nutrition"


@pytest.fixture(scope="module")
def starter(django_db_setup: None, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        catalog_import(path=STARTER)
        contracts_import(path=CONTRACTS, actor="admin:starter")
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter")]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def family() -> tuple[rm.Resident, rm.Resident]:
    household = rm.Household.objects.create(
        number="520102900001", region_code="520102", address="贵州省贵阳市南明区花果园大街2号"
    )
    parent = resident("张丽", born=dt.date(1988, 4, 12), household=household)
    child = resident(
        "张小雨", born=dt.date(2016, 9, 1), household=household, mother=parent, id_number="520102201609010024"
    )
    return parent, child


def test_a_package_written_from_the_docs_runs_to_one_conclusion(tmp_path: Path) -> None:
    # 1. Import: the compiler checks everything, including the subject and the rule's examples.
    out = run("catalog", "import", str(WALK), "--actor", "ops:walk")
    assert "已导入并发布" in out
    rule = rule_for("child_nutrition_subsidy")
    assert rule is not None
    assert rule.code == "child_nutrition_subsidy.v1"

    # 2. Contracts follow the package: one command drafts exactly what is missing; then nothing is.
    drafted = tmp_path / "contracts.yaml"
    report = run("package", "contracts", CODE, "-o", str(drafted))
    assert "缺少" in drafted.read_text(encoding="utf-8") or "缺少" in report
    contracts_import(path=drafted, actor="ops:walk")
    assert "所有授权均已有共享协议覆盖，无需起草" in run("package", "contracts", CODE)
    assert "注意：" not in run("package", "explain", CODE, "--region", "520102")

    # 3. A parent applies for their child at the 南明区 window; one consent, one prefill.
    parent, child = family()
    clerk = make_staff("walk-clerk", "nm-government-service", Role.CLERK)
    draft = case_submit(
        actor=clerk,
        package_code=CODE,
        region_code="520102",
        applicant=ApplicantIn(kind="person", identifier=parent.id_number, name=parent.name),
        idempotency_key="walk-child-nutrition-1",
        channel="counter",
        answers={},
        draft=True,
    ).case
    consent = application_consent(user=clerk, case_id=draft.pk, agree=True)
    [stated] = consent.scope["subjects"]
    assert (stated["code"], stated["consent_text"]) == ("child", "由申请人作为其父母（监护人）代为授权")
    outcome = application_prefill(user=clerk, case_id=draft.pk, consent_id=consent.id)
    values = {code: v["value"] for code, v in outcome.values.items()}
    assert values["child.id_number"] == child.id_number
    assert values["child.name"] == "张小雨"
    # The child's household register is exempt: verified for the child, not the parent.
    assert "household_register" not in outcome.materials_manual, outcome.materials_manual
    assert VerifiedMaterial.objects.get(case_ref=draft.pk, material="household_register").reference == (
        "户号520102900001"
    )
    theirs = reads_for_subject(subject_of(child))
    assert theirs, "the child's own log shows nothing"

    # 4. Submit the prefilled form, accept it: the declared rule approves at once.
    case = case_submit_draft(actor=clerk, case_id=draft.pk, form_data=values)
    assert case.status == CaseStatus.PRE_REVIEWED, case.status
    case_accept(actor=clerk, case_id=case.pk)
    sub = SubCase.objects.get(case=case, code="child_nutrition_subsidy")
    assert sub.status == SubCaseStatus.APPROVED
    assert sub.decided_by_label == "秒批规则 child_nutrition_subsidy.v1"

    # 5. The lead department issues the one conclusion.
    lead = make_staff("walk-lead", "nm-education", Role.LEAD_OFFICER)
    conclusion = case_issue_conclusion(actor=lead, case_id=case.pk)
    assert isinstance(conclusion, Conclusion)
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.CONCLUDED, case.status
