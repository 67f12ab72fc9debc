"""Builders for documents: a realistic 我要开餐馆 conclusion and a three-permit integrated licence."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from onego.cases.documents import ConclusionDocument, IntegratedLicence, Opinion, PermitLine
from onego.core.validators import licence_identifier

BEIJING = dt.timezone(dt.timedelta(hours=8))
ISSUED = dt.datetime(2026, 3, 5, 14, 30, tzinfo=BEIJING)
ISSUER_CODE = "11520102MB1728403C"  # an issuing department's USCC, as GB/T 36904 names the issuer


def an_opinion(**overrides: Any) -> Opinion:
    fields: dict[str, Any] = {
        "department": "贵阳市南明区市场监督管理局",
        "item": "食品经营许可",
        "decision": "准予",
        "opinion": "经现场核查，经营场所、设施设备符合食品安全要求，准予许可。",
        "decided_at": ISSUED - dt.timedelta(hours=5),
    }
    fields.update(overrides)
    return Opinion(**fields)


def a_conclusion(**overrides: Any) -> ConclusionDocument:
    fields: dict[str, Any] = {
        "number": "南明一件事结〔2026〕0001号",
        "case_reference": "YJS-520102-20260301-0007",
        "package_name": "我要开餐馆",
        "applicant_name_masked": "张*",
        "outcome": "approved",
        "outcome_text": "经联合审查，申请人提交的材料齐全、符合法定形式，各部门均准予许可，现予办结。",
        "lead_department": "贵阳市南明区政务服务中心",
        "issued_at": ISSUED,
        "opinions": (
            an_opinion(
                item="营业执照（个体工商户登记）",
                opinion="材料齐全，符合登记条件，准予登记。",
                decided_at=ISSUED - dt.timedelta(days=1),
            ),
            an_opinion(),
            an_opinion(
                department="贵阳市南明区消防救援大队",
                item="公众聚集场所投入使用、营业前消防安全检查",
                opinion="告知承诺，准予。",
                decided_at=ISSUED - dt.timedelta(hours=3),
            ),
            an_opinion(
                department="贵阳市南明区生态环境局",
                item="环境影响登记表备案",
                decision="准予",
                opinion="已备案。",
                decided_at=ISSUED - dt.timedelta(hours=2),
            ),
        ),
        "results": (
            "营业执照 " + licence_identifier("520000000000000000101", ISSUER_CODE, "000123"),
            "食品经营许可证 JY25201020012345",
        ),
        "delivery": "电子送达：已推送至申请人“我的证照”；纸质文书邮寄送达（EMS）。",
    }
    fields.update(overrides)
    return ConclusionDocument(**fields)


def a_permit(serial: str, **overrides: Any) -> PermitLine:
    fields: dict[str, Any] = {
        "name": "食品经营许可证",
        "identifier": licence_identifier("520000000000000000102", ISSUER_CODE, serial),
        "issuer": "贵阳市南明区市场监督管理局",
        "valid_until": dt.date(2031, 3, 4),
    }
    fields.update(overrides)
    return PermitLine(**fields)


def an_integrated_licence(**overrides: Any) -> IntegratedLicence:
    fields: dict[str, Any] = {
        "number": "黔综许〔2026〕520102000123号",
        "holder_name": "南明区老王家常菜馆（个体工商户）",
        "holder_code_masked": "9252**********3Q01",
        "business_address": "贵州省贵阳市南明区花果园街道花果园大街18号1层3号",
        "permits": (
            a_permit(
                "000123",
                name="营业执照",
                identifier=licence_identifier("520000000000000000101", ISSUER_CODE, "000123"),
                valid_until=None,
            ),
            a_permit("000456"),
            a_permit(
                "000789",
                name="公众聚集场所投入使用、营业前消防安全检查合格证",
                identifier=licence_identifier("520000000000000000103", ISSUER_CODE, "000789"),
                issuer="贵阳市南明区消防救援大队",
                valid_until=None,
            ),
        ),
        "issued_at": ISSUED,
        "issuer": "贵阳市南明区市场监督管理局",
    }
    fields.update(overrides)
    return IntegratedLicence(**fields)


def changed(doc: Any, **changes: Any) -> Any:
    return dataclasses.replace(doc, **changes)
