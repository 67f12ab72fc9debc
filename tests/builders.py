"""Builders for catalog definitions in tests: plain dicts, written as YAML where a test needs files."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml


def item(code: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": code,
        "name": f"事项{code}",
        "item_type": "licensing",
        "department": "market_regulation",
        "legal_basis": "《中华人民共和国行政许可法》",
        "acceptance_conditions": "材料齐全",
        "legal_limit_days": 20,
        "promised_limit_days": 5,
        "handling_type": "promised",
        "fee": {"charged": False},
        "result": {"name": f"{code}结果"},
        "fields": [],
        "materials": [],
    }
    base.update(overrides)
    return base


def catalog() -> dict[str, Any]:
    """A small but complete catalog: Guizhou → Guiyang → Nanming, and the restaurant items."""
    return {
        "regions": [
            {"code": "520000", "name": "贵州省"},
            {"code": "520100", "name": "贵阳市"},
            {"code": "520102", "name": "南明区"},
            {"code": "520500", "name": "毕节市"},
            {"code": "530000", "name": "云南省"},
        ],
        "department_types": [
            {"code": "market_regulation", "name": "市场监管"},
            {"code": "fire_rescue", "name": "消防救援"},
            {"code": "public_security", "name": "公安"},
            {"code": "data_bureau", "name": "大数据管理"},
            {"code": "tobacco", "name": "烟草专卖"},
        ],
        "departments": [
            {
                "code": "gy-scjg",
                "name": "贵阳市市场监督管理局",
                "type": "market_regulation",
                "region": "520100",
            },
            {
                "code": "nm-scjg",
                "name": "南明区市场监督管理局",
                "type": "market_regulation",
                "region": "520102",
            },
            {"code": "gy-xf", "name": "贵阳市消防救援支队", "type": "fire_rescue", "region": "520100"},
            {"code": "gz-yc", "name": "贵州省烟草专卖局", "type": "tobacco", "region": "520000"},
        ],
        "registries": [
            {"code": "population", "name": "人口库", "type": "public_security"},
            {"code": "enterprise", "name": "市场主体库", "type": "market_regulation"},
            {"code": "elicence", "name": "电子证照库", "type": "data_bureau"},
        ],
        "licence_types": [
            {
                "code": "business_licence",
                "name": "营业执照",
                "issuer_type": "market_regulation",
                "holder": "enterprise",
            },
            {
                "code": "food_business_licence",
                "name": "食品经营许可证",
                "issuer_type": "market_regulation",
                "holder": "enterprise",
            },
        ],
        "data_elements": [
            {"code": "person.name", "name": "姓名", "registry": "population"},
            {
                "code": "person.id_number",
                "name": "公民身份号码",
                "type": "id_number",
                "sensitive": True,
                "registry": "population",
            },
            {"code": "person.phone", "name": "手机号码", "type": "phone", "sensitive": True},
            {"code": "enterprise.name", "name": "企业名称"},
            {"code": "premises.area", "name": "经营场所建筑面积", "type": "number"},
            {"code": "bank.account_type", "name": "账户类型", "type": "choice", "choices": ["基本存款账户"]},
        ],
        "material_types": [
            {"code": "resident_id_card", "name": "居民身份证", "registry": "population"},
            {"code": "business_licence", "name": "营业执照", "licence_type": "business_licence"},
            {"code": "food_safety_plan", "name": "食品安全管理制度"},
            {"code": "floor_plan", "name": "经营场所平面图"},
            {"code": "lease_contract", "name": "租赁合同"},
        ],
        "items": [
            item(
                "business_licence",
                name="营业执照（设立登记）",
                promised_limit_days=1,
                legal_limit_days=3,
                result={"name": "营业执照", "licence_type": "business_licence"},
                fields=["person.name", "person.id_number", "person.phone", "enterprise.name"],
                materials=["resident_id_card", {"material": "lease_contract", "original": False}],
            ),
            item(
                "food_business_permit",
                name="食品经营许可（新办）",
                result={"name": "食品经营许可证", "licence_type": "food_business_licence"},
                site_inspection=True,
                fields=["person.name", "person.id_number", "enterprise.name", "premises.area"],
                materials=["resident_id_card", "business_licence", "food_safety_plan", "floor_plan"],
            ),
            item(
                "fire_safety_inspection",
                name="公众聚集场所投入使用营业前消防安全检查",
                department="fire_rescue",
                level="city",
                promised_limit_days=7,
                legal_limit_days=10,
                fields=["enterprise.name", "premises.area"],
                materials=["business_licence", "floor_plan"],
            ),
            item(
                "tobacco_retail_licence",
                name="烟草专卖零售许可",
                department="tobacco",
                level="province",
                promised_limit_days=10,
                fields=["enterprise.name"],
                materials=["business_licence"],
            ),
        ],
    }


def restaurant_package(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "open-restaurant",
        "name": {"zh": "开办餐饮店", "en": "Open a restaurant"},
        "theme": "enterprise.opening",
        "regions": ["520000"],
        "lead_department": "market_regulation",
        "promised_days": 8,
        "keywords": ["开饭店", "餐馆"],
        "questions": [
            {"id": "has_licence", "text": "是否已取得营业执照", "type": "bool"},
            {"id": "floor_area", "text": "经营场所建筑面积（平方米）", "type": "number"},
        ],
        "items": [
            {"item": "business_licence", "when": "not has_licence"},
            {"item": "food_business_permit", "binding": "bound", "after": ["business_licence"]},
            {"item": "fire_safety_inspection", "when": "floor_area > 300", "after": ["business_licence"]},
            {
                "item": "tobacco_retail_licence",
                "binding": "optional",
                "default": False,
                "after": ["business_licence"],
            },
        ],
        "partner_steps": [
            {
                "code": "bank_account",
                "name": "银行预约开户",
                "partner": "bank",
                "after": ["business_licence"],
                "fields": ["enterprise.name", "bank.account_type"],
            },
        ],
        "scenarios": [{"name": "新开店、面积较大", "answers": {"has_licence": False, "floor_area": 500}}],
    }
    base.update(overrides)
    return base


def write_folder(
    root: Path, catalog_doc: dict[str, Any] | None = None, packages: list[dict[str, Any]] | None = None
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "catalog.yaml").write_text(
        yaml.safe_dump(
            catalog_doc if catalog_doc is not None else catalog(), allow_unicode=True, sort_keys=False
        ),
        encoding="utf-8",
    )
    (root / "packages").mkdir(exist_ok=True)
    for package in packages if packages is not None else [restaurant_package()]:
        (root / "packages" / f"{package['code']}.yaml").write_text(
            yaml.safe_dump(package, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return root


def variant(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)
