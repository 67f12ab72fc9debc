"""The vocabulary of the gateway: subjects, errors, records. Re-exported by `onego.registries.gateway`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from onego.core.errors import OneGoError
from onego.core.pii import blind_index, mask_id_number, mask_uscc

SubjectKind = Literal["person", "enterprise"]

REGISTRY_CODES: tuple[str, ...] = (
    "population",
    "birth_medical",
    "marriage",
    "social_insurance",
    "medical_insurance",
    "housing_fund",
    "real_estate",
    "enterprise",
    "elicence",
    # the further registries of the starter catalog (src/onego/catalog/starter/registries.yaml)
    "credit",
    "disability",
    "tax",
    "social_assistance",
    "immunization",
    "vehicle",
    "road_transport",
    "housing_transaction",
    "student_status",
)

# Short names for messages ("户籍库暂时无法访问"); the catalog's Registry.name is the long form.
REGISTRY_NAMES: dict[str, str] = {
    "population": "户籍库",
    "birth_medical": "出生医学证明库",
    "marriage": "婚姻登记库",
    "social_insurance": "社会保险库",
    "medical_insurance": "医疗保障库",
    "housing_fund": "住房公积金库",
    "real_estate": "不动产登记库",
    "enterprise": "市场主体库",
    "elicence": "电子证照库",
    "credit": "公共信用信息库",
    "disability": "残疾人信息库",
    "tax": "税务登记库",
    "social_assistance": "社会救助库",
    "immunization": "免疫规划信息库",
    "vehicle": "机动车及驾驶人信息库",
    "road_transport": "道路运输管理库",
    "housing_transaction": "房屋交易网签备案库",
    "student_status": "学籍库",
}


def registry_name(code: str) -> str:
    return REGISTRY_NAMES.get(code, code)


@dataclass(frozen=True)
class Subject:
    """Whom a question is about: a person by ID number or an enterprise by its unified social credit code.

    `key` is the raw number and is never stored or logged; `index` (blind index) is what look-ups and
    logs use. The repr shows the masked key only.
    """

    kind: SubjectKind
    key: str = field(repr=False)

    @property
    def index(self) -> str:
        return blind_index(self.key, kind=self.kind)

    @property
    def masked(self) -> str:
        return mask_id_number(self.key) if self.kind == "person" else mask_uscc(self.key)

    @property
    def code_type(self) -> str:
        """GB/T 36903 holder code type: 111 居民身份证, 001 统一社会信用代码."""
        return "111" if self.kind == "person" else "001"

    def __repr__(self) -> str:
        return f"Subject(kind={self.kind!r}, key={self.masked!r})"

    @property
    def number_word(self) -> str:
        return "身份证号码" if self.kind == "person" else "统一社会信用代码"


class RegistryError(OneGoError):
    code = "registry_error"

    def __init__(self, message: str, *, registry: str = "", field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.registry = registry


class RegistryUnavailable(RegistryError):
    """The registry does not answer (switched off, or not connected)."""

    code = "registry_unavailable"

    def __init__(self, registry: str, message: str | None = None) -> None:
        super().__init__(message or f"{registry_name(registry)}暂时无法访问", registry=registry)


class SubjectNotFound(RegistryError):
    """The registry holds nothing about this subject."""

    code = "subject_not_found"

    def __init__(self, registry: str, subject: Subject | None = None, message: str | None = None) -> None:
        if message is None:
            what = "人员" if subject is None or subject.kind == "person" else "市场主体"
            word = subject.number_word if subject else "证件号码"
            message = f"{registry_name(registry)}中没有该{word}对应的{what}"
        super().__init__(message, registry=registry)


@dataclass(frozen=True)
class LicenceRecord:
    identifier: str
    licence_type: str
    name: str
    holder_name: str
    holder_code_type: str
    issuer_name: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    data: dict[str, Any]
    # added beyond the agreed interface (defaults keep it compatible)
    type_code: str = ""
    issuer_code: str = ""
    number: str = ""


@dataclass(frozen=True)
class VerifiedReference:
    registry: str
    material: str
    reference: str
    description: str
    verified_at: dt.datetime


@dataclass(frozen=True)
class Assigned:
    """A number a registry assigned (赋码) when the item that creates it was approved.

    `value` is the raw number (a new 统一社会信用代码 or 公民身份号码): hand it on only where it is stored
    sealed or shown masked. `reference` names the registry's assignment record (for `Case.verified`);
    `created` is False when the same request key was answered before (a retry gets the same number).
    """

    registry: str
    element: str
    kind: SubjectKind
    value: str = field(repr=False)
    reference: str = ""
    created: bool = True

    @property
    def subject(self) -> Subject:
        return Subject(self.kind, self.value)

    @property
    def masked(self) -> str:
        return self.subject.masked

    def __repr__(self) -> str:
        return f"Assigned(registry={self.registry!r}, element={self.element!r}, value={self.masked!r})"
