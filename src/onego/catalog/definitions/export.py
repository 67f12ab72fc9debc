"""Write the catalog back as definition files in the import format (round-trips through import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onego.catalog import models as m
from onego.catalog.definitions.source import dump_yaml


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop empty optional values so exported files read like hand-written ones."""
    return {k: v for k, v in d.items() if v not in ("", None, [], {})}


def catalog_documents() -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    docs["regions.yaml"] = {
        "regions": [
            _clean(
                {
                    "code": r.code,
                    "name": r.name,
                    "name_en": r.name_en,
                    "level": r.level,
                    "parent": r.parent.code if r.parent else None,
                    "lat": r.latitude,
                    "lon": r.longitude,
                }
            )
            for r in m.Region.objects.select_related("parent").order_by("code")
        ]
    }
    docs["departments.yaml"] = {
        "department_types": [
            _clean({"code": t.code, "name": t.name, "name_en": t.name_en})
            for t in m.DepartmentType.objects.all()
        ],
        "departments": [
            _clean(
                {
                    "code": d.code,
                    "name": d.name,
                    "name_en": d.name_en,
                    "type": d.type.code,
                    "region": d.region.code,
                    "uscc": d.uscc,
                    "address": d.address,
                    "phone": d.phone,
                }
            )
            for d in m.Department.objects.select_related("type", "region")
        ],
    }
    docs["registries.yaml"] = {
        "registries": [
            _clean(
                {
                    "code": r.code,
                    "name": r.name,
                    "name_en": r.name_en,
                    "type": r.department_type.code,
                    "connected": r.connected,
                }
            )
            for r in m.Registry.objects.select_related("department_type")
        ],
        "licence_types": [
            _clean(
                {
                    "code": t.code,
                    "name": t.name,
                    "name_en": t.name_en,
                    "issuer_type": t.issuer_type.code,
                    "holder": t.holder_kind,
                    "type_code": t.type_code,
                }
            )
            for t in m.LicenceType.objects.select_related("issuer_type")
        ],
        "partners": [
            _clean(
                {
                    "code": p.code,
                    "name": p.name,
                    "name_en": p.name_en,
                    "kind": p.kind,
                    "regions": [r.code for r in p.regions.all()],
                }
            )
            for p in m.Partner.objects.prefetch_related("regions")
        ],
        "service_points": [
            _clean(
                {
                    "code": s.code,
                    "name": s.name,
                    "kind": s.kind,
                    "region": s.region.code,
                    "address": s.address,
                    "hours": s.hours,
                    "phone": s.phone,
                    "lat": s.latitude,
                    "lon": s.longitude,
                }
            )
            for s in m.ServicePoint.objects.select_related("region")
        ],
    }
    docs["data_elements.yaml"] = {
        "data_elements": [
            _clean(
                {
                    "code": e.code,
                    "name": e.name,
                    "name_en": e.name_en,
                    "type": e.type,
                    "choices": e.choices,
                    "post_choices": e.post_choices,
                    "max_length": e.max_length,
                    "sensitive": e.sensitive or None,
                    "registry": e.registry.code if e.registry else None,
                    "help": e.help_text,
                }
            )
            for e in m.DataElement.objects.select_related("registry")
        ]
    }
    docs["material_types.yaml"] = {
        "material_types": [
            _clean(
                {
                    "code": t.code,
                    "name": t.name,
                    "name_en": t.name_en,
                    "description": t.description,
                    "registry": t.registry.code if t.registry else None,
                    "licence_type": t.licence_type.code if t.licence_type else None,
                    "source": t.source,
                    "file_types": t.file_types,
                }
            )
            for t in m.MaterialType.objects.select_related("registry", "licence_type")
        ]
    }
    docs["items.yaml"] = {
        "items": [
            item_document(i)
            for i in m.ServiceItem.objects.select_related(
                "department_type", "result_licence_type"
            ).prefetch_related("fields__data_element", "materials__material_type")
        ]
    }
    themes = [
        _clean({"code": t.code, "name": t.name, "name_en": t.name_en, "position": t.position})
        for t in m.PackageTheme.objects.all()
    ]
    groups = [
        _clean({"code": g.code, "name": g.name, "name_en": g.name_en}) for g in m.DataGroup.objects.all()
    ]
    if themes or groups:
        docs["themes.yaml"] = _clean({"themes": themes, "data_groups": groups})
    translations = [{"zh": t.code, "en": t.en} for t in m.Translation.objects.all()]
    if translations:
        docs["translations.yaml"] = {"translations": translations}
    for p in m.Package.objects.all():
        docs[f"packages/{p.code}.yaml"] = package_document(p)
    return docs


