"""The catalog's texts in English: names as data, one dictionary per catalog revision.

Every catalog table that people read has a `name` and a `name_en` (questions `text`/`text_en`); texts
without such a field (a question's choices, a data element's options, a material's note, an item's
result name, a package item's note) have their English in the `translations:` section of a catalog folder
(`Translation`). Compiled packages and case snapshots keep the Chinese names they were built with, so the
pages translate them by looking the Chinese up here; the few sentences the compiler writes around names
(why a material needs no submission) are patterns whose names are looked up in turn.

Nothing is guessed: a text with no English stays Chinese, visibly, and `missing_english()` (`onego
catalog translations`) lists every such text of the catalog so that it can be filled in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language, gettext

from onego.catalog import models as m
from onego.catalog.cache import generation
from onego.catalog.rules.expressions import Expr, QuestionSpec, Wording, describe

# (model, Chinese field, English field): every catalog text that has its own English field.
NAMED: tuple[tuple[type[Any], str, str], ...] = (
    (m.Region, "name", "name_en"),
    (m.DepartmentType, "name", "name_en"),
    (m.Department, "name", "name_en"),
    (m.Partner, "name", "name_en"),
    (m.Registry, "name", "name_en"),
    (m.DataElement, "name", "name_en"),
    (m.LicenceType, "name", "name_en"),
    (m.MaterialType, "name", "name_en"),
    (m.ServiceItem, "name", "name_en"),
    (m.PackageTheme, "name", "name_en"),
    (m.DataGroup, "name", "name_en"),
    (m.Package, "name", "name_en"),
    (m.Package, "summary", "summary_en"),
    (m.PackageQuestion, "text", "text_en"),
    (m.PartnerStep, "name", "name_en"),
)

# The compiler's built-in form-group titles (rules/package.py GROUP_TITLES) and service-point kinds: code,
# not data, so their English is here; a catalog's `data_groups:` and `translations:` override them.
BUILT_IN: dict[str, str] = {
    "申请人信息": "Applicant",
    "配偶信息": "Spouse",
    "母亲信息": "Mother",
    "父亲信息": "Father",
    "监护人信息": "Guardian",
    "新生儿信息": "Newborn",
    "子女信息": "Child",
    "企业信息": "Enterprise",
    "法定代表人信息": "Legal representative",
    "经办人信息": "Agent",
    "经营场所": "Business premises",
    "地址信息": "Address",
    "房屋信息": "Property",
    "买方信息": "Buyer",
    "卖方信息": "Seller",
    "联系方式": "Contact details",
    "银行开户信息": "Bank account",
    "水电气网信息": "Utilities",
    "车辆信息": "Vehicle",
    "食品经营信息": "Food business",
    "运输经营信息": "Transport business",
    "信用信息": "Credit",
    "残疾信息": "Disability",
    "入学信息": "School admission",
    "退休信息": "Retirement",
    "社会保障信息": "Social security",
    "送达信息": "Delivery",
    "破产信息": "Bankruptcy",
    "上市信息": "Listing",
    "户外招牌信息": "Outdoor sign",
    "排水信息": "Drainage",
    "驾驶员信息": "Driver",
    "变更事项": "Changes",
    "注销信息": "Deregistration",
    "抵押信息": "Mortgage",
    "贷款信息": "Loan",
    "项目信息": "Project",
    "道路挖掘信息": "Road excavation",
    "绿地占用信息": "Green space use",
    "印章信息": "Seals",
    "发票信息": "Invoices",
    "婚姻信息": "Marriage",
    "生育信息": "Maternity",
    "社会保障卡信息": "Social security card",
    "社会保险信息": "Social insurance",
    "医疗保险信息": "Medical insurance",
    "住房公积金信息": "Housing provident fund",
    "职工信息": "Employee",
    "政务服务大厅": "government service hall",
    "社区便民服务中心": "community service centre",
    "自助服务终端": "self-service terminal",
}

_CJK = re.compile(r"[\u3400-\u9fff]")


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def _read_dictionary() -> dict[str, str]:
    english: dict[str, str] = dict(BUILT_IN)
    for model, zh, en in NAMED:
        for source, target in model.objects.exclude(**{en: ""}).values_list(zh, en):
            if source and target:
                english[source.strip()] = target.strip()
    # An instant-approval rule's check labels (`label` / `label_en` in the item's `instant_rule`).
    for rule in m.ServiceItem.objects.exclude(instant_rule=None).values_list("instant_rule", flat=True):
        said, en = (
            str((rule or {}).get("explanation") or "").strip(),
            str((rule or {}).get("explanation_en") or ""),
        )
        if said and en:
            english.setdefault(said, en.strip())
        for check in (rule or {}).get("checks") or []:
            if (label := str(check.get("label") or "").strip()) and (en := str(check.get("label_en") or "")):
                english.setdefault(label, en.strip())
    # Declared translations come last and win: they are the catalog's own word on a text.
    english.update(
        {source.strip(): target.strip() for source, target in m.Translation.objects.values_list("code", "en")}
    )
    return english


def dictionary() -> dict[str, str]:
    """Chinese → English for every catalog text that has English (memoised for the catalog revision)."""
    return generation().get("english", "all", _read_dictionary)


@dataclass(frozen=True)
class Pattern:
    """A sentence the compiler or a page writes around catalog names; `{0}`… are looked up in turn."""

    regex: re.Pattern[str]
    english: str


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        re.compile(r"^调用电子证照“(.+)”核验，免提交$"),
        "Checked against the e-licence “{0}”: no need to submit",
    ),
    Pattern(re.compile(r"^通过(.+)共享核验，免提交$"), "Checked through {0}: no need to submit"),
    Pattern(
        re.compile(r"^由本套餐“(.+)”办结后通过电子证照共享$"),
        "Shared as an e-licence once “{0}” in this package is done",
    ),
    Pattern(re.compile(r"^可选事项，您未选择$"), "Optional; you did not choose it"),
    Pattern(re.compile(r"^不符合您的情形$"), "Does not apply to your situation"),
    Pattern(re.compile(r"^(.+)：准予$"), "{0}: approved"),
    # What the case engine writes in a timeline (reasons, system actors) around catalog names and codes.
    Pattern(re.compile(r"^(网上申请|移动端/接口|窗口申请)：(.+)$"), "{0}: {1}"),
    Pattern(
        re.compile(r"^窗口受理；牵头部门：(.+)$"), "Accepted at the service window; lead department: {0}"
    ),
    Pattern(re.compile(r"^网上受理；牵头部门：(.+)$"), "Accepted online; lead department: {0}"),
    Pattern(
        re.compile(r"^等待前置事项“([^”]+)”准予后自动开始$"), "Starts once the prerequisite “{0}” is approved"
    ),
    Pattern(
        re.compile(r"^数据未经共享核验，转人工办理：([\x00-\x7f、]+)$"),
        "Data not verified through sharing, referred to an officer: {0}",
    ),
    Pattern(
        re.compile(r"^核验数据格式无效，转人工办理：([\x00-\x7f、]+)$"),
        "Verified data in an invalid format, referred to an officer: {0}",
    ),
    Pattern(re.compile(r"^不满足：(.+)$"), "Not met: {0}"),
    Pattern(re.compile(r"^满足：(.+)$"), "Met: {0}"),
    Pattern(re.compile(r"^秒批规则 ([\x00-\x7f]+)$"), "Instant-approval rule {0}"),
    # A member of staff as the timeline names them: "wang（南明区政务服务中心）".
    Pattern(re.compile(r"^([\x00-\x7f]+)（(.+)）$"), "{0} ({1})"),
)


def in_english(text: str, lookup: Callable[[str], str | None] | None = None) -> str | None:
    """The English of a catalog text, or None when the catalog has none."""
    if not text:
        return None
    words = dictionary() if lookup is None else None
    find = lookup or (lambda t: words.get(t) if words is not None else None)
    key = text.strip()
    if (found := find(key)) is not None:
        return found
    for pattern in PATTERNS:
        if match := pattern.regex.match(key):
            parts = [in_language_part(g, find) or g for g in match.groups()]
            return pattern.english.format(*parts)
    # Sentences joined by "；" (a timeline reason): English when every sentence has English.
    if "；" in key:
        sentences = [in_language_part(p, find) for p in key.split("；")]
        if all(sentences):
            return "; ".join(s for s in sentences if s)
    # A list of names (材料甲、材料乙): English when every part has English.
    if "、" in key:
        parts = [find(p) or "" for p in key.split("、")]
        if all(parts):
            return ", ".join(parts)
    return None


def in_language_part(text: str, find: Callable[[str], str | None]) -> str | None:
    """One sentence of a longer text: the message catalog first, then the catalog's English."""
    key = text.strip()
    said = gettext(key) if key else key
    return said if said != key else (find(key) or in_english(key, find))


