"""Cross-reference and consistency checks over everything read, against the database as it stands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from onego.catalog import models as m
from onego.catalog.definitions.parse import Definitions, Record
from onego.catalog.definitions.reader import Issues
from onego.catalog.instant_rules import ElementInfo, InstantRule, check_rule
from onego.catalog.rules.expressions import (
    ExpressionError,
    QuestionSpec,
    coerce_answer,
    identifiers,
    parse,
    typecheck,
)
from onego.catalog.rules.graph import find_cycle
from onego.catalog.rules.package import GROUP_TITLES
from onego.core.validators import region_level_of, region_parent_code

LEVEL_RANK = {level: rank for rank, level in enumerate(m.LEVEL_ORDER)}


class Known:
    """Codes known in this import or already in the database."""

    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self._db: dict[str, set[str]] = {}
        self._elements: dict[str, ElementInfo] | None = None

    _MODELS: dict[str, type[Any]] = {
        "subjects": m.DataSubject,
        "themes": m.PackageTheme,
        "data_groups": m.DataGroup,
        "regions": m.Region,
        "department_types": m.DepartmentType,
        "departments": m.Department,
        "registries": m.Registry,
        "licence_types": m.LicenceType,
        "data_elements": m.DataElement,
        "material_types": m.MaterialType,
        "partners": m.Partner,
        "service_points": m.ServicePoint,
        "items": m.ServiceItem,
        "translations": m.Translation,
        "packages": m.Package,
    }

    def db(self, section: str) -> set[str]:
        if section not in self._db:
            self._db[section] = set(self._MODELS[section].objects.values_list("code", flat=True))
        return self._db[section]

    def has(self, section: str, code: str) -> bool:
        return code in self.defs.records[section] or code in self.db(section)

    def elements(self) -> dict[str, ElementInfo]:
        """Every data element known, marked verifiable when a registry fills it or an item produces it."""
        if self._elements is None:
            produced = {
                code
                for codes in m.ServiceItem.objects.values_list("produces", flat=True)
                for code in (codes or [])
            }
            produced |= {
                e["element"] for rec in self.defs.records["items"].values() for e in rec.data["produces"]
            }
            rows = {
                code: (name, type_, tuple(choices or ()), registry is not None)
                for code, name, type_, choices, registry in m.DataElement.objects.values_list(
                    "code", "name", "type", "choices", "registry"
                )
            }
            for code, rec in self.defs.records["data_elements"].items():
                d = rec.data
                rows[code] = (d["name"], d["type"], tuple(d["choices"]), bool(d["registry"]))
            self._elements = {
                code: ElementInfo(code, name, type_, choices, has_registry or code in produced)
                for code, (name, type_, choices, has_registry) in rows.items()
            }
        return self._elements

    def region_level(self, code: str) -> str | None:
        record = self.defs.records["regions"].get(code)
        if record is not None:
            return str(record.data["level"] or region_level_of(code))
        level = m.Region.objects.filter(code=code).values_list("level", flat=True).first()
        return level


def _ref(
    issues: Issues,
    known: Known,
    rec: Record,
    key: str,
    section: str,
    code: str,
    *,
    line: int | None = None,
    path: str | None = None,
) -> None:
    if code and not known.has(section, code):
        from onego.catalog.definitions.parse import SECTION_NAMES

        issues.add(
            rec.file, line or rec.line_of(key), path or key, f"未知的{SECTION_NAMES[section]}代码“{code}”"
        )


def subject_choices(known: Known) -> list[str]:
    return [m.APPLICANT_SUBJECT, *sorted(set(known.defs.records["subjects"]) | known.db("subjects"))]


def check_subject_ref(issues: Issues, known: Known, file: str, line: int, path: str, code: str) -> None:
    """A `subject:` must be `applicant` or a declared subject (the vocabulary is catalog data)."""
    if code and code != m.APPLICANT_SUBJECT and not known.has("subjects", code):
        issues.add(
            file,
            line,
            path,
            f"未知的数据主体“{code}”；可用：{'、'.join(subject_choices(known))}（或在 subjects 中声明）",
        )


def _element_type(known: Known, code: str) -> str | None:
    record = known.defs.records["data_elements"].get(code)
    if record is not None:
        return str(record.data["type"])
    return m.DataElement.objects.filter(code=code).values_list("type", flat=True).first()


def check_subjects(defs: Definitions, issues: Issues, known: Known) -> None:
    for rec in defs.records["subjects"].values():
        identity, kind = rec.data["identity"], rec.data["kind"]
        if identity:
            type_ = _element_type(known, identity)
            wanted = "uscc" if kind == "enterprise" else "id_number"
            if type_ is None:
                issues.add(rec.file, rec.line_of("identity"), "identity", f"未知的数据元代码“{identity}”")
            elif type_ != wanted:
                issues.add(
                    rec.file,
                    rec.line_of("identity"),
                    "identity",
                    f"主体“{rec.code}”的身份数据元“{identity}”应为 {wanted} 类型（当前为 {type_}）",
                )
        elif rec.data["consent"] != m.SubjectConsent.GUARDIAN:
            issues.add(
                rec.file,
                rec.line,
                "identity",
                f"主体“{rec.code}”须声明 identity（标识此人的数据元）；只有监护人代为授权的主体（如未落户的新生儿）"
                "可以没有，经申请人本人的记录查询",
            )
        name_element = rec.data["name_element"]
        if name_element and _element_type(known, name_element) is None:
            issues.add(
                rec.file, rec.line_of("name_element"), "name_element", f"未知的数据元代码“{name_element}”"
            )


def check_catalog(defs: Definitions, issues: Issues, known: Known) -> None:
    check_subjects(defs, issues, known)
    for rec in defs.records["regions"].values():
        level = rec.data["level"] or region_level_of(rec.code)
        rec.data["level"] = level
        parent = rec.data["parent"]
        if not parent:
            # Villages may hang under a 12-digit (…000) or a 9-digit township code: take the one that exists.
            candidates = [
                c for c in (region_parent_code(rec.code), rec.code[:9] if len(rec.code) == 12 else None) if c
            ]
            parent = next(
                (c for c in candidates if known.has("regions", c)), candidates[0] if candidates else None
            )
        rec.data["parent"] = parent
        if level != "province":
            if not parent:
                issues.add(rec.file, rec.line, "parent", "非省级区划必须有上级区划")
            elif not known.has("regions", parent):
                issues.add(
                    rec.file,
                    rec.line_of("parent") if "parent" in rec.lines else rec.line,
                    "parent",
                    f"上级区划“{parent}”不存在（请先定义它）",
                )
            else:
                parent_level = known.region_level(parent)
                if parent_level and level and LEVEL_RANK[parent_level] >= LEVEL_RANK[level]:
                    issues.add(
                        rec.file,
                        rec.line,
                        "level",
                        f"层级“{level}”不低于上级区划“{parent}”的层级“{parent_level}”",
                    )
    for rec in defs.records["departments"].values():
        _ref(issues, known, rec, "type", "department_types", rec.data["type"])
        _ref(issues, known, rec, "region", "regions", rec.data["region"])
    for rec in defs.records["registries"].values():
        _ref(issues, known, rec, "type", "department_types", rec.data["type"])
    for rec in defs.records["licence_types"].values():
        _ref(issues, known, rec, "issuer_type", "department_types", rec.data["issuer_type"])
    for rec in defs.records["data_elements"].values():
        _ref(issues, known, rec, "registry", "registries", rec.data["registry"])
        check_subject_ref(issues, known, rec.file, rec.line_of("subject"), "subject", rec.data["subject"])
        group = rec.code.split(".", 1)[0]
        if group and group not in GROUP_TITLES and not known.has("data_groups", group):
            defs.notices.append(
                f"{rec.file}:{rec.line}: code: 数据元“{rec.code}”的表单分组“{group}”没有标题，表单将显示“{group}”；"
                f"请在 data_groups 中声明，如 {{code: {group}, name: …信息}}"
            )
    for rec in defs.records["material_types"].values():
        _ref(issues, known, rec, "registry", "registries", rec.data["registry"])
        _ref(issues, known, rec, "licence_type", "licence_types", rec.data["licence_type"])
    for rec in defs.records["partners"].values():
        for code in rec.data["regions"]:
            _ref(issues, known, rec, "regions", "regions", code)
    for rec in defs.records["service_points"].values():
        _ref(issues, known, rec, "region", "regions", rec.data["region"])
    for rec in defs.records["items"].values():
        check_item(rec, issues, known)


def check_item(rec: Record, issues: Issues, known: Known) -> None:
    d = rec.data
    _ref(issues, known, rec, "department", "department_types", d["department"])
    _ref(issues, known, rec, "result", "licence_types", d["result_licence_type"])
    seen: dict[str, int] = {}
    for entry in d["fields"]:
        code = entry["element"]
        _ref(issues, known, rec, "fields", "data_elements", code, line=entry["line"], path=entry["path"])
        if code in seen:
            issues.add(
                rec.file,
                entry["line"],
                entry["path"],
                f"数据元“{code}”在本事项中重复（第{seen[code]}行已列出）",
            )
        seen[code] = entry["line"]
        _check_syntax(issues, rec.file, entry["line"], f"{entry['path']}.when", entry["when"])
    seen_for: dict[tuple[str, str], int] = {}
    for entry in d["materials"]:
        code = entry["material"]
        _ref(issues, known, rec, "materials", "material_types", code, line=entry["line"], path=entry["path"])
        # one line per material type and person: the same type for two people (subjects) is allowed
        slot = (code, entry["subject"])
        if slot in seen_for:
            whose = "" if entry["subject"] == m.APPLICANT_SUBJECT else f"（{entry['subject']}）"
            issues.add(
                entry.get("file", rec.file),
                entry["line"],
                entry["path"],
                f"材料“{code}”{whose}在本事项中重复（第{seen_for[slot]}行已列出）；"
                "同一种材料属于不同的人时请分别写明 subject",
            )
        seen_for[slot] = entry["line"]
        _check_syntax(issues, rec.file, entry["line"], f"{entry['path']}.when", entry["when"])
        check_subject_ref(
            issues,
            known,
            entry.get("file", rec.file),
            entry.get("subject_line", entry["line"]),
            f"{entry['path']}.subject",
            entry["subject"],
        )
    produced: dict[str, int] = {}
    for entry in d["produces"]:
        code = entry["element"]
        _ref(issues, known, rec, "produces", "data_elements", code, line=entry["line"], path=entry["path"])
        if code in produced:
            issues.add(
                rec.file,
                entry["line"],
                entry["path"],
                f"产生的数据元“{code}”在本事项中重复（第{produced[code]}行已列出）",
            )
        produced[code] = entry["line"]
    for key, message in item_consistency(d):
        issues.add(rec.file, rec.line_of(key), key, message)
    if d["instant_rule"] is not None:
        check_instant_rule(rec, issues, known)


def instant_rule_of(code: str, d: dict[str, Any], elements: dict[str, ElementInfo]) -> InstantRule:
    """The rule an item's parsed `instant_rule` declares (version 1 until stored)."""
    raw = d["instant_rule"]
    used = {e["element"] for e in d["fields"]}
    rule = InstantRule.from_json(
        code,
        {
            "explanation": raw["explanation"],
            "explanation_en": raw["explanation_en"],
            "checks": raw["checks"],
            "examples": raw["examples"],
        },
    )
    names = set(rule.uses) if _parses(rule) else set()
    types = {n: elements[n].type for n in sorted(names & used) if n in elements}
    return InstantRule(
        item=rule.item,
        version=1,
        explanation=rule.explanation,
        explanation_en=rule.explanation_en,
        checks=rule.checks,
        types=types,
        names={n: elements[n].name for n in types},
        examples=tuple(
            x.__class__(x.name, x.data, x.expect, x.unverified, raw["examples"][i]["line"])
            for i, x in enumerate(rule.examples)
        ),
    )


