"""Write checked definitions to the database (called inside one transaction by the import service)."""

from __future__ import annotations

from typing import Any

from onego.catalog import models as m
from onego.catalog.definitions.check import instant_rule_of
from onego.catalog.definitions.parse import Definitions
from onego.catalog.definitions.source import dump_yaml
from onego.catalog.instant_rules import ElementInfo


def _upsert(model: type[Any], code: str, values: dict[str, Any]) -> Any:
    obj, _ = model.objects.update_or_create(code=code, defaults=values)
    return obj


class _Lookup:
    def __init__(self, model: type[Any]) -> None:
        self.model = model
        self.cache: dict[str, Any] = {}

    def __call__(self, code: str) -> Any:
        if not code:
            return None
        if code not in self.cache:
            self.cache[code] = self.model.objects.get(code=code)
        return self.cache[code]


def store(defs: Definitions) -> dict[str, int]:
    r = defs.records
    dept_type = _Lookup(m.DepartmentType)
    region = _Lookup(m.Region)
    registry = _Lookup(m.Registry)
    licence = _Lookup(m.LicenceType)
    element = _Lookup(m.DataElement)
    material = _Lookup(m.MaterialType)
    item_of = _Lookup(m.ServiceItem)

    for code, rec in r["themes"].items():
        _upsert(m.PackageTheme, code, rec.data)
    for code, rec in r["data_groups"].items():
        _upsert(m.DataGroup, code, rec.data)
    for code, rec in r["translations"].items():
        _upsert(m.Translation, code, rec.data)
    for code, rec in r["department_types"].items():
        _upsert(m.DepartmentType, code, rec.data)
    # Parents before children: a shorter or more zero-padded code is higher in the tree.
    level_rank = {level: i for i, level in enumerate(m.LEVEL_ORDER)}
    for code, rec in sorted(r["regions"].items(), key=lambda kv: (level_rank[kv[1].data["level"]], kv[0])):
        d = rec.data
        _upsert(
            m.Region,
            code,
            {
                "name": d["name"],
                "name_en": d["name_en"],
                "level": d["level"],
                "parent": region(d["parent"]) if d["parent"] else None,
                "latitude": d["latitude"],
                "longitude": d["longitude"],
            },
        )
    for code, rec in r["departments"].items():
        d = rec.data
        _upsert(
            m.Department,
            code,
            {
                **{k: d[k] for k in ("name", "name_en", "uscc", "address", "phone")},
                "type": dept_type(d["type"]),
                "region": region(d["region"]),
            },
        )
    for code, rec in r["registries"].items():
        d = rec.data
        _upsert(
            m.Registry,
            code,
            {
                "name": d["name"],
                "name_en": d["name_en"],
                "connected": d["connected"],
                "department_type": dept_type(d["type"]),
            },
        )
    for code, rec in r["licence_types"].items():
        d = rec.data
        _upsert(
            m.LicenceType,
            code,
            {
                "name": d["name"],
                "name_en": d["name_en"],
                "type_code": d["type_code"],
                "issuer_type": dept_type(d["issuer_type"]),
                "holder_kind": d["holder"],
            },
        )
    for code, rec in r["data_elements"].items():
        d = rec.data
        _upsert(
            m.DataElement,
            code,
            {
                **{
                    k: d[k]
                    for k in (
                        "name",
                        "name_en",
                        "type",
                        "choices",
                        "post_choices",
                        "max_length",
                        "sensitive",
                        "help_text",
                    )
                },
                "registry": registry(d["registry"]),
            },
        )
    for code, rec in r["material_types"].items():
        d = rec.data
        _upsert(
            m.MaterialType,
            code,
            {
                **{k: d[k] for k in ("name", "name_en", "description", "source", "file_types")},
                "registry": registry(d["registry"]),
                "licence_type": licence(d["licence_type"]),
            },
        )
    for code, rec in r["partners"].items():
        d = rec.data
        partner = _upsert(m.Partner, code, {"name": d["name"], "name_en": d["name_en"], "kind": d["kind"]})
        partner.regions.set([region(c) for c in d["regions"]])
    for code, rec in r["service_points"].items():
        d = rec.data
        _upsert(
            m.ServicePoint,
            code,
            {
                **{k: d[k] for k in ("name", "kind", "address", "hours", "phone", "latitude", "longitude")},
                "region": region(d["region"]),
            },
        )
    scalar_item_keys = (
        "basic_code",
        "name",
        "name_en",
        "item_type",
        "level",
        "legal_basis",
        "acceptance_conditions",
        "legal_limit_days",
        "promised_limit_days",
        "handling_type",
        "special_procedures",
        "visits",
        "visits_reason",
        "online",
        "online_depth",
        "postal",
        "window_class",
        "sole_approver_eligible",
        "needs_site_inspection",
        "instant_approval_eligible",
        "service_object",
        "notes",
        "fee_charged",
        "fee_description",
        "fee_basis",
        "result_name",
    )
    elements: dict[str, ElementInfo] = {}
    for code, rec in r["items"].items():
        d = rec.data
        if d.get("instant_rule") is not None and not elements:
            elements = {
                c: ElementInfo(c, name, type_, tuple(choices or ()), True)
                for c, name, type_, choices in m.DataElement.objects.values_list(
                    "code", "name", "type", "choices"
                )
            }
        item = _upsert(
            m.ServiceItem,
            code,
            {
                **{k: d[k] for k in scalar_item_keys},
                "department_type": dept_type(d["department"]),
                "result_licence_type": licence(d["result_licence_type"]),
                "produces": [e["element"] for e in d["produces"]],
                "instant_rule": _versioned_rule(code, d, elements),
            },
        )
        item.fields.all().delete()
        item.materials.all().delete()
        m.ItemField.objects.bulk_create(
            [
                m.ItemField(
                    item=item,
                    data_element=element(e["element"]),
                    required=e["required"],
                    when=e["when"],
                    position=i,
                )
                for i, e in enumerate(d["fields"])
            ]
        )
        m.ItemMaterial.objects.bulk_create(
            [
                m.ItemMaterial(
                    item=item,
                    material_type=material(e["material"]),
                    required=e["required"],
                    when=e["when"],
                    original=e["original"],
                    copies=e["copies"],
                    note=e["note"],
                    position=i,
                )
                for i, e in enumerate(d["materials"])
            ]
        )
        item_of.cache[code] = item
    for code, rec in r["packages"].items():
        store_package(code, rec.data, defs.sources.get(code, ""), rec.file, dept_type, region, item_of)
    return defs.count()


