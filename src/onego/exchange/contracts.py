"""Sharing contracts as declarative YAML: reading, checking against the catalog, and drafting.

```yaml
contracts:
  - code: pkg.newborn-birth
    consumer: {kind: package, code: newborn-birth}
    purpose: 办理「新生儿出生」
    elements: [person.name, person.id_number]
    materials: [resident_id_card]          # registry-verified material types
    licence_types: [birth_medical_certificate]
    valid_from: "2025-01-01"
    valid_until: null                      # optional
    active: true                           # false revokes the current version
    note: 首次发布                          # optional, recorded with the change
```
Every problem is reported as `file:line: field: message` and nothing is written unless there is none
(see `services.contracts_import`). Versions are not written in the file: the platform numbers them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from onego.catalog import models as cm
from onego.catalog.definitions.reader import Issue, Issues, Reader
from onego.catalog.definitions.source import SourceError, load_yaml_file
from onego.core import clock
from onego.exchange.models import ConsumerKind
from onego.exchange.preview import build_preview, package_purpose
from onego.exchange.rules import WHAT_NAMES, ContractTerms, What, consumer_name, find_grant
from onego.ledger.canonical import canonical_json

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
DEPARTMENT_PURPOSE = "受理、审核本部门承办的事项"


@dataclass(frozen=True)
class ContractSpec:
    code: str
    consumer_kind: str
    consumer_code: str
    purpose: str
    elements: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    licence_types: tuple[str, ...] = ()
    valid_from: dt.date = dt.date(2025, 1, 1)
    valid_until: dt.date | None = None
    active: bool = True
    note: str = ""
    file: str = ""
    line: int = 0
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def content(self) -> dict[str, Any]:
        """What a version is: the digest covers exactly this, so re-importing the same text changes nothing."""
        return {
            "consumer_kind": self.consumer_kind,
            "consumer_code": self.consumer_code,
            "purpose": self.purpose,
            "elements": sorted(self.elements),
            "materials": sorted(self.materials),
            "licence_types": sorted(self.licence_types),
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }

    def digest(self) -> str:
        return hashlib.new("sm3", canonical_json(self.content())).hexdigest()


# --- reading ----------------------------------------------------------------------------------------------
def _date(reader: Reader, key: str, *, required: bool) -> dt.date | None:
    value = reader.raw(key, required=required)
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        reader.error(key, f"日期“{value}”应写作 YYYY-MM-DD")
        return None


def _read_one(data: Any, *, file: str, line: int, issues: Issues) -> ContractSpec | None:
    r = Reader(data, file=file, line=line, path="", issues=issues)
    if not r.ok:
        return None
    before = len(issues.items)
    code = r.code("code")
    if code and not CODE_RE.match(code):
        r.error("code", f"协议编号“{code}”只能用小写字母、数字和 . _ -，且不超过 80 个字符")
    active = r.boolean("active", default=True)
    consumer = r.sub("consumer")
    kind = consumer_code = ""
    if consumer is None:
        if active:  # revoking names only the code
            r.error("consumer", "缺少必填字段（如 {kind: package, code: newborn-birth}）")
    elif consumer.ok:
        kind = consumer.choice("kind", ConsumerKind.values, required=True)
        consumer_code = consumer.code("code")
        consumer.finish()
    purpose = r.text("purpose", required=active, max_length=200)
    elements = tuple(r.texts("elements"))
    materials = tuple(r.texts("materials"))
    licence_types = tuple(r.texts("licence_types"))
    valid_from = _date(r, "valid_from", required=False)
    valid_until = _date(r, "valid_until", required=False)
    note = r.text("note", max_length=300)
    if active and not (elements or materials or licence_types):
        r.error("elements", "协议没有授权任何数据元、材料或电子证照")
    for key, values in (("elements", elements), ("materials", materials), ("licence_types", licence_types)):
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            r.error(key, f"重复列出：{'、'.join(duplicates)}")
    start = valid_from or dt.date(2025, 1, 1)
    if valid_until is not None and valid_until < start:
        r.error("valid_until", f"失效日期 {valid_until.isoformat()} 早于生效日期 {start.isoformat()}")
    r.finish()
    if len(issues.items) > before:
        return None
    return ContractSpec(
        code=code,
        consumer_kind=kind,
        consumer_code=consumer_code,
        purpose=purpose,
        elements=elements,
        materials=materials,
        licence_types=licence_types,
        valid_from=start,
        valid_until=valid_until,
        active=active,
        note=note,
        file=file,
        line=r.line,
        lines={key: r.line_of(key) for key in r.data},
    )


def read_contracts(path: Path, issues: Issues) -> list[ContractSpec]:
    """Read a file or every `*.yaml` file of a folder (in name order)."""
    if not path.exists():
        issues.add(str(path), 1, "", "文件或文件夹不存在")
        return []
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")) if path.is_dir() else [path]
    specs: list[ContractSpec] = []
    for file in files:
        display = str(file.relative_to(path)) if path.is_dir() else file.name
        try:
            doc = load_yaml_file(file, display)
        except SourceError as exc:
            issues.add(exc.location.file, exc.location.line, "", exc.message)
            continue
        if path.is_dir() and not (isinstance(doc, dict) and "contracts" in doc):
            continue  # a package folder also holds catalog and package definitions: not contracts
        top = Reader(doc, file=display, line=1, path="", issues=issues)
        if not top.ok:
            continue
        for data, line in top.entries("contracts", required=True):
            spec = _read_one(data, file=display, line=line, issues=issues)
            if spec is not None:
                specs.append(spec)
        top.finish()
    if path.is_dir() and not specs and not issues:
        issues.add(str(path), 1, "contracts", "文件夹中没有共享协议（顶层为 contracts: 的 YAML 文件）")
    seen: dict[str, ContractSpec] = {}
    for spec in specs:
        if spec.code in seen:
            first = seen[spec.code]
            issues.add(
                spec.file,
                spec.line,
                "code",
                f"协议编号“{spec.code}”重复（首次出现在 {first.file}:{first.line}）",
            )
        seen.setdefault(spec.code, spec)
    return specs


# --- checking against the catalog -------------------------------------------------------------------------
@dataclass(frozen=True)
class CatalogVocabulary:
    """The codes a contract may name, read once for a whole import."""

    packages: frozenset[str]
    items: frozenset[str]
    department_types: frozenset[str]
    elements: frozenset[str]
    registry_materials: frozenset[str]
    materials: frozenset[str]
    licence_types: frozenset[str]

    @classmethod
    def load(cls) -> CatalogVocabulary:
        return cls(
            packages=frozenset(cm.Package.objects.values_list("code", flat=True)),
            items=frozenset(cm.ServiceItem.objects.values_list("code", flat=True)),
            department_types=frozenset(cm.DepartmentType.objects.values_list("code", flat=True)),
            elements=frozenset(cm.DataElement.objects.values_list("code", flat=True)),
            registry_materials=frozenset(
                cm.MaterialType.objects.filter(registry__isnull=False).values_list("code", flat=True)
            ),
            materials=frozenset(cm.MaterialType.objects.values_list("code", flat=True)),
            licence_types=frozenset(cm.LicenceType.objects.values_list("code", flat=True)),
        )

    def consumers(self, kind: str) -> frozenset[str]:
        by_kind: dict[str, frozenset[str]] = {
            ConsumerKind.PACKAGE.value: self.packages,
            ConsumerKind.ITEM.value: self.items,
            ConsumerKind.DEPARTMENT_TYPE.value: self.department_types,
        }
        return by_kind.get(kind, frozenset())


def check_terms(
    vocab: CatalogVocabulary,
    *,
    consumer_kind: str,
    consumer_code: str,
    elements: Iterable[str],
    materials: Iterable[str],
    licence_types: Iterable[str],
) -> list[tuple[str, str]]:
    """(field, message) for every code the catalog does not know."""
    problems: list[tuple[str, str]] = []
    kind_name = dict(ConsumerKind.choices).get(consumer_kind)
    if kind_name is None:
        problems.append(
            ("consumer.kind", f"未知的使用方类别“{consumer_kind}”；可选：{', '.join(ConsumerKind.values)}")
        )
    elif consumer_code not in vocab.consumers(consumer_kind):
        problems.append(("consumer.code", f"未知的使用方：{kind_name}“{consumer_code}”不在服务目录中"))
    for code in elements:
        if code not in vocab.elements:
            problems.append(("elements", f"未知的数据元“{code}”"))
    for code in materials:
        if code not in vocab.materials:
            problems.append(("materials", f"未知的材料类型“{code}”"))
        elif code not in vocab.registry_materials:
            problems.append(
                ("materials", f"材料类型“{code}”没有可核验它的数据源；电子证照请写在 licence_types 中")
            )
    for code in licence_types:
        if code not in vocab.licence_types:
            problems.append(("licence_types", f"未知的电子证照类型“{code}”"))
    return problems


def check_specs(specs: Sequence[ContractSpec], issues: Issues, vocab: CatalogVocabulary) -> None:
    for spec in specs:
        if not spec.active:
            continue  # revoking names only the code; its old terms were checked when published
        for field_name, message in check_terms(
            vocab,
            consumer_kind=spec.consumer_kind,
            consumer_code=spec.consumer_code,
            elements=spec.elements,
            materials=spec.materials,
            licence_types=spec.licence_types,
        ):
            key = field_name.split(".", 1)[0]
            issues.add(spec.file, spec.lines.get(key, spec.line), f"{spec.code}.{field_name}", message)


def issues_text(items: Sequence[Issue]) -> str:
    return "\n".join(str(i) for i in items)


# --- drafting from the catalog ----------------------------------------------------------------------------
def draft_contracts(valid_from: dt.date = dt.date(2025, 1, 1)) -> dict[str, Any]:
    """Contracts a service centre would start from, derived from the catalog as it stands.

    Per package: the registry-backed data elements its merged form may use (every item and partner step,
    whatever the scenario), the registry-verified materials and the e-licence types its items accept,
    for the purpose 办理「<package>」. Per department type with items in a package: every element of its
    items' forms, for reviewing its own sub-cases (what `visible_elements` lets its staff see).
    Nothing is granted that no package uses: default deny covers the rest.
    """
    packages = cm.Package.objects.filter(active=True).prefetch_related(
        "partner_steps",
        "package_items__item__department_type",
        "package_items__item__fields__data_element__registry",
        "package_items__item__materials__material_type__registry",
        "package_items__item__materials__material_type__licence_type",
    )
    registry_elements = set(
        cm.DataElement.objects.filter(registry__isnull=False).values_list("code", flat=True)
    )
    contracts: list[dict[str, Any]] = []
    by_department: dict[str, set[str]] = {}
    for package in packages.order_by("code"):
        elements: set[str] = set()
        materials: set[str] = set()
        licences: set[str] = set()
        for pi in package.package_items.all():
            item = pi.item
            item_elements = {f.data_element.code for f in item.fields.all()}
            by_department.setdefault(item.department_type.code, set()).update(item_elements)
            elements |= {c for c in item_elements if c in registry_elements}
            for use in item.materials.all():
                mt = use.material_type
                if mt.licence_type is not None:
                    licences.add(mt.licence_type.code)
                if mt.registry is not None:
                    materials.add(mt.code)
        for step in package.partner_steps.all():
            elements |= {c for c in step.fields if c in registry_elements}
        if not (elements or materials or licences):
            continue
        contracts.append(
            {
                "code": f"pkg.{package.code}",
                "consumer": {"kind": "package", "code": package.code},
                "purpose": package_purpose(package.name),
                "elements": sorted(elements),
                "materials": sorted(materials),
                "licence_types": sorted(licences),
                "valid_from": valid_from.isoformat(),
            }
        )
    for dept_type, elements in sorted(by_department.items()):
        if elements:
            contracts.append(
                {
                    "code": f"dept.{dept_type}",
                    "consumer": {"kind": "department_type", "code": dept_type},
                    "purpose": DEPARTMENT_PURPOSE,
                    "elements": sorted(elements),
                    "valid_from": valid_from.isoformat(),
                }
            )
    for contract in contracts:
        for key in ("materials", "licence_types"):
            if key in contract and not contract[key]:
                del contract[key]
    return {"contracts": contracts}


def draft_yaml(valid_from: dt.date = dt.date(2025, 1, 1)) -> str:
    header = (
        "# 共享协议（智能合约）：哪个使用方可为何种用途读取哪些数据元、核验哪些材料、调用哪些电子证照。\n"
        "# 未列出的一律拒绝（默认拒绝）。导入：onego exchange contracts import PATH（全部通过才写入）。\n"
        "# 由 `onego exchange contracts draft` 从服务目录生成后人工审核；版本号由平台编排，每次变更记入账本。\n"
    )
    # Lists of codes in flow style ([a, b, c]) keep one contract on one screen.
    body = yaml.safe_dump(
        draft_contracts(valid_from), allow_unicode=True, sort_keys=False, width=110, default_flow_style=None
    )
    return header + body.replace("\n- code:", "\n\n- code:")


# --- contracts follow packages ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    """One grant a package relies on: who reads what, and why."""

    consumer_kind: str  # "package" or "department_type"
    consumer_code: str
    what: What
    code: str
    why: str  # 预填 (prefill), 免提交 (exemption), 审核 (an officer sees it when deciding)
    used_by: tuple[str, ...] = ()
    has: str = ""  # the label of the contract in force that grants it, "" when none does


def package_needs(package: cm.Package, *, terms: Sequence[ContractTerms], day: dt.date) -> list[Need]:
    """Every grant the package's cases may use (every item and partner step, whatever the scenario),
    each with the contract in force that covers it, if any.

    - the package, for the purpose 办理「<package>」: the registry-backed elements its forms may prefill,
      the registry-verified materials and the e-licence types that exempt an upload;
    - each department type with items in the package: every element of its items' forms, which its
      officers see when deciding (`selectors.visible_elements`, any purpose).
    The grant is found as at run time (`rules.find_grant`): the package, then the items using it, then
    their department types.
    """
    purpose = package_purpose(package.name)
    registry_elements = set(
        cm.DataElement.objects.filter(registry__isnull=False).values_list("code", flat=True)
    )
    items = [
        pi.item
        for pi in package.package_items.select_related("item__department_type").prefetch_related(
            "item__fields__data_element", "item__materials__material_type__licence_type"
        )
    ]
    dept_of = {item.code: item.department_type.code for item in items}
    wanted: dict[tuple[What, str, str], list[str]] = {}  # (what, code, why) → items using it
    seen_by: dict[str, dict[str, list[str]]] = {}  # department type → element → items
    for item in items:
        for use in item.fields.all():
            code = use.data_element.code
            seen_by.setdefault(dept_of[item.code], {}).setdefault(code, []).append(item.code)
            if code in registry_elements:
                wanted.setdefault(("element", code, "预填"), []).append(item.code)
        for material_use in item.materials.all():
            mt = material_use.material_type
            if mt.licence_type is not None:
                wanted.setdefault(("licence_type", mt.licence_type.code, "免提交"), []).append(item.code)
            elif mt.registry_id is not None:
                wanted.setdefault(("material", mt.code, "免提交"), []).append(item.code)
    for step in package.partner_steps.all():
        for code in step.fields:
            if code in registry_elements:
                wanted.setdefault(("element", code, "预填"), []).append(step.code)

    needs: list[Need] = []
    for (what, code, why), used_by in wanted.items():
        users = [u for u in dict.fromkeys(used_by) if u in dept_of]
        consumers: list[tuple[str, str]] = [("package", package.code), *(("item", u) for u in users)]
        for u in users:
            if ("department_type", dept_of[u]) not in consumers:
                consumers.append(("department_type", dept_of[u]))
        grant = find_grant(terms, consumers=consumers, purpose=purpose, what=what, code=code, day=day)
        needs.append(
            Need(
                "package",
                package.code,
                what,
                code,
                why,
                tuple(dict.fromkeys(used_by)),
                grant.label if grant else "",
            )
        )
    for dept, elements in sorted(seen_by.items()):
        mine = [t for t in terms if t.consumer == ("department_type", dept) and t.in_force_on(day)]
        for code, used_by in elements.items():
            grant = next((t for t in sorted(mine, key=lambda t: t.code) if t.grants("element", code)), None)
            needs.append(
                Need(
                    "department_type",
                    dept,
                    "element",
                    code,
                    "审核",
                    tuple(used_by),
                    grant.label if grant else "",
                )
            )
    return needs


def missing_contracts(
    package: cm.Package, *, terms: Sequence[ContractTerms], day: dt.date
) -> tuple[list[Need], dict[str, Any]]:
    """The needs no contract covers, and exactly the contracts that would cover them, in the format
    `onego exchange contracts import` reads: a contract that already exists under the drafted code gets a
    new version with its current terms plus the missing ones; otherwise a new contract holds only them."""
    needs = package_needs(package, terms=terms, day=day)
    missing = [n for n in needs if not n.has]
    current = {t.code: t for t in terms if t.active}
    drafts: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[Need]] = {}
    for need in missing:
        groups.setdefault((need.consumer_kind, need.consumer_code), []).append(need)
    for (kind, code), group in groups.items():
        contract_code = f"pkg.{code}" if kind == "package" else f"dept.{code}"
        purpose = package_purpose(package.name) if kind == "package" else DEPARTMENT_PURPOSE
        granted: dict[str, set[str]] = {"element": set(), "material": set(), "licence_type": set()}
        existing = current.get(contract_code)
        valid_from = day
        if existing is not None and existing.consumer == (kind, code):
            # A new version of it: what it grants now, plus what is missing. A department's officers see
            # what any of its contracts grants, so its purpose stays; a package's must be the package's.
            granted["element"] |= existing.elements
            granted["material"] |= existing.materials
            granted["licence_type"] |= existing.licence_types
            valid_from = min(existing.valid_from, day)
            if kind == "department_type":
                purpose = existing.purpose
        elif existing is not None:
            contract_code = f"{contract_code}.{package.code}"
        for n in group:
            granted[n.what].add(n.code)
        draft: dict[str, Any] = {
            "code": contract_code,
            "consumer": {"kind": kind, "code": code},
            "purpose": purpose,
            "elements": sorted(granted["element"]),
            "materials": sorted(granted["material"]),
            "licence_types": sorted(granted["licence_type"]),
            "valid_from": valid_from.isoformat(),
            "note": f"套餐“{package.code}”缺少的授权：" + "、".join(sorted(n.code for n in group)),
        }
        for key in ("elements", "materials", "licence_types"):
            if not draft[key]:
                del draft[key]
        drafts.append(draft)
    return missing, {"contracts": drafts}


WHY_NAMES = {"预填": "预填（自动获取）", "免提交": "免提交（共享核验）", "审核": "部门审核时可见"}


def package_contracts_report(package_code: str, *, day: dt.date | None = None) -> str:
    """`onego package contracts CODE`: what each consumer needs and has, then the drafts (valid YAML)."""
    from onego.exchange.selectors import active_terms

    package = cm.Package.objects.filter(code=package_code).first()
    if package is None:
        raise ValueError(f"未知的套餐代码“{package_code}”")
    today = day or clock.today()
    terms = active_terms()
    needs = package_needs(package, terms=terms, day=today)
    missing, drafts = missing_contracts(package, terms=terms, day=today)
    lines = [
        f"# 套餐“{package.name}”（{package.code}）需要的共享授权：共 {len(needs)} 项，缺 {len(missing)} 项"
    ]
    by_consumer: dict[tuple[str, str], list[Need]] = {}
    for need in needs:
        by_consumer.setdefault((need.consumer_kind, need.consumer_code), []).append(need)
    for (kind, code), group in by_consumer.items():
        have = [n for n in group if n.has]
        lines.append(f"# {consumer_name((kind, code))}：需要 {len(group)} 项，已有 {len(have)} 项")
        for n in group:
            status = f"已有 {n.has}" if n.has else "缺少"
            lines.append(
                f"#   {WHAT_NAMES[n.what]} {n.code}  {WHY_NAMES.get(n.why, n.why)}  "
                f"（{','.join(n.used_by)}）  {status}"
            )
    if not drafts["contracts"]:
        lines.append("# 所有授权均已有共享协议覆盖，无需起草。")
        return "\n".join(lines) + "\n"
    lines.append("# 以下为起草的共享协议（请审核后导入：onego exchange contracts import FILE）")
    body = yaml.safe_dump(drafts, allow_unicode=True, sort_keys=False, width=110, default_flow_style=None)
    return "\n".join(lines) + "\n" + body


def coverage_warnings(compiled: Any, *, day: dt.date | None = None) -> list[str]:
    """Per datum, each prefill or exemption `package explain` promises that no contract in force backs,
    and each element an officer of the deciding department could not see (for `package explain`)."""
    from onego.exchange.selectors import active_terms

    today = day or clock.today()
    terms = active_terms()
    item_codes = [e.code for e in compiled.items]
    dept_of = dict(
        cm.ServiceItem.objects.filter(code__in=item_codes).values_list("code", "department_type__code")
    )
    preview = build_preview(
        compiled,
        contracts=terms,
        department_types=dept_of,
        registry_names=dict(cm.Registry.objects.values_list("code", "name")),
        purpose=package_purpose(compiled.name),
        subject_kind="person",
        day=today,
    )
    out: list[str] = []
    for d in preview.denied:
        promise = "自动获取" if d.kind == "element" else "免提交"
        out.append(
            f"承诺“{promise}”的{WHAT_NAMES.get(d.kind, d.kind)}“{d.code}”（{d.name}）没有共享协议支持：{d.reason}"
        )
    fields = {f.element: f for g in compiled.form for f in g.fields}
    for dept in sorted(set(dept_of.values())):
        mine = [t for t in terms if t.consumer == ("department_type", dept) and t.in_force_on(today)]
        used = sorted(e for e, f in fields.items() if any(dept_of.get(u) == dept for u in f.used_by))
        unseen = [e for e in used if not any(t.grants("element", e) for t in mine)]
        if unseen:
            out.append(f"部门类型“{dept}”的审核人员看不到（没有共享协议授权）：{'、'.join(unseen)}")
    if out:
        out.append(f"补齐共享协议：onego package contracts {compiled.package} -o contracts.yaml")
    return out