def _parses(rule: InstantRule) -> bool:
    try:
        for c in rule.checks:
            parse(c.source)
    except ExpressionError:
        return False
    return True


def check_instant_rule(rec: Record, issues: Issues, known: Known) -> None:
    d = rec.data
    raw = d["instant_rule"]
    if not d["instant_approval_eligible"]:
        issues.add(
            rec.file,
            rec.line_of("instant_rule"),
            "instant_rule",
            "声明了秒批规则的事项须同时写 instant_approval: true",
        )
    elements = known.elements()
    rule = instant_rule_of(rec.code, d, elements)
    lines = {k: v for k, v in raw["lines"].items()}
    for index, c in enumerate(raw["checks"]):
        lines[f"checks[{index}].check"] = c["line"]
    for problem in check_rule(rule, form={e["element"] for e in d["fields"]}, elements=elements, lines=lines):
        issues.add(rec.file, problem.line or raw["line"], f"{raw['path']}.{problem.path}", problem.message)


def item_consistency(d: dict[str, Any]) -> list[tuple[str, str]]:
    """The guide-element consistency rules (STANDARDS-AND-CATALOG §1); pure, also used by the drift report."""
    problems: list[tuple[str, str]] = []
    immediate = d["handling_type"] == m.HandlingType.IMMEDIATE
    if immediate and d["promised_limit_days"] != 0:
        problems.append(("promised_limit_days", "即办件的承诺办结时限应为 0 个工作日（当场办结）"))
    if not immediate and d["handling_type"] and d["promised_limit_days"] == 0:
        problems.append(("handling_type", "承诺时限为 0 的事项应为即办件（handling_type: immediate）"))
    if d["promised_limit_days"] > d["legal_limit_days"]:
        problems.append(
            (
                "promised_limit_days",
                f"承诺时限（{d['promised_limit_days']}）不能超过法定时限（{d['legal_limit_days']}）",
            )
        )
    if d["visits"] > 0 and not d["visits_reason"]:
        problems.append(("visits_reason", "到现场次数大于 0 时必须说明必须现场办理的原因"))
    if d["visits"] == 0 and not d["online"] and not d["postal"]:
        problems.append(("postal", "零跑动且不能网办的事项必须支持邮寄（postal: true）"))
    if d["online_depth"] == 4 and d["visits"] > 0:
        problems.append(("online_depth", "网上办理深度为Ⅳ级（全程网办）的事项到现场次数应为 0"))
    if not d["online"] and d["online_depth"] == 4:
        problems.append(("online_depth", "不能网办的事项，网上办理深度不能为Ⅳ级"))
    if d["fee_charged"] and (not d["fee_description"] or not d["fee_basis"]):
        problems.append(("fee", "收费事项必须写明收费标准（description）和收费依据（basis）"))
    if not d["fee_charged"] and d["fee_description"]:
        problems.append(("fee", "不收费的事项不应填写收费标准"))
    if d["instant_approval_eligible"] and (not immediate or d["needs_site_inspection"]):
        problems.append(("instant_approval", "可秒批的事项必须是即办件且不需现场踏勘"))
    if d["sole_approver_eligible"] and d["needs_site_inspection"]:
        problems.append(("sole_approver", "需现场踏勘的事项不适用独任审批"))
    return problems


