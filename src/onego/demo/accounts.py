"""Demo logins for `make run`. Development only: the passwords are public in the README.

Staff logins get department memberships (`onego.accounts.Membership`) in the starter catalog's 贵阳市 and
南明区 departments, so the workbench shows each of them their own part: the comprehensive window clerk,
the officers of every department the starter packages route to (province, city and district; a test
walks every starter package's items to keep it so), and a lead officer for every lead department
type of the starter packages. A membership whose department is not in the catalog (the catalog was not
imported yet) is skipped; running setup again after the import adds it. Everything is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from onego.accounts.models import Membership, Role
from onego.catalog.models import Department


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    url: str


STAFF_PASSWORD = "onego-demo-staff"  # noqa: S105 — public demo password (README)
STAFF_REGIONS = ("gy", "nm")  # department code prefixes: 贵阳市 (520100) and 南明区 (520102)
# Officers also sit in the provincial department of their type (贵州省, prefix gz): some items of the
# starter packages are exercised at province level (e.g. 电子社保卡 by 省人社厅, 信用修复 by 省发改委).
OFFICER_REGIONS = ("gz", *STAFF_REGIONS)

# Officers by department type (the code after the region prefix, e.g. nm-market-regulation).
OFFICERS: tuple[tuple[str, str, str, str], ...] = (
    # username, department type slug, display name, role text
    ("officer-market", "market-regulation", "市场监管审批员 刘敏", "市场监管 market regulation"),
    ("officer-fire", "fire-rescue", "消防审批员 杨帆", "消防救援 fire and rescue"),
    ("officer-health", "health", "卫健审批员 陈红", "卫生健康 health"),
    ("officer-police", "public-security", "公安审批员 吴刚", "公安 public security"),
    ("officer-medins", "medical-insurance", "医保审批员 黄静", "医疗保障 medical insurance"),
    ("officer-hr", "human-resources", "人社审批员 周杰", "人力资源和社会保障 human resources"),
    ("officer-tax", "taxation", "税务审批员 郑丽", "税务 tax"),
    ("officer-urban", "urban-management", "城管审批员 何亮", "综合行政执法 urban management (shop signs)"),
    ("officer-cdc", "disease-control", "疾控审批员 林悦", "疾病预防控制 disease control (vaccination)"),
    ("officer-fund", "housing-fund", "公积金审批员 蒋涛", "住房公积金 housing provident fund"),
    ("officer-civil", "civil-affairs", "民政审批员 罗萍", "民政 civil affairs (disability subsidies)"),
    (
        "officer-devreform",
        "development-reform",
        "发改审批员 宋毅",
        "发展和改革 development and reform (credit)",
    ),
    ("officer-customs", "customs", "海关审批员 梁晨", "海关 customs"),
    ("officer-water", "water-resources", "水务审批员 唐宁", "水务 water (drainage permits)"),
    ("officer-tobacco", "tobacco", "烟草专卖审批员 袁琳", "烟草专卖 tobacco retail licences"),
)
# A lead officer (牵头负责人) for each lead department type of the starter packages.
LEADS: tuple[tuple[str, str, str, str], ...] = (
    ("lead-market", "market-regulation", "市场监管负责人 赵军", "市场监管 market regulation"),
    ("lead-health", "health", "卫健负责人 孙丽", "卫生健康 health"),
    ("lead-hr", "human-resources", "人社负责人 钱伟", "人力资源和社会保障 human resources"),
    ("lead-education", "education", "教育负责人 李娜", "教育 education"),
    ("lead-court", "court", "法院负责人 王磊", "人民法院 court"),
    ("lead-devreform", "development-reform", "发改负责人 冯涛", "发展和改革 development and reform"),
    ("lead-disabled", "disabled-persons", "残联负责人 许兰", "残疾人联合会 disabled persons' federation"),
    ("lead-transport", "transport", "交通负责人 韩冰", "交通运输 transport"),
    ("lead-natres", "natural-resources", "自然资源负责人 曹阳", "自然资源 natural resources"),
    ("lead-housing", "housing", "住建负责人 邓宇", "住房和城乡建设 housing"),
)

DEMO_LOGINS = (
    DemoLogin(
        "admin",
        "onego-demo-admin",
        "服务中心管理员 service-centre administrator (catalog, packages)",
        "/admin/",
    ),
    DemoLogin(
        "clerk",
        STAFF_PASSWORD,
        "综合窗口受理员（贵阳市、南明区政务服务中心）comprehensive window clerk",
        "/workbench/counter/",
    ),
    *(
        DemoLogin(username, STAFF_PASSWORD, f"审批人员 officer: {role}", "/workbench/inbox/")
        for username, _, _, role in OFFICERS
    ),
    *(
        DemoLogin(username, STAFF_PASSWORD, f"牵头负责人 lead officer: {role}", "/workbench/lead/")
        for username, _, _, role in LEADS
    ),
    DemoLogin(
        "supervisor",
        STAFF_PASSWORD,
        "好差评监督员（贵阳市，只读）service supervisor",
        "/workbench/feedback/supervision/",
    ),
    # A grid worker (网格员) of 新华路社区: reports 办不成事 and events (demo/feedback.py gives the grid).
    DemoLogin("grid", STAFF_PASSWORD, "网格员（南明区新华路社区）grid worker", "/workbench/reports/new/"),
)

# Who is what where: username → display name and (department code, role) memberships.
DEMO_STAFF: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "clerk": (
        "综合窗口 王晓",
        tuple((f"{region}-government-service", Role.CLERK.value) for region in STAFF_REGIONS),
    ),
    **{
        username: (name, tuple((f"{region}-{slug}", Role.OFFICER.value) for region in OFFICER_REGIONS))
        for username, slug, name, _ in OFFICERS
    },
    **{
        username: (name, tuple((f"{region}-{slug}", Role.LEAD_OFFICER.value) for region in STAFF_REGIONS))
        for username, slug, name, _ in LEADS
    },
    "supervisor": ("监督员 蒋平", (("gy-government-service", Role.SUPERVISOR.value),)),
    "grid": ("网格员 王芳", ()),
}


@transaction.atomic
def ensure_demo_logins() -> list[DemoLogin]:
    User = get_user_model()
    departments = Department.objects.in_bulk(
        [code for _, seats in DEMO_STAFF.values() for code, _ in seats], field_name="code"
    )
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(username=login.username)
        if created:
            user.set_password(login.password)
            user.is_staff = user.is_superuser = login.username == "admin"
            user.first_name = DEMO_STAFF.get(login.username, ("", ()))[0]
            user.save()
        for code, role in DEMO_STAFF.get(login.username, ("", ()))[1]:
            department = departments.get(code)
            if department is not None:  # not every type has a department in both regions
                Membership.objects.get_or_create(user=user, department=department, role=role)
    return list(DEMO_LOGINS)
