"""Demo 好差评 for `onego demo setup`: three 社会保障卡 cases of demo identities at 南明区, accepted at
the window and withdrawn (so they may be rated), rated through the same service as every channel —
one 非常满意, one 不满意 whose rectification is still open at 南明区人社局, one 非常不满意 answered by
the department, called back and re-rated 满意 — so the supervisor's page shows a whole chain.

Skipped, saying why, when the starter catalog or the demo logins are missing; done once (the cases'
idempotency keys mark it).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from onego.cases.models import Case
from onego.cases.services.acceptance import case_accept
from onego.cases.services.submission import ApplicantIn, ContactIn, case_submit, case_withdraw
from onego.catalog.models import Package
from onego.feedback.models import Rectification
from onego.feedback.rules import Channel
from onego.feedback.services import DepartmentRatingIn, RatingIn, evaluation_submit, rectification_answer

PACKAGE = "social-security-card"
KEY = "demo-feedback-{n}"
# (name, ID number, phone) of demo identities (registries/demo_identities.py), level, comment, channel
RATINGS: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("李强", "520102199208089018", "13908510002", 5, "窗口一次就办好了，很方便", Channel.COUNTER),
    ("陈静", "520102199007219242", "13908510005", 2, "线上指南没写清楚要带照片，跑了两趟", Channel.WEB),
    ("黄勇", "520102198601159612", "13908510010", 1, "等了一个多小时没人处理", Channel.WEB),
)


def submit_demo_case(clerk: Any, n: int, name: str, key: str, phone: str) -> Case:
    result = case_submit(
        actor=clerk,
        package_code=PACKAGE,
        region_code="520102",
        applicant=ApplicantIn(kind="person", identifier=key, name=name),
        idempotency_key=KEY.format(n=n),
        channel="counter",
        answers={"situation": "首次申领", "want_ecard": True},
        drop=["bank_activation"],
        form_data={
            "person.name": name,
            "person.id_number": key,
            "person.gender": "男" if int(key[16]) % 2 else "女",
            "person.ethnicity": "汉族",
            "person.phone": phone,
            "social_security_card.delivery": "网点领取",
            "bank.name": "中国建设银行",
            "address.detail": "贵阳市南明区花果园大街1号",
            "address.recipient": name,
        },
        contact=ContactIn(phone=phone),
    )
    case = case_accept(actor=clerk, case_id=result.case.pk)
    return case_withdraw(actor=clerk, case_id=case.pk, reason="演示：申请人改为下次再办")


def seed_feedback_demo() -> str:
    """Create the demo ratings once; returns a line for the setup output."""
    if Case.objects.filter(idempotency_key=KEY.format(n=1)).exists():
        return "演示评价已存在。"
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["clerk", "officer-hr"])}
    if not Package.objects.filter(code=PACKAGE).exists() or len(users) < 2:
        return "未生成演示评价：请先导入入门目录（onego catalog import …），再运行 onego demo setup。"
    for n, (name, key, phone, level, comment, channel) in enumerate(RATINGS, start=1):
        case = submit_demo_case(users["clerk"], n, name, key, phone)
        evaluation_submit(
            case_id=case.pk,
            rater_index=case.applicant_index,
            channel=Channel(channel),
            rating=RatingIn(
                level=level,
                comment=comment,
                tags=["efficiency"]
                if level < 3
                else ["attitude" if channel == Channel.COUNTER else "convenience"],
                departments=[DepartmentRatingIn("nm-human-resources", level)],
            ),
        )
        if n == 3:
            rect = Rectification.objects.get(case=case)
            rectification_answer(
                actor=users["officer-hr"],
                rectification_id=rect.pk,
                finding="rectified",
                verification="调阅叫号记录，当日10时至11时窗口只开一个，属实",
                changes="高峰时段增开社保卡窗口，设立导办员",
                reply="已增开窗口并安排导办员，感谢您的监督",
            )
            evaluation_submit(
                case_id=case.pk,
                rater_index=case.applicant_index,
                channel=Channel.WEB,
                rating=RatingIn(
                    level=4,
                    comment="回访及时，问题已解决",
                    departments=[DepartmentRatingIn("nm-human-resources", 4)],
                ),
            )
    return "已生成演示评价 3 条（1 条差评整改中，1 条整改后再评价满意）；监督员 supervisor 可在 /workbench/feedback/supervision/ 查看。"


# --- 办不成事 reports -------------------------------------------------------------------------------------

GRID_USERNAME = "grid"
GRID_VILLAGE = "520102016002"  # 新华路社区, 南明区新华路街道
HUAGUOYUAN = "520102031006"  # 花果园大街社区居民委员会


def seed_reports_demo() -> str:
    """Three reports once, so the coordinator's and supervisor's pages are not empty: a grid worker's
    event split into two department orders (one done, one open), an applicant's 办不成事 answered
    and closed, and a partner's Open311 report waiting to be dispatched."""
    from onego.cases.identity import blind_index
    from onego.catalog.models import Region
    from onego.feedback.models import GridWorker, Report
    from onego.feedback.report_services import (
        OrderIn,
        open311_key_create,
        report_dispatch,
        report_reply,
        report_submit,
        reporter_for_applicant,
        reporter_for_partner,
        reporter_for_staff,
        work_order_complete,
    )

    if Report.objects.exists():
        return "演示反映已存在。"
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["clerk", GRID_USERNAME, "officer-market", "officer-fire"]
        )
    }
    village = Region.objects.filter(code=GRID_VILLAGE).first()
    if village is None or len(users) < 4:
        return "未生成演示反映：请先导入入门目录，再运行 onego demo setup。"
    grid = users[GRID_USERNAME]
    GridWorker.objects.get_or_create(user=grid, region=village)
    event = report_submit(
        reporter=reporter_for_staff(grid),
        kind="event",
        description="新华路一家餐馆后厨油烟直排进居民楼，店后消防通道堆满杂物，居民多次反映。",
        region_code=GRID_VILLAGE,
        latitude="26.5733",
        longitude="106.7137",
        address="南明区新华路 88 号",
    )
    market, fire = report_dispatch(
        actor=users["clerk"],
        report_id=event.pk,
        orders=[
            OrderIn("nm-market-regulation", "核查餐馆油烟净化设施和食品经营许可"),
            OrderIn("nm-fire-rescue", "检查并督促清理消防通道"),
        ],
    )
    work_order_complete(
        actor=users["officer-market"], order_id=market.pk, result="已责令加装油烟净化器，7 日内复查"
    )
    li_qiang = reporter_for_applicant(blind_index("person", RATINGS[0][1]))
    blocked = report_submit(
        reporter=li_qiang,
        kind="blocked",
        description="想给孩子办出生“一件事”，窗口说父母户籍不在本区不能办，让我回老家办。",
        region_code=HUAGUOYUAN,
        address="花果园大街",
    )
    report_reply(
        actor=users["clerk"],
        report_id=blocked.pk,
        reply="经核实，出生“一件事”可在居住地办理，已安排窗口预约，请携带出生医学证明前来，一次办结。",
    )
    partner, _ = open311_key_create(name="12345 政务服务便民热线（演示）")
    report_submit(
        reporter=reporter_for_partner(partner),
        kind="blocked",
        description="市民来电：办理营业执照变更时，网上系统提示地址不规范，无法提交。",
        region_code="520102",
        address="南明区",
    )
    return (
        "已生成演示反映 3 条（网格员事件分拨两个部门，申请人办不成事已答复，12345 转来待分拨）；"
        "网格员 grid 可在 /workbench/reports/new/ 登记，窗口 clerk 在 /workbench/reports/ 分拨。"
    )
