"""Every starter package can be finished with the README's logins: each department its items route to in
the demo regions (贵阳市 and 南明区) has a demo officer, and each lead department a demo lead officer."""

from __future__ import annotations

from pathlib import Path

import pytest

import onego.catalog
from onego.accounts.models import DECIDING_ROLES, Membership, Role
from onego.catalog.models import Package, Region
from onego.catalog.selectors import DepartmentResolver
from onego.catalog.services import catalog_import
from onego.demo.accounts import DEMO_LOGINS, ensure_demo_logins

STARTER = Path(onego.catalog.__file__).parent / "starter"
DEMO_REGIONS = ("520102", "520100")  # 南明区, 贵阳市 (the README's demo identities live there)
README = Path(onego.catalog.__file__).parents[3] / "README.md"

pytestmark = pytest.mark.django_db


def test_every_department_a_starter_package_routes_to_has_a_demo_officer() -> None:
    catalog_import(path=STARTER)
    ensure_demo_logins()
    deciding = {
        (m.department.code, m.role)
        for m in Membership.objects.filter(active=True).select_related("department")
    }
    officers = {code for code, role in deciding if role in DECIDING_ROLES}
    leads = {code for code, role in deciding if role == Role.LEAD_OFFICER}
    missing: list[str] = []
    walked = 0
    for code in DEMO_REGIONS:
        region = Region.objects.get(code=code)
        resolver = DepartmentResolver(region)
        packages = Package.objects.filter(regions__in=[r for r in resolver.chain]).distinct()
        for package in packages.prefetch_related("package_items__item__department_type"):
            lead = resolver.resolve(package.lead_department_type.code, "village")
            if lead is not None and lead.code not in leads:
                missing.append(f"{code} {package.code}: 牵头部门 {lead.code} {lead.name} 无演示负责人")
            for pi in package.package_items.all():
                walked += 1
                dept = resolver.resolve(pi.item.department_type.code, pi.item.level)
                if dept is None:
                    continue  # the compiler reports an item no department exercises here
                if dept.code not in officers:
                    missing.append(
                        f"{code} {package.code}/{pi.item.code}: {dept.code} {dept.name} 无演示审批人员"
                    )
    assert walked > 40  # every starter package's items were walked
    assert not missing, "\n".join(sorted(set(missing)))


def test_the_readme_lists_every_demo_login() -> None:
    readme = README.read_text(encoding="utf-8")
    for login in DEMO_LOGINS:
        assert f"| {login.username} | {login.password} |" in readme, login.username
