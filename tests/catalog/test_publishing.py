"""Publishing with review (issue 13, deliver 5): a change is a draft until a second administrator
publishes it; failing checks block unless a reason is recorded; history with a diff per version; cases
in flight keep the version they started with; the command line is the recorded trusted bootstrap."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from onego.accounts.models import Role
from onego.cases.models import Case
from onego.cases.services.submission import ApplicantIn, case_submit
from onego.catalog import models as m
from onego.catalog.publishing import (
    TRUSTED_NOTE,
    change_propose,
    change_publish,
    change_reject,
    findings_for,
    package_history,
)
from onego.catalog.selectors import compile_for
from onego.core.errors import Conflict, PermissionDenied, ValidationFailed
from onego.core.validators import make_uscc
from onego.exchange.services import contracts_import
from tests.builders import catalog, item, restaurant_package, write_folder
from tests.cases.factories import make_staff
from tests.exchange.factories import restaurant_contract
from tests.exchange.people import id_number

pytestmark = pytest.mark.django_db

AUTHOR, REVIEWER = "user:author", "user:reviewer"
ANSWERS = {"has_licence": False, "floor_area": 500}
USCC = make_uscc("520102", "MA6D7X8K")


def cover_contracts(tmp_path: Path, code: str = "open-restaurant") -> None:
    """What an administrator does: draft exactly the missing contracts with one command, import them."""
    drafted = tmp_path / "contracts.yaml"
    call_command("package", "contracts", code, "-o", str(drafted), stdout=StringIO())
    contracts_import(path=drafted, actor="admin:test")


def package_text(**overrides: Any) -> str:
    return yaml.safe_dump(restaurant_package(**overrides), allow_unicode=True, sort_keys=False)


def test_a_change_is_a_draft_until_another_administrator_publishes_it(
    small_catalog: Path, tmp_path: Path
) -> None:
    cover_contracts(tmp_path)
    change = change_propose(author=AUTHOR, text=package_text(promised_days=9), name="open-restaurant.yaml")
    assert change.status == m.ChangeStatus.PENDING
    assert change.packages == ["open-restaurant"]
    assert change.base_versions == {"open-restaurant": 1}
    assert "-promised_days: 8" in change.diff
    assert "+promised_days: 9" in change.diff
    # Not published: the catalog, so the guide and every new application, still has version 1.
    assert m.Package.objects.get(code="open-restaurant").promised_days == 8
    with pytest.raises(PermissionDenied, match="不能审核自己提交的修改"):
        change_publish(change_id=change.pk, reviewer=AUTHOR)

    published = change_publish(change_id=change.pk, reviewer=REVIEWER, note="同意")
    assert (published.status, published.reviewer) == (m.ChangeStatus.PUBLISHED, REVIEWER)
    package = m.Package.objects.get(code="open-restaurant")
    assert (package.promised_days, package.version) == (9, 2)
    [v2] = package_history("open-restaurant")
    assert (v2.version, v2.author, v2.approver, v2.change_id) == (2, AUTHOR, REVIEWER, change.pk)
    assert "+promised_days: 9" in v2.diff
    assert "promised_days: 9" in v2.source
    with pytest.raises(Conflict):
        change_publish(change_id=change.pk, reviewer="user:third")  # published once only


def test_a_critical_path_over_the_promise_blocks_publishing_unless_a_reason_is_recorded(
    small_catalog: Path, tmp_path: Path
) -> None:
    cover_contracts(tmp_path)
    change = change_propose(author=AUTHOR, text=package_text(promised_days=2), name="open-restaurant.yaml")
    [finding] = [f for f in change.findings if f["code"] == "critical_path"]
    assert "长于承诺的 2 个工作日" in finding["message"]
    with pytest.raises(ValidationFailed, match="检查未通过，不能发布") as refused:
        change_publish(change_id=change.pk, reviewer=REVIEWER)
    assert refused.value.field == "reason"
    assert m.Package.objects.get(code="open-restaurant").promised_days == 8  # nothing half-written
    assert not m.PackageVersion.objects.exists()

    change_publish(change_id=change.pk, reviewer=REVIEWER, reason="法定时限调整，承诺随后更新")
    assert m.Package.objects.get(code="open-restaurant").promised_days == 2
    [v2] = package_history("open-restaurant")
    assert v2.reason == "法定时限调整，承诺随后更新"


def test_promises_without_a_contract_are_a_finding(small_catalog: Path, tmp_path: Path) -> None:
    # The small catalog has no sharing contract: its promised prefill and exemptions are uncovered.
    findings = findings_for(["open-restaurant"], [])
    assert any(f.code == "contracts" and "person.id_number" in f.message for f in findings)
    restaurant_contract()  # the package's own reads only: officers still could not see the case
    assert any(f.code == "contracts" for f in findings_for(["open-restaurant"], []))
    cover_contracts(tmp_path)
    assert not any(f.code == "contracts" for f in findings_for(["open-restaurant"], []))


def test_an_instant_rule_without_a_refer_example_is_a_finding(tmp_path: Path) -> None:
    doc = catalog()
    doc["data_elements"].append(
        {"code": "enterprise.uscc", "name": "统一社会信用代码", "type": "uscc", "registry": "enterprise"}
    )
    filing = item(
        "quick_filing",
        item_type="filing",
        handling_type="immediate",
        promised_limit_days=0,
        legal_limit_days=1,
        instant_approval=True,
        fields=["enterprise.name", "enterprise.uscc"],
        instant_rule={
            "explanation": "已登记的市场主体即时备案",
            "checks": [{"check": 'enterprise.uscc != ""', "label": "统一社会信用代码有效"}],
            "examples": [
                {"name": "已登记", "data": {"enterprise.uscc": USCC}, "expect": "approve"},
                {"name": "未核验", "data": {}, "expect": "refer"},
            ],
        },
    )
    doc["items"].append(filing)
    from onego.catalog.services import catalog_import

    catalog_import(path=write_folder(tmp_path, catalog_doc=doc))
    assert not [f for f in findings_for([], ["quick_filing"]) if f.code == "rule_examples"]
    # The import refuses a rule without examples; one edited afterwards (the admin) is caught here.
    stored = m.ServiceItem.objects.get(code="quick_filing")
    m.ServiceItem.objects.filter(pk=stored.pk).update(instant_rule={**stored.instant_rule, "examples": []})
    [finding] = [f for f in findings_for([], ["quick_filing"]) if f.code == "rule_examples"]
    assert "缺少“approve”“refer”示例" in finding.message


def test_a_change_made_against_an_older_version_is_refused(small_catalog: Path, tmp_path: Path) -> None:
    cover_contracts(tmp_path)
    first = change_propose(author=AUTHOR, text=package_text(promised_days=9), name="a.yaml")
    second = change_propose(author="user:other", text=package_text(promised_days=10), name="b.yaml")
    change_publish(change_id=first.pk, reviewer=REVIEWER)
    with pytest.raises(Conflict, match=r"open-restaurant（提交时 v1，现为 v2）"):
        change_publish(change_id=second.pk, reviewer=REVIEWER)
    assert m.Package.objects.get(code="open-restaurant").promised_days == 9


def test_a_change_can_be_sent_back_with_a_note_and_changes_nothing(small_catalog: Path) -> None:
    change = change_propose(author=AUTHOR, text=package_text(promised_days=9), name="a.yaml")
    with pytest.raises(ValidationFailed, match="请填写退回理由"):
        change_reject(change_id=change.pk, reviewer=REVIEWER, note=" ")
    change_reject(change_id=change.pk, reviewer=REVIEWER, note="承诺时限依据不足")
    change.refresh_from_db()
    assert (change.status, change.review_note) == (m.ChangeStatus.REJECTED, "承诺时限依据不足")
    assert m.Package.objects.get(code="open-restaurant").version == 1


def test_a_case_in_flight_keeps_the_version_it_started_with(small_catalog: Path, tmp_path: Path) -> None:
    cover_contracts(tmp_path)
    clerk = make_staff("clerk-publishing", "nm-scjg", Role.CLERK)
    before = compile_for(package_code="open-restaurant", region_code="520102", answers=ANSWERS)
    case = case_submit(
        actor=clerk,
        package_code="open-restaurant",
        region_code="520102",
        applicant=ApplicantIn(kind="person", identifier=id_number_for_test(), name="王小红"),
        idempotency_key="publishing-in-flight-1",
        channel="counter",
        answers=ANSWERS,
        draft=True,
    ).case
    assert case.package_version == 1
    pkg = restaurant_package(promised_days=9)
    pkg["items"] = [e for e in pkg["items"] if e["item"] != "fire_safety_inspection"]
    change = change_propose(
        author=AUTHOR, text=yaml.safe_dump(pkg, allow_unicode=True), name="open-restaurant.yaml"
    )
    change_publish(change_id=change.pk, reviewer=REVIEWER, reason="精简")
    assert m.Package.objects.get(code="open-restaurant").version == 2

    case = Case.objects.get(pk=case.pk)
    assert case.package_version == 1
    kept = case.snapshot
    assert [e["code"] for e in kept["entries"]] == [e.code for e in before.entries]
    new = compile_for(package_code="open-restaurant", region_code="520102", answers=ANSWERS)
    assert new.timing.package_promised_days == 9
    assert kept["timing"]["package_promised_days"] == 8


def id_number_for_test() -> str:
    import datetime as dt

    return id_number(dt.date(1990, 2, 3))


def test_the_command_line_publishes_as_the_recorded_actor_without_a_second_review(tmp_path: Path) -> None:
    out = StringIO()
    call_command("catalog", "import", str(write_folder(tmp_path / "c")), "--actor", "ops:zhang", stdout=out)
    assert "已导入并发布（ops:zhang，命令行引导导入，未经第二人审核）" in out.getvalue()
    [change] = m.CatalogChange.objects.all()
    assert (change.channel, change.author, change.reviewer, change.status) == (
        "cli",
        "ops:zhang",
        "",
        m.ChangeStatus.PUBLISHED,
    )
    assert change.reason == TRUSTED_NOTE
    [v1] = package_history("open-restaurant")
    assert (v1.version, v1.author, v1.approver) == (1, "ops:zhang", "")


def test_the_command_line_can_submit_a_file_for_review_instead(small_catalog: Path, tmp_path: Path) -> None:
    path = tmp_path / "open-restaurant.yaml"
    path.write_text(package_text(promised_days=9), encoding="utf-8")
    out = StringIO()
    call_command("catalog", "import", str(path), "--draft", "--actor", "ops:li", stdout=out)
    assert "已提交待审核" in out.getvalue()
    assert m.Package.objects.get(code="open-restaurant").promised_days == 8
    change = m.CatalogChange.objects.get(status=m.ChangeStatus.PENDING)
    assert change.author == "ops:li"


def test_the_admin_shows_packages_and_items_but_cannot_change_them_past_review(
    small_catalog: Path, admin_client: Any
) -> None:
    package = m.Package.objects.get(code="open-restaurant")
    assert admin_client.get(f"/admin/catalog/package/{package.pk}/change/").status_code == 200  # view
    response = admin_client.post(f"/admin/catalog/package/{package.pk}/change/", {"promised_days": 1})
    assert response.status_code == 403
    assert (
        admin_client.post(f"/admin/catalog/package/{package.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert m.Package.objects.get(code="open-restaurant").promised_days == 8


def test_a_change_to_a_data_element_alone_has_its_diff_and_waits_for_review(small_catalog: Path) -> None:
    text = yaml.safe_dump(
        {"data_elements": [{"code": "premises.area", "name": "经营场所使用面积", "type": "number"}]},
        allow_unicode=True,
    )
    change = change_propose(author=AUTHOR, text=text, name="elements.yaml")
    assert "-name: 经营场所建筑面积" in change.diff
    assert "+name: 经营场所使用面积" in change.diff
    assert m.DataElement.objects.get(code="premises.area").name == "经营场所建筑面积"
    change_publish(change_id=change.pk, reviewer=REVIEWER, reason="名称规范化")
    assert m.DataElement.objects.get(code="premises.area").name == "经营场所使用面积"


def _item_change(**overrides: Any) -> str:
    [permit] = [i for i in catalog()["items"] if i["code"] == "food_business_permit"]
    return yaml.safe_dump({"items": [{**permit, **overrides}]}, allow_unicode=True, sort_keys=False)


def test_an_item_only_change_is_a_new_version_of_the_packages_that_include_it(
    small_catalog: Path, tmp_path: Path
) -> None:
    cover_contracts(tmp_path)
    clerk = make_staff("clerk-item-version", "nm-scjg", Role.CLERK)
    case = case_submit(
        actor=clerk,
        package_code="open-restaurant",
        region_code="520102",
        applicant=ApplicantIn(kind="person", identifier=id_number_for_test(), name="王小红"),
        idempotency_key="publishing-item-version-1",
        channel="counter",
        answers=ANSWERS,
        draft=True,
    ).case
    assert case.package_version == 1
    [permit] = [e for e in case.snapshot["entries"] if e["code"] == "food_business_permit"]

    change = change_propose(author=AUTHOR, text=_item_change(promised_limit_days=2), name="permit.yaml")
    assert change.packages == ["open-restaurant"]
    assert change.items == ["food_business_permit"]
    assert m.Package.objects.get(code="open-restaurant").version == 1  # a draft changes nothing
    change_publish(change_id=change.pk, reviewer=REVIEWER, reason="压缩时限")

    package = m.Package.objects.get(code="open-restaurant")
    assert package.version == 2
    v2 = next(v for v in package_history("open-restaurant") if v.version == 2)
    assert (v2.author, v2.approver, v2.change_id) == (AUTHOR, REVIEWER, change.pk)
    assert "items/food_business_permit.yaml" in v2.diff
    assert "+promised_limit_days: 2" in v2.diff
    # the case in flight keeps the version and the item it started with
    case = Case.objects.get(pk=case.pk)
    assert case.package_version == 1
    [kept] = [e for e in case.snapshot["entries"] if e["code"] == "food_business_permit"]
    assert kept == permit
    # publishing the same item again (no change) moves nothing
    with pytest.raises(ValidationFailed):
        change_propose(author=AUTHOR, text=_item_change(promised_limit_days=2), name="permit.yaml")
    assert m.Package.objects.get(code="open-restaurant").version == 2


def test_publishing_writes_a_ledger_entry_by_the_approver_with_the_changes_digest(
    small_catalog: Path, tmp_path: Path
) -> None:
    from onego.catalog.publishing import PUBLISHED_KIND, change_digest
    from onego.ledger.models import LedgerEntry

    cover_contracts(tmp_path)
    change = change_propose(author=AUTHOR, text=package_text(promised_days=9), name="open-restaurant.yaml")
    assert not LedgerEntry.objects.filter(kind=PUBLISHED_KIND).exists()  # a draft is not published
    change_publish(change_id=change.pk, reviewer=REVIEWER, note="同意")
    change.refresh_from_db()
    [entry] = LedgerEntry.objects.filter(kind=PUBLISHED_KIND)
    assert entry.actor == REVIEWER
    assert entry.payload["change"] == str(change.pk)
    assert (entry.payload["author"], entry.payload["approver"]) == (AUTHOR, REVIEWER)
    assert entry.payload["packages"] == {"open-restaurant": 2}
    assert entry.payload["digest"] == change_digest(change)
    # the digest covers what was published: another diff would not match
    change.diff += "\n+tampered"
    assert change_digest(change) != entry.payload["digest"]
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    assert out.getvalue().startswith("ledger ok:")
    # a rejected change writes nothing
    other = change_propose(author=AUTHOR, text=package_text(promised_days=7), name="b.yaml")
    change_reject(change_id=other.pk, reviewer=REVIEWER, note="不同意")
    assert LedgerEntry.objects.filter(kind=PUBLISHED_KIND).count() == 1


def test_the_command_lines_trusted_publication_is_in_the_ledger_as_the_operator(tmp_path: Path) -> None:
    from onego.catalog.publishing import PUBLISHED_KIND
    from onego.ledger.models import LedgerEntry

    call_command(
        "catalog", "import", str(write_folder(tmp_path / "c")), "--actor", "ops:zhang", stdout=StringIO()
    )
    [entry] = LedgerEntry.objects.filter(kind=PUBLISHED_KIND)
    assert (entry.actor, entry.payload["approver"], entry.payload["channel"]) == ("ops:zhang", "", "cli")