def _versioned_rule(code: str, d: dict[str, Any], elements: dict[str, ElementInfo]) -> dict[str, Any]:
    """The item's rule as stored: its version goes up whenever an import changes what it says.

    A removed rule keeps only its last version number, so a later rule never reuses a code.
    """
    previous = m.ServiceItem.objects.filter(code=code).values_list("instant_rule", flat=True).first() or {}
    last = int(previous.get("version") or 0)
    if d.get("instant_rule") is None:
        return {"version": last} if last else {}
    rule = instant_rule_of(code, d, elements)
    old = {k: v for k, v in previous.items() if k != "version"}
    version = last if last and old == rule.content() else last + 1
    return {"version": version, **rule.content()}


def store_package(
    code: str, d: dict[str, Any], source: str, file: str, dept_type: Any, region: Any, item_of: Any
) -> m.Package:
    source = source or dump_yaml({"code": code})
    values = {
        k: d[k]
        for k in ("name", "name_en", "summary", "summary_en", "theme", "promised_days", "keywords", "notes")
    }
    values["lead_department_type"] = dept_type(d["lead_department"])
    values["source_name"] = file
    values["scenarios"] = [{"name": s["name"], "answers": dict(s["answers"])} for s in d["scenarios"]]
    package = m.Package.objects.filter(code=code).first()
    if package is None:
        package = m.Package.objects.create(code=code, source=source, **values)
    else:
        if package.source != source:
            package.version += 1
        package.source = source
        for key, value in values.items():
            setattr(package, key, value)
        package.save()
    package.regions.set([region(c) for c in d["regions"]])
    package.questions.all().delete()
    package.package_items.all().delete()
    package.partner_steps.all().delete()
    m.PackageQuestion.objects.bulk_create(
        [
            m.PackageQuestion(
                package=package,
                ident=q["ident"],
                text=q["text"],
                text_en=q["text_en"],
                type=q["type"],
                choices=q["choices"],
                default=q["default"],
                help_text=q["help_text"],
                bind=q.get("bind", ""),
                position=i,
            )
            for i, q in enumerate(d["questions"])
        ]
    )
    m.PackageItem.objects.bulk_create(
        [
            m.PackageItem(
                package=package,
                item=item_of(e["item"]),
                binding=e["binding"],
                when=e["when"],
                after=e["after"],
                default_selected=e["default_selected"],
                note=e["note"],
                position=i,
            )
            for i, e in enumerate(d["items"])
        ]
    )
    m.PartnerStep.objects.bulk_create(
        [
            m.PartnerStep(
                package=package,
                code=s["code"],
                name=s["name"],
                name_en=s["name_en"],
                partner_kind=s["partner_kind"],
                when=s["when"],
                after=s["after"],
                days=s["days"],
                binding=s["binding"],
                default_selected=s["default_selected"],
                fields=s["fields"],
                position=i,
            )
            for i, s in enumerate(d["partner_steps"])
        ]
    )
    return package