def _check_syntax(issues: Issues, file: str, line: int, path: str, source: str) -> None:
    if not source:
        return
    try:
        parse(source)
    except ExpressionError as exc:
        issues.add(file, line, path, f"条件“{source}”有误：{exc.message}")


def _item_conditions(known: Known, code: str) -> list[tuple[str, str]]:
    """(where, condition) pairs of an item's own field/material conditions, from this import or the DB."""
    rec = known.defs.records["items"].get(code)
    if rec is not None:
        out = [(f"字段 {e['element']}", e["when"]) for e in rec.data["fields"] if e["when"]]
        out += [(f"材料 {e['material']}", e["when"]) for e in rec.data["materials"] if e["when"]]
        return out
    out = [
        (f"字段 {c}", w)
        for c, w in m.ItemField.objects.filter(item__code=code)
        .exclude(when="")
        .values_list("data_element__code", "when")
    ]
    out += [
        (f"材料 {c}", w)
        for c, w in m.ItemMaterial.objects.filter(item__code=code)
        .exclude(when="")
        .values_list("material_type__code", "when")
    ]
    return out


def question_specs(questions: Iterable[dict[str, Any]]) -> dict[str, QuestionSpec]:
    return {
        q["ident"]: QuestionSpec(
            ident=q["ident"], type=q["type"], choices=tuple(q["choices"]), text=q["text"]
        )
        for q in questions
        if q["ident"]
    }