def in_language(text: object) -> str:
    """A Chinese text kept in data in the visitor's language: a status or a step through the message
    catalog (gettext), a catalog text through the catalog's English; without English it stays Chinese."""
    if text in (None, ""):
        return ""
    source = str(text)
    said = gettext(source)
    if said != source or not (get_language() or "").startswith("en"):
        return said
    return in_english(source) or source


@dataclass(frozen=True)
class Missing:
    kind: str  # what the text is, in Chinese (名称, 选项, 材料备注 …)
    where: str  # the record that shows it: "material_types:birth_certificate"
    text: str


def _texts_without_own_field() -> Iterable[tuple[str, str, str]]:
    for q in m.PackageQuestion.objects.select_related("package"):
        for choice in q.choices or []:
            yield "问题选项", f"packages:{q.package.code}:{q.ident}", str(choice)
        if q.help_text:
            yield "问题说明", f"packages:{q.package.code}:{q.ident}", q.help_text
    for el in m.DataElement.objects.all():
        for choice in el.choices or []:
            yield "数据元选项", f"data_elements:{el.code}", str(choice)
        if el.help_text:
            yield "填写说明", f"data_elements:{el.code}", el.help_text
    for im in m.ItemMaterial.objects.select_related("item"):
        if im.note:
            yield "材料备注", f"items:{im.item.code}", im.note
    for item in m.ServiceItem.objects.all():
        if item.result_name:
            yield "办理结果", f"items:{item.code}", item.result_name
        if item.fee_charged and item.fee_description:
            yield "收费说明", f"items:{item.code}", item.fee_description
    for sp in m.ServicePoint.objects.all():
        for value in (sp.name, sp.address, sp.hours):
            if value:
                yield "服务网点", f"service_points:{sp.code}", value
    for pi in m.PackageItem.objects.select_related("package", "item"):
        if pi.note:
            yield "事项备注", f"packages:{pi.package.code}:{pi.item.code}", pi.note