def item_document(i: m.ServiceItem) -> dict[str, Any]:
    fee: dict[str, Any] = {"charged": i.fee_charged}
    if i.fee_charged:
        fee.update(description=i.fee_description, basis=i.fee_basis)
    result = _clean(
        {"name": i.result_name, "licence_type": i.result_licence_type.code if i.result_licence_type else None}
    )
    fields = [
        f.data_element.code
        if f.required and not f.when
        else _clean({"element": f.data_element.code, "required": f.required, "when": f.when})
        for f in i.fields.all()
    ]
    materials = [
        u.material_type.code
        if u.required and not u.when and u.original and u.copies == 1 and not u.note
        else _clean(
            {
                "material": u.material_type.code,
                "required": u.required,
                "original": u.original,
                "copies": u.copies,
                "when": u.when,
                "note": u.note,
            }
        )
        for u in i.materials.all()
    ]
    return _clean(
        {
            "code": i.code,
            "basic_code": i.basic_code,
            "name": i.name,
            "name_en": i.name_en,
            "item_type": i.item_type,
            "department": i.department_type.code,
            "level": i.level,
            "legal_basis": i.legal_basis,
            "acceptance_conditions": i.acceptance_conditions,
            "legal_limit_days": i.legal_limit_days,
            "promised_limit_days": i.promised_limit_days,
            "handling_type": i.handling_type,
            "special_procedures": i.special_procedures,
            "fee": fee,
            "visits": i.visits,
            "visits_reason": i.visits_reason,
            "online": i.online,
            "online_depth": i.online_depth,
            "postal": i.postal,
            "result": result,
            "window_class": i.window_class,
            "sole_approver": i.sole_approver_eligible,
            "site_inspection": i.needs_site_inspection,
            "instant_approval": i.instant_approval_eligible,
            "service_object": i.service_object,
            "notes": i.notes,
            "fields": fields,
            "materials": materials,
            "produces": list(i.produces or []),
            "instant_rule": instant_rule_document(i.instant_rule or {}),
        }
    )


def instant_rule_document(rule: dict[str, Any]) -> dict[str, Any] | None:
    """An item's stored 秒批 rule as its definition file declares it (without the version)."""
    if not rule.get("checks"):
        return None

    def bilingual(zh: str, en: str) -> Any:
        return {"zh": zh, "en": en} if en else zh

    return {
        "explanation": bilingual(rule.get("explanation", ""), rule.get("explanation_en", "")),
        "checks": [
            _clean({"check": c["check"], "label": bilingual(c.get("label", ""), c.get("label_en", ""))})
            for c in rule["checks"]
        ],
        "examples": [
            _clean(
                {
                    "name": x.get("name", ""),
                    "data": x.get("data") or {},
                    "unverified": x.get("unverified") or [],
                    "expect": x["expect"],
                }
            )
            for x in rule.get("examples", [])
        ],
    }


def package_document(p: m.Package) -> dict[str, Any]:
    def bilingual(zh: str, en: str) -> Any:
        return {"zh": zh, "en": en} if en else zh

    return _clean(
        {
            "code": p.code,
            "name": bilingual(p.name, p.name_en),
            "summary": bilingual(p.summary, p.summary_en) if p.summary else None,
            "theme": p.theme,
            "regions": [r.code for r in p.regions.all()],
            "lead_department": p.lead_department_type.code,
            "promised_days": p.promised_days,
            "keywords": p.keywords,
            "notes": p.notes,
            "questions": [
                _clean(
                    {
                        "id": q.ident,
                        "text": bilingual(q.text, q.text_en),
                        "type": q.type,
                        "choices": q.choices,
                        "default": q.default,
                        "help": q.help_text,
                        "bind": q.bind,
                    }
                )
                for q in p.questions.all()
            ],
            "items": [
                _clean(
                    {
                        "item": pi.item.code,
                        "binding": pi.binding if pi.binding != "scenario" else None,
                        "when": pi.when,
                        "after": pi.after,
                        "default": False if not pi.default_selected else None,
                        "note": pi.note,
                    }
                )
                for pi in p.package_items.select_related("item")
            ],
            "partner_steps": [
                _clean(
                    {
                        "code": s.code,
                        "name": bilingual(s.name, s.name_en),
                        "partner": s.partner_kind,
                        "when": s.when,
                        "after": s.after,
                        "days": s.days,
                        "binding": s.binding if s.binding != "optional" else None,
                        "default": False if not s.default_selected else None,
                        "fields": s.fields,
                    }
                )
                for s in p.partner_steps.all()
            ],
            "scenarios": p.scenarios,
        }
    )


def export_catalog(target: Path) -> list[Path]:
    written = []
    for name, doc in catalog_documents().items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(doc), encoding="utf-8")
        written.append(path)
    return written