def check_package(rec: Record, issues: Issues, known: Known) -> None:
    d = rec.data
    f = rec.file
    _ref(issues, known, rec, "lead_department", "department_types", d["lead_department"])
    if d["theme"] and d["theme"] not in m.Theme.values and not known.has("themes", d["theme"]):
        declared = sorted({*known.defs.records["themes"], *known.db("themes")})
        issues.add(
            f,
            rec.line_of("theme"),
            "theme",
            f"未知的主题“{d['theme']}”；可用：{', '.join([*m.Theme.values, *declared])}（或在 themes 中声明）",
        )
    for code in d["regions"]:
        _ref(issues, known, rec, "regions", "regions", code)
    seen_q: dict[str, int] = {}
    for q in d["questions"]:
        if q["ident"] in seen_q:
            issues.add(
                f,
                q["line"],
                f"{q['path']}.id",
                f"问题标识“{q['ident']}”重复（第{seen_q[q['ident']]}行已定义）",
            )
        seen_q[q["ident"]] = q["line"]
    specs = question_specs(d["questions"])
    for q in d["questions"]:
        if q.get("bind"):
            _check_binding(issues, known, f, q)
        if q["default"] is not None and q["ident"] in specs:
            try:
                q["default"] = coerce_answer(specs[q["ident"]], q["default"])
            except ExpressionError as exc:
                issues.add(f, q["line"], f"{q['path']}.default", exc.message)

    steps = {s["code"]: s for s in d["partner_steps"] if s["code"]}
    nodes: dict[str, dict[str, Any]] = {}
    for entry in d["items"]:
        code = entry["item"]
        if not code:
            continue
        if not known.has("items", code):
            issues.add(f, entry["line"], f"{entry['path']}.item", f"未知的事项代码“{code}”")
        if code in nodes:
            issues.add(
                f,
                entry["line"],
                f"{entry['path']}.item",
                f"事项“{code}”在套餐中重复（第{nodes[code]['line']}行已列出）",
            )
            continue
        nodes[code] = entry
        if entry["binding"] == m.Binding.BOUND and entry["when"]:
            issues.add(
                f,
                entry["lines"].get("when", entry["line"]),
                f"{entry['path']}.when",
                "法定必办（bound）的事项总是包含，不能再设 when 条件；按情形的事项请用 binding: scenario",
            )
    for code, step in steps.items():
        if code in nodes:
            issues.add(f, step["line"], f"{step['path']}.code", f"合作环节代码“{code}”与套餐中的事项代码重复")
        nodes.setdefault(code, step)
    seen_steps: set[str] = set()
    for step in d["partner_steps"]:
        if step["code"] in seen_steps:
            issues.add(f, step["line"], f"{step['path']}.code", f"合作环节代码“{step['code']}”重复")
        seen_steps.add(step["code"])
        for element in step["fields"]:
            if not known.has("data_elements", element):
                issues.add(
                    f,
                    step["lines"].get("fields", step["line"]),
                    f"{step['path']}.fields",
                    f"未知的数据元代码“{element}”",
                )

    for entry in [*d["items"], *d["partner_steps"]]:
        for prereq in entry["after"]:
            if prereq not in nodes:
                issues.add(
                    f,
                    entry["lines"].get("after", entry["line"]),
                    f"{entry['path']}.after",
                    f"前置事项“{prereq}”不在本套餐中（可用：{', '.join(nodes)}）",
                )
        _check_condition(
            issues,
            f,
            entry["lines"].get("when", entry["line"]),
            f"{entry['path']}.when",
            entry["when"],
            specs,
        )
    after = {code: [p for p in entry["after"] if p in nodes] for code, entry in nodes.items()}
    cycle = find_cycle(after)
    if cycle:
        first = nodes[cycle[0]]
        issues.add(
            f,
            first["lines"].get("after", first["line"]),
            f"{first['path']}.after",
            "前置关系成环：" + " → ".join(cycle),
        )

    for entry in d["items"]:
        for where, source in _item_conditions(known, entry["item"]):
            try:
                names = identifiers(parse(source))
            except ExpressionError:
                continue  # reported where the item is defined
            missing = sorted(names - specs.keys())
            if missing:
                issues.add(
                    f,
                    entry["line"],
                    f"{entry['path']}.item",
                    f"事项“{entry['item']}”的{where}条件“{source}”用到本套餐未提问的“{'、'.join(missing)}”",
                )

    for scenario in d["scenarios"]:
        for key, value in scenario["answers"].items():
            if key not in specs:
                issues.add(
                    f, scenario["line"], f"{scenario['path']}.answers", f"情形答案引用了未定义的问题“{key}”"
                )
                continue
            try:
                coerce_answer(specs[key], value)
            except ExpressionError as exc:
                issues.add(f, scenario["line"], f"{scenario['path']}.answers.{key}", exc.message)