def missing_english() -> list[Missing]:
    """Every catalog text shown to people that has no English: an empty `*_en`, or no translation."""
    missing: list[Missing] = []
    words = _read_dictionary()
    section = {
        m.Region: "regions",
        m.DepartmentType: "department_types",
        m.Department: "departments",
        m.Partner: "partners",
        m.Registry: "registries",
        m.DataElement: "data_elements",
        m.LicenceType: "licence_types",
        m.MaterialType: "material_types",
        m.ServiceItem: "items",
        m.PackageTheme: "themes",
        m.DataGroup: "data_groups",
        m.Package: "packages",
        m.PackageQuestion: "questions",
        m.PartnerStep: "partner_steps",
    }
    for model, zh, en in NAMED:
        for record in model.objects.filter(**{en: ""}).exclude(**{zh: ""}):
            source = getattr(record, zh)
            if source.strip() not in words:
                code = getattr(record, "code", None) or getattr(record, "ident", "")
                missing.append(
                    Missing(f"{model._meta.verbose_name}·{zh}", f"{section[model]}:{code}", source)
                )
    seen: set[str] = set()
    for kind, where, text in _texts_without_own_field():
        if not has_chinese(text) or text in seen:
            continue
        if in_english(text, words.get) is None:
            seen.add(text)
            missing.append(Missing(kind, where, text))
    return missing


# --- Conditions in English (the guide's "applies when") --------------------------------------------------


def _english_text(text: str) -> str:
    return in_english(text) or text


# `describe()`'s words in English: questions by their English text, choices through the catalog's English.
ENGLISH = Wording(
    both=" and ",
    either=" or ",
    group="({})",
    is_yes="{} is yes",
    is_no="{} is no",
    yes="yes",
    no="no",
    always="always",
    never="never",
    negated="not ({})",
    order={
        "<": "{a} is less than {b}",
        "<=": "{a} is at most {b}",
        ">": "{a} is more than {b}",
        ">=": "{a} is at least {b}",
    },
    equals_number="{a} is {b}",
    differs_number="{a} is not {b}",
    equals="{a} is {b}",
    differs="{a} is not {b}",
    answered="{} is answered",
    one_of="{a} is one of {b}",
    none_of="{a} is none of {b}",
    separator=", ",
    text=_english_text,
)


def describe_in_language(expr: Expr, questions: Mapping[str, QuestionSpec]) -> str:
    """The guide's plain description of a condition, in English on English pages (see `describe`)."""
    if (get_language() or "").startswith("en"):
        return describe(expr, questions, ENGLISH)
    return describe(expr, questions)


# --- Region codes as names ------------------------------------------------------------------------------

_REGION_CODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


def region_label(code: object) -> str:
    """A region code said as its name, from the city down, in the visitor's language: "520102" →
    贵阳市南明区 (English: "Nanming District, Guiyang"). Anything else (a masked value, an unknown code)
    is returned as it is."""
    from onego.catalog.selectors import region_by_code, region_chain
    from onego.core.errors import NotFound

    text = "" if code is None else str(code)
    if not _REGION_CODE.match(text):
        return text
    try:
        chain = region_chain(region_by_code(text))
    except NotFound:
        return text
    below_province = [r for r in chain if r.level != m.RegionLevel.PROVINCE] or chain
    if (get_language() or "").startswith("en"):
        return ", ".join(r.name_en or r.name for r in below_province)
    return "".join(r.name for r in reversed(below_province))


def element_label(code: object) -> str:
    """A data element's code said as its name in the visitor's language (`person.name` → 姓名 / Name); an
    unknown code is returned as it is."""
    text = "" if code is None else str(code)
    row = m.DataElement.objects.filter(code=text).values_list("name", "name_en").first()
    if row is None:
        return text
    name, name_en = row
    return str(name_en or name) if (get_language() or "").startswith("en") else str(name)
