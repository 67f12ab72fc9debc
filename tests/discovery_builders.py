"""A catalog for search, questions, the designer and the browser tests: the builders' small catalog plus the
newborn-birth package (offered in Guizhou) and a retirement package offered only in Yunnan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.builders import catalog, item, restaurant_package, write_folder


def discovery_catalog() -> dict[str, Any]:
    doc = catalog()
    doc["department_types"] += [
        {"code": "health", "name": "卫生健康"},
        {"code": "medical_insurance", "name": "医疗保障"},
        {"code": "human_resources", "name": "人力资源社会保障"},
    ]
    doc["departments"] += [
        {"code": "gy-wj", "name": "贵阳市卫生健康局", "type": "health", "region": "520100"},
        {"code": "nm-ga", "name": "南明区公安分局", "type": "public_security", "region": "520102"},
        {"code": "gy-yb", "name": "贵阳市医疗保障局", "type": "medical_insurance", "region": "520100"},
        {
            "code": "yn-rs",
            "name": "云南省人力资源和社会保障厅",
            "type": "human_resources",
            "region": "530000",
        },
    ]
    doc["material_types"] += [
        {"code": "birth_medical_certificate", "name": "出生医学证明"},
        {"code": "household_register", "name": "居民户口簿", "registry": "population"},
    ]
    doc["items"] += [
        item(
            "birth_certificate",
            name="出生医学证明签发",
            department="health",
            item_type="confirmation",
            promised_limit_days=1,
            legal_limit_days=5,
            result={"name": "出生医学证明"},
            fields=["person.name", "person.id_number"],
            materials=["resident_id_card"],
        ),
        item(
            "birth_registration",
            name="出生登记（户口登记）",
            department="public_security",
            item_type="confirmation",
            promised_limit_days=1,
            legal_limit_days=10,
            result={"name": "居民户口簿"},
            fields=["person.name", "person.id_number", "person.phone"],
            materials=["resident_id_card", "birth_medical_certificate", "household_register"],
        ),
        item(
            "newborn_medical_insurance",
            name="城乡居民基本医疗保险参保登记",
            department="medical_insurance",
            item_type="public_service",
            promised_limit_days=2,
            legal_limit_days=5,
            result={"name": "参保登记"},
            fields=["person.name", "person.id_number"],
            materials=["household_register"],
        ),
        item(
            "retirement_approval",
            name="职工正常退休（职）申请",
            department="human_resources",
            promised_limit_days=5,
            legal_limit_days=20,
            result={"name": "退休审批表"},
            fields=["person.name", "person.id_number"],
            materials=["resident_id_card"],
        ),
    ]
    return doc


def newborn_package(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "newborn-birth",
        "name": {"zh": "新生儿出生", "en": "Newborn birth"},
        "summary": {
            "zh": "一次申请，办齐出生医学证明、户口登记和医保参保。",
            "en": "One application for the birth certificate, household registration and health insurance.",
        },
        "theme": "person.birth",
        "regions": ["520000"],
        "lead_department": "health",
        "promised_days": 4,
        "keywords": ["生孩子", "上户口", "宝宝出生", "出生证"],
        "questions": [
            {
                "id": "insure",
                "text": {"zh": "是否为新生儿办理医保参保", "en": "Enrol the newborn in health insurance?"},
                "type": "bool",
                "default": True,
            },
        ],
        "items": [
            {"item": "birth_certificate", "binding": "bound"},
            {"item": "birth_registration", "binding": "bound", "after": ["birth_certificate"]},
            {"item": "newborn_medical_insurance", "when": "insure", "after": ["birth_registration"]},
        ],
        "scenarios": [{"name": "在本地医院出生、办理医保", "answers": {"insure": True}}],
    }
    base.update(overrides)
    return base


def retirement_package() -> dict[str, Any]:
    return {
        "code": "retirement",
        "name": {"zh": "退休", "en": "Retirement"},
        "theme": "person.retirement",
        "regions": ["530000"],
        "lead_department": "human_resources",
        "keywords": ["退休金", "养老金"],
        "items": [{"item": "retirement_approval", "binding": "bound"}],
    }


def write_discovery_folder(root: Path) -> Path:
    return write_folder(
        root,
        discovery_catalog(),
        [restaurant_package(), newborn_package(), retirement_package()],
    )
