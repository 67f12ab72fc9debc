"""Turn definition files into normalised records (plain dicts), reporting every shape error precisely.

Cross-references are checked later (check.py), once the whole folder is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onego.catalog.definitions.reader import Issues, Reader
from onego.catalog.definitions.source import SourceError, load_yaml_file, load_yaml_text
from onego.catalog.models import (
    Binding,
    DataType,
    HandlingType,
    ItemType,
    PartnerKind,
    QuestionType,
    RegionLevel,
    SubjectConsent,
    post_choices_problem,
)
from onego.core.validators import check_region_code, check_uscc

SECTIONS = (
    "subjects",
    "themes",
    "data_groups",
    "regions",
    "department_types",
    "departments",
    "registries",
    "licence_types",
    "data_elements",
    "material_types",
    "partners",
    "service_points",
    "items",
    "translations",
)
SECTION_NAMES = {
    "subjects": "数据主体",
    "themes": "主题",
    "data_groups": "表单分组",
    "regions": "行政区划",
    "department_types": "部门类型",
    "departments": "部门",
    "registries": "数据源",
    "licence_types": "电子证照类型",
    "data_elements": "数据元",
    "material_types": "材料类型",
    "partners": "合作机构",
    "service_points": "服务网点",
    "items": "事项",
    "translations": "译文",
    "packages": "套餐",
}


@dataclass
class Record:
    section: str
    code: str
    data: dict[str, Any]
    file: str
    line: int
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


@dataclass
class Definitions:
    """Everything read from a folder, by section and code."""

    records: dict[str, dict[str, Record]] = field(
        default_factory=lambda: {s: {} for s in (*SECTIONS, "packages")}
    )
    sources: dict[str, str] = field(default_factory=dict)  # package code -> original YAML text
    # Sharing contracts found in the folder (file, line, how many): not catalog data, imported by
    # `onego exchange contracts import` (docs/package-format.md, "Contracts in a package folder").
    contract_files: list[tuple[str, int, int]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # accepted, but worth saying (check.py)

    def add(self, record: Record, issues: Issues) -> None:
        bucket = self.records[record.section]
        if not record.code:
            return
        if record.code in bucket:
            first = bucket[record.code]
            issues.add(
                record.file,
                record.line,
                "code",
                f"{SECTION_NAMES[record.section]}代码“{record.code}”重复（首次出现于 {first.file}:{first.line}）",
            )
            return
        bucket[record.code] = record

    def count(self) -> dict[str, int]:
        return {section: len(bucket) for section, bucket in self.records.items()}


def _record(section: str, r: Reader, code: str, data: dict[str, Any]) -> Record:
    lines = {k: r.line_of(k) for k in r.data}
    return Record(section, code, data, r.file, r.line, lines)


# --- catalog sections -------------------------------------------------------------------------------------


def parse_region(r: Reader) -> Record:
    code = r.code("code", digits=True)
    if code and (msg := check_region_code(code)):
        r.error("code", msg)
    data = {
        "name": r.text("name", required=True, max_length=100),
        "name_en": r.text("name_en"),
        "level": r.choice("level", RegionLevel.values),
        "parent": r.code("parent", required=False, digits=True),
        "latitude": r.number("lat"),
        "longitude": r.number("lon"),
    }
    return _record("regions", r, code, data)


def parse_subject(r: Reader) -> Record:
    code = r.code("code")
    if code == "applicant":
        r.error("code", "主体“applicant”（申请人）是内置的，不需要也不能声明")
    data = {
        "name": r.text("name", required=True, max_length=50),
        "name_en": r.text("name_en"),
        "kind": r.choice("kind", ["person", "enterprise"], default="person"),
        "identity": r.code("identity", required=False),
        "name_element": r.code("name_element", required=False),
        "consent": r.choice("consent", SubjectConsent.values, required=True),
        "position": r.integer("position", default=100, maximum=1000),
    }
    return _record("subjects", r, code, data)


def parse_theme(r: Reader) -> Record:
    code = r.code("code")
    if code and not (code.startswith(("person.", "enterprise.")) and len(code.split(".")) == 2):
        r.error("code", f"主题代码“{code}”应为 person.名称 或 enterprise.名称（决定在个人或企业办事中展示）")
    data = {
        "name": r.text("name", required=True, max_length=50),
        "name_en": r.text("name_en"),
        "position": r.integer("position", default=100, maximum=1000),
    }
    return _record("themes", r, code, data)


def parse_data_group(r: Reader) -> Record:
    code = r.code("code")
    if code and not code.isidentifier():
        r.error("code", f"分组代码“{code}”应为数据元代码中“.”之前的部分，如 farm（对应 farm.area）")
    data = {"name": r.text("name", required=True, max_length=50), "name_en": r.text("name_en")}
    return _record("data_groups", r, code, data)


def parse_translation(r: Reader) -> Record:
    """`{zh: 随母, en: Mother's surname}`: the English of a Chinese text shown to people (choices, notes)."""
    zh = r.text("zh", required=True, max_length=300)
    data = {"en": r.text("en", required=True)}
    return _record("translations", r, zh, data)


def parse_department_type(r: Reader) -> Record:
    return _record(
        "department_types",
        r,
        r.code("code"),
        {"name": r.text("name", required=True), "name_en": r.text("name_en")},
    )


def parse_department(r: Reader) -> Record:
    code = r.code("code")
    uscc = r.text("uscc")
    if uscc and (msg := check_uscc(uscc)):
        r.error("uscc", msg)
    data = {
        "name": r.text("name", required=True, max_length=120),
        "name_en": r.text("name_en"),
        "type": r.code("type"),
        "region": r.code("region", digits=True),
        "uscc": uscc,
        "address": r.text("address"),
        "phone": r.text("phone"),
    }
    return _record("departments", r, code, data)


def parse_registry(r: Reader) -> Record:
    data = {
        "name": r.text("name", required=True),
        "name_en": r.text("name_en"),
        "type": r.code("type"),
        "connected": r.boolean("connected", default=True),
    }
    return _record("registries", r, r.code("code"), data)


def parse_licence_type(r: Reader) -> Record:
    type_code = r.text("type_code")
    if type_code and len(type_code) != 21:
        r.error("type_code", f"证照类型代码应为21位（18位定义机构代码 + 3位顺序号），当前{len(type_code)}位")
    data = {
        "name": r.text("name", required=True),
        "name_en": r.text("name_en"),
        "issuer_type": r.code("issuer_type"),
        "holder": r.choice("holder", ["person", "enterprise"], required=True),
        "type_code": type_code,
    }
    return _record("licence_types", r, r.code("code"), data)


def parse_data_element(r: Reader) -> Record:
    code = r.code("code")
    if code and ("." not in code or code.startswith(".") or code.endswith(".")):
        r.error("code", f"数据元代码“{code}”应为“分组.名称”形式，如 person.name")
    name, name_en = r.text("name", required=True), r.text("name_en")
    type_ = r.choice("type", DataType.values, default=DataType.STRING)
    choices, post_choices = r.texts("choices"), r.texts("post_choices")
    data = {
        "name": name,
        "name_en": name_en,
        "type": type_,
        "choices": choices,
        "post_choices": post_choices,
        "max_length": r.integer("max_length", default=0) or None,
        "sensitive": r.boolean("sensitive"),
        "registry": r.code("registry", required=False),
        "help_text": r.text("help"),
        "subject": r.code("subject", required=False) or "applicant",
    }
    if type_ == DataType.CHOICE and not choices:
        r.error("choices", "选项类型的数据元必须列出 choices")
    if problem := post_choices_problem(type_, choices, post_choices):
        r.error("post_choices", f"数据元“{code}”：{problem}")
    return _record("data_elements", r, code, data)


def parse_material_type(r: Reader) -> Record:
    data = {
        "name": r.text("name", required=True),
        "name_en": r.text("name_en"),
        "description": r.text("description"),
        "registry": r.code("registry", required=False),
        "licence_type": r.code("licence_type", required=False),
        "source": r.text("source"),
        "file_types": [t.lower() for t in r.texts("file_types")],
    }
    return _record("material_types", r, r.code("code"), data)


def parse_partner(r: Reader) -> Record:
    data = {
        "name": r.text("name", required=True),
        "name_en": r.text("name_en"),
        "kind": r.choice("kind", PartnerKind.values, required=True),
        "regions": r.texts("regions"),
    }
    return _record("partners", r, r.code("code"), data)


def parse_service_point(r: Reader) -> Record:
    data = {
        "name": r.text("name", required=True),
        "kind": r.choice("kind", ["hall", "community", "terminal"], required=True),
        "region": r.code("region", digits=True),
        "address": r.text("address", required=True),
        "hours": r.text("hours"),
        "phone": r.text("phone"),
        "latitude": r.number("lat"),
        "longitude": r.number("lon"),
    }
    return _record("service_points", r, r.code("code"), data)


def _parse_item_refs(r: Reader, key: str, ref_key: str) -> list[dict[str, Any]]:
    """`- code` or `- {element|material: code, required: ..., when: ...}`."""
    out: list[dict[str, Any]] = []
    for index, (value, line) in enumerate(r.entries(key)):
        path = f"{r.fpath(key)}[{index}]"
        if isinstance(value, str):
            plain: dict[str, Any] = {
                ref_key: value.strip(),
                "required": True,
                "when": "",
                "line": line,
                "path": path,
            }
            if ref_key == "material":
                plain.update(original=True, copies=1, note="", subject="applicant")
            out.append(plain)
            continue
        # a row of an .xlsx sub-sheet (`item_materials`) names its own sheet (definitions/xlsx.py)
        sheet = str(getattr(value, "file", "") or "")
        sub = Reader(value, file=sheet or r.file, line=line, path=path, issues=r.issues)
        entry: dict[str, Any] = {
            ref_key: sub.code(ref_key),
            "required": sub.boolean("required", default=True),
            "when": sub.text("when"),
            "line": line,
            "path": path,
        }
        if ref_key == "material":
            entry["original"] = sub.boolean("original", default=True)
            entry["copies"] = sub.integer("copies", default=1, minimum=1, maximum=20)
            entry["note"] = sub.text("note")
            entry["subject"] = sub.code("subject", required=False) or "applicant"
            entry["subject_line"] = sub.line_of("subject") if "subject" in sub.data else line
            if sheet:
                entry["file"] = sheet
        sub.finish()
        out.append(entry)
    return out


def parse_item(r: Reader) -> Record:
    code = r.code("code")
    basic_code = r.code("basic_code", required=False)
    if basic_code and len(basic_code) != 12:
        r.error("basic_code", f"基本编码应为12位，当前{len(basic_code)}位")
    data: dict[str, Any] = {
        "basic_code": basic_code,
        "name": r.text("name", required=True, max_length=150),
        "name_en": r.text("name_en"),
        "item_type": r.choice("item_type", ItemType.values, required=True),
        "department": r.code("department"),
        "level": r.choice("level", RegionLevel.values, default=RegionLevel.COUNTY),
        "legal_basis": r.text("legal_basis", required=True),
        "acceptance_conditions": r.text("acceptance_conditions", required=True),
        "legal_limit_days": r.integer("legal_limit_days", required=True, maximum=365),
        "promised_limit_days": r.integer("promised_limit_days", required=True, maximum=365),
        "handling_type": r.choice("handling_type", HandlingType.values, required=True),
        "special_procedures": r.text("special_procedures"),
        "visits": r.integer("visits", default=0, maximum=10),
        "visits_reason": r.text("visits_reason"),
        "online": r.boolean("online", default=True),
        "online_depth": r.integer("online_depth", default=4, minimum=1, maximum=4),
        "postal": r.boolean("postal", default=True),
        "window_class": r.integer("window_class", default=2, minimum=1, maximum=3),
        "sole_approver_eligible": r.boolean("sole_approver"),
        "needs_site_inspection": r.boolean("site_inspection"),
        "instant_approval_eligible": r.boolean("instant_approval"),
        "service_object": r.choice("service_object", ["person", "enterprise", "both"], default="both"),
        "notes": r.text("notes"),
        "fee_charged": False,
        "fee_description": "",
        "fee_basis": "",
        "result_name": "",
        "result_licence_type": "",
    }
    fee = r.sub("fee")
    if fee is None:
        r.error("fee", "缺少必填字段（不收费请写 fee: {charged: false}）", r.line)
    else:
        data["fee_charged"] = fee.boolean("charged")
        data["fee_description"] = fee.text("description")
        data["fee_basis"] = fee.text("basis")
        fee.finish()
    result = r.sub("result")
    if result is None:
        r.error("result", "缺少必填字段（审批结果名称）", r.line)
    else:
        data["result_name"] = result.text("name", required=True)
        data["result_licence_type"] = result.code("licence_type", required=False)
        result.finish()
    data["fields"] = _parse_item_refs(r, "fields", "element")
    data["materials"] = _parse_item_refs(r, "materials", "material")
    data["produces"] = _parse_produces(r)
    data["instant_rule"] = _parse_instant_rule(r)
    return _record("items", r, code, data)


def _parse_instant_rule(r: Reader) -> dict[str, Any] | None:
    """`instant_rule: {explanation, checks: [{check, label}], examples: [{name, data, unverified, expect}]}`."""
    sub = r.sub("instant_rule")
    if sub is None:
        return None
    explanation, explanation_en = sub.bilingual("explanation", required=True)
    if len(explanation) > 200:
        sub.error("explanation", f"通俗说明不能超过200个字符（当前{len(explanation)}）")
    rule: dict[str, Any] = {
        "explanation": explanation,
        "explanation_en": explanation_en,
        "checks": [],
        "examples": [],
        "line": sub.line,
        "path": sub.path,
        "lines": {k: sub.line_of(k) for k in sub.data},
    }
    for index, (value, line) in enumerate(sub.entries("checks", required=True)):
        path = f"{sub.fpath('checks')}[{index}]"
        if isinstance(value, str):
            rule["checks"].append({"check": value.strip(), "label": "", "label_en": "", "line": line})
            continue
        c = Reader(value, file=r.file, line=line, path=path, issues=r.issues)
        label, label_en = c.bilingual("label")
        rule["checks"].append(
            {"check": c.text("check", required=True), "label": label, "label_en": label_en, "line": line}
        )
        c.finish()
    for index, (value, line) in enumerate(sub.entries("examples")):
        path = f"{sub.fpath('examples')}[{index}]"
        x = Reader(value, file=r.file, line=line, path=path, issues=r.issues)
        data = x.raw("data")
        if data is not None and not isinstance(data, dict):
            x.error("data", "应为映射：数据元代码: 值")
            data = {}
        rule["examples"].append(
            {
                "name": x.text("name"),
                "data": {str(k): v for k, v in (data or {}).items()},
                "unverified": x.texts("unverified"),
                "expect": x.choice("expect", ["approve", "refer"], required=True),
                "line": line,
            }
        )
        x.finish()
    sub.finish()
    return rule


def _parse_produces(r: Reader) -> list[dict[str, Any]]:
    """`produces: [element, ...]`: data elements the item creates when approved, each with its line."""
    out: list[dict[str, Any]] = []
    for index, (value, line) in enumerate(r.entries("produces")):
        path = f"{r.fpath('produces')}[{index}]"
        if not isinstance(value, str) or not value.strip():
            r.issues.add(r.file, line, path, "应为数据元代码文本，如 newborn.id_number")
            continue
        out.append({"element": value.strip(), "line": line, "path": path})
    return out


# --- packages ---------------------------------------------------------------------------------------------


def _parse_after(sub: Reader) -> list[str]:
    return sub.texts("after")


def parse_package(r: Reader) -> Record:
    code = r.code("code")
    name, name_en = r.bilingual("name", required=True)
    summary, summary_en = r.bilingual("summary")
    data: dict[str, Any] = {
        "name": name,
        "name_en": name_en,
        "summary": summary,
        "summary_en": summary_en,
        "theme": r.code("theme"),
        "regions": r.texts("regions"),
        "lead_department": r.code("lead_department"),
        "promised_days": r.integer("promised_days", default=0, maximum=365) or None,
        "keywords": r.texts("keywords"),
        "notes": r.text("notes"),
        "questions": [],
        "items": [],
        "partner_steps": [],
        "scenarios": [],
    }
    if not data["regions"]:
        r.error("regions", "至少要列出一个提供该套餐的行政区划", r.line)
    for index, (value, line) in enumerate(r.entries("questions")):
        q = Reader(value, file=r.file, line=line, path=f"questions[{index}]", issues=r.issues)
        text, text_en = q.bilingual("text", required=True)
        question = {
            "ident": q.code("id"),
            "text": text,
            "text_en": text_en,
            "type": q.choice("type", QuestionType.values, required=True),
            "choices": q.texts("choices"),
            "default": q.raw("default"),
            "help_text": q.text("help"),
            "bind": q.text("bind"),
            "line": line,
            "path": f"questions[{index}]",
        }
        if question["ident"] and not question["ident"].isidentifier():
            q.error("id", f"问题标识“{question['ident']}”只能由字母、数字和下划线组成，且不以数字开头")
        if question["type"] == QuestionType.CHOICE and not question["choices"]:
            q.error("choices", "单选问题必须列出 choices")
        q.finish()
        data["questions"].append(question)
    for index, (value, line) in enumerate(r.entries("items", required=True)):
        i = Reader(value, file=r.file, line=line, path=f"items[{index}]", issues=r.issues)
        data["items"].append(
            {
                "item": i.code("item"),
                "binding": i.choice("binding", Binding.values, default=Binding.SCENARIO),
                "when": i.text("when"),
                "after": _parse_after(i),
                "default_selected": i.boolean("default", default=True),
                "note": i.text("note"),
                "line": line,
                "path": f"items[{index}]",
                "lines": {k: i.line_of(k) for k in i.data},
            }
        )
        i.finish()
    for index, (value, line) in enumerate(r.entries("partner_steps")):
        p = Reader(value, file=r.file, line=line, path=f"partner_steps[{index}]", issues=r.issues)
        step_name, step_name_en = p.bilingual("name", required=True)
        data["partner_steps"].append(
            {
                "code": p.code("code"),
                "name": step_name,
                "name_en": step_name_en,
                "partner_kind": p.choice("partner", PartnerKind.values, required=True),
                "when": p.text("when"),
                "after": _parse_after(p),
                "days": p.integer("days", default=1, maximum=60),
                "binding": p.choice("binding", Binding.values, default=Binding.OPTIONAL),
                "default_selected": p.boolean("default", default=True),
                "fields": p.texts("fields"),
                "line": line,
                "path": f"partner_steps[{index}]",
                "lines": {k: p.line_of(k) for k in p.data},
            }
        )
        p.finish()
    for index, (value, line) in enumerate(r.entries("scenarios")):
        s = Reader(value, file=r.file, line=line, path=f"scenarios[{index}]", issues=r.issues)
        scenario_name, _ = s.bilingual("name", required=True)
        answers = s.raw("answers")
        if answers is not None and not isinstance(answers, dict):
            s.error("answers", "应为映射：问题标识: 答案")
            answers = {}
        data["scenarios"].append(
            {
                "name": scenario_name,
                "answers": dict(answers or {}),
                "line": line,
                "path": f"scenarios[{index}]",
            }
        )
        s.finish()
    return _record("packages", r, code, data)


_PARSERS = {
    "subjects": parse_subject,
    "themes": parse_theme,
    "data_groups": parse_data_group,
    "regions": parse_region,
    "department_types": parse_department_type,
    "departments": parse_department,
    "registries": parse_registry,
    "licence_types": parse_licence_type,
    "data_elements": parse_data_element,
    "material_types": parse_material_type,
    "partners": parse_partner,
    "service_points": parse_service_point,
    "items": parse_item,
    "translations": parse_translation,
}


def parse_document(doc: Any, *, file: str, defs: Definitions, issues: Issues, text: str = "") -> None:
    if doc is None:
        return
    if not isinstance(doc, dict):
        issues.add(
            file,
            getattr(doc, "line", 1),
            "",
            "文件顶层应为映射：套餐定义（含 code）或目录分节（regions、items 等）",
        )
        return
    if "code" in doc:
        reader = Reader(doc, file=file, line=1, path="", issues=issues)
        record = parse_package(reader)
        reader.finish()
        defs.add(record, issues)
        if record.code:
            defs.sources[record.code] = text
        return
    for key, value in doc.items():
        line = doc.line_of(key) if hasattr(doc, "line_of") else 1
        if key == "contracts":
            defs.contract_files.append((file, line, len(value) if isinstance(value, list) else 0))
            continue
        if key not in _PARSERS:
            issues.add(
                file, line, key, f"未知的目录分节；可用：{', '.join(SECTIONS)}；套餐定义须在顶层写 code"
            )
            continue
        if not isinstance(value, list):
            issues.add(file, line, key, "分节内容应为列表")
            continue
        for index, entry in enumerate(value):
            entry_line = value.line_of(index) if hasattr(value, "line_of") else line
            reader = Reader(entry, file=file, line=entry_line, path=f"{key}[{index}]", issues=issues)
            if not reader.ok:
                continue
            record = _PARSERS[key](reader)
            reader.finish()
            defs.add(record, issues)


def read_path(path: Path, issues: Issues) -> Definitions:
    """Read a folder (recursively, in name order) or a single file."""
    defs = Definitions()
    root = path if path.is_dir() else path.parent
    if not path.exists():
        issues.add(str(path), 0, "", "路径不存在")
        return defs
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    wanted = [p for p in files if p.suffix.lower() in (".yaml", ".yml", ".xlsx")]
    if not wanted:
        issues.add(str(path), 0, "", "没有找到 .yaml、.yml 或 .xlsx 定义文件")
    for file in wanted:
        display = str(file.relative_to(root)) if path.is_dir() else file.name
        if file.suffix.lower() == ".xlsx":
            from onego.catalog.definitions.xlsx import read_items_workbook

            read_items_workbook(file, display=display, defs=defs, issues=issues)
            continue
        try:
            doc = load_yaml_file(file, display)
        except SourceError as exc:
            issues.add(exc.location.file, exc.location.line, "", exc.message)
            continue
        parse_document(doc, file=display, defs=defs, issues=issues, text=file.read_text(encoding="utf-8"))
    return defs


def read_text(text: str, *, name: str, issues: Issues) -> Definitions:
    """Read one definition given as text (the designer's upload or editor)."""
    defs = Definitions()
    try:
        doc = load_yaml_text(text, name)
    except SourceError as exc:
        issues.add(exc.location.file, exc.location.line, "", exc.message)
        return defs
    parse_document(doc, file=name, defs=defs, issues=issues, text=text)
    return defs