# Which data element types can answer which question type.
_BINDABLE = {
    "bool": {"bool"},
    "number": {"number", "integer"},
    "choice": {"choice"},
    "text": {"string", "text", "region_code", "phone", "email"},
}


def _element_shape(known: Known, code: str) -> tuple[str, list[str]] | None:
    record = known.defs.records["data_elements"].get(code)
    if record is not None:
        return str(record.data.get("type") or ""), list(record.data.get("choices") or [])
    row = m.DataElement.objects.filter(code=code).values_list("type", "choices").first()
    return (row[0], list(row[1] or [])) if row else None


def _check_binding(issues: Issues, known: Known, file: str, q: dict[str, Any]) -> None:
    """A question's `bind`: a data element of a compatible type, or `licence:<type>` for a yes/no question."""
    path, bind = f"{q['path']}.bind", q["bind"]
    if bind.startswith("licence:"):
        code = bind.removeprefix("licence:")
        if not known.has("licence_types", code):
            issues.add(file, q["line"], path, f"未知的电子证照类型“{code}”")
        elif q["type"] != m.QuestionType.BOOL:
            issues.add(file, q["line"], path, "绑定电子证照的问题应为是/否（bool）问题：是否持有该证照")
        return
    shape = _element_shape(known, bind)
    if shape is None:
        issues.add(file, q["line"], path, f"未知的数据元代码“{bind}”（或写 licence:<证照类型>）")
        return
    kind, choices = shape
    if kind not in _BINDABLE.get(q["type"], set()):
        issues.add(
            file,
            q["line"],
            path,
            f"数据元“{bind}”的类型为 {kind}，不能回答 {q['type']} 类型的问题",
        )
        return
    # A choice the element lacks (残疾等级“尚未评定”) means "no such datum yet": allowed, it just does not
    # fill the field. A question sharing no choice with its element could never agree with it.
    if q["type"] == m.QuestionType.CHOICE and not set(q["choices"]) & set(choices):
        issues.add(
            file,
            q["line"],
            path,
            f"问题的选项与数据元“{bind}”的选项没有一个相同；数据元可选：{'、'.join(choices)}",
        )


def _check_condition(
    issues: Issues, file: str, line: int, path: str, source: str, specs: dict[str, QuestionSpec]
) -> None:
    if not source:
        return
    try:
        expr = parse(source)
    except ExpressionError as exc:
        issues.add(file, line, path, f"条件“{source}”有误：{exc.message}")
        return
    for message in typecheck(expr, specs):
        issues.add(file, line, path, f"条件“{source}”：{message}")


def check_all(defs: Definitions, issues: Issues) -> None:
    known = Known(defs)
    check_catalog(defs, issues, known)
    for rec in defs.records["packages"].values():
        check_package(rec, issues, known)
