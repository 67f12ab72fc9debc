"""Catalog and package compiler endpoints. Thin: parse, call a selector, shape the answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from onego.api.errors import ErrorOut
from onego.catalog import models as m
from onego.catalog.selectors import compile_for, package_by_code, packages_offered, region_by_code

router = Router(tags=["catalog"])


class RegionOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    parent: str | None


class QuestionOut(Schema):
    id: str
    text: str
    text_en: str
    type: str
    choices: list[str]
    default: Any = None
    help: str


class PackageItemOut(Schema):
    item: str
    name: str
    binding: str
    when: str
    after: list[str]
    department_type: str


class PackageSummaryOut(Schema):
    code: str
    name: str
    name_en: str
    theme: str
    theme_name: str
    lead_department_type: str
    promised_days: int | None
    regions: list[str]


class PackageOut(PackageSummaryOut):
    summary: str
    summary_en: str
    version: int
    keywords: list[str]
    questions: list[QuestionOut]
    items: list[PackageItemOut]
    scenarios: list[dict[str, Any]]


class CompileIn(Schema):
    region: str = Field(..., description="GB/T 2260 code of the applicant's region", examples=["520100"])
    answers: dict[str, Any] = Field(
        default_factory=dict, examples=[{"has_licence": False, "floor_area": 500}]
    )
    add: list[str] = Field(default_factory=list, description="optional items the applicant adds")
    drop: list[str] = Field(default_factory=list, description="optional items the applicant drops")


def _summary(p: m.Package) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "name_en": p.name_en,
        "theme": p.theme,
        "theme_name": p.get_theme_display(),
        "lead_department_type": p.lead_department_type.code,
        "promised_days": p.promised_days,
        "regions": [r.code for r in p.regions.all()],
    }


@router.get("/regions", response=list[RegionOut], summary="List regions (GB/T 2260)")
def list_regions(request: HttpRequest, parent: str | None = None) -> list[dict[str, Any]]:
    qs = m.Region.objects.select_related("parent")
    if parent:
        qs = qs.filter(parent__code=parent)
    return [
        {
            "code": r.code,
            "name": r.name,
            "name_en": r.name_en,
            "level": r.level,
            "parent": r.parent.code if r.parent else None,
        }
        for r in qs
    ]


@router.get(
    "/packages", response=list[PackageSummaryOut], summary="List packages, optionally offered in a region"
)
def list_packages(
    request: HttpRequest, region: str | None = None, theme: str | None = None
) -> list[dict[str, Any]]:
    qs = packages_offered(region_by_code(region) if region else None)
    if theme:
        qs = qs.filter(theme=theme)
    return [_summary(p) for p in qs]


@router.get("/packages/{code}", response={200: PackageOut, 404: ErrorOut}, summary="A package definition")
def get_package(request: HttpRequest, code: str) -> dict[str, Any]:
    p = package_by_code(code)
    return {
        **_summary(p),
        "summary": p.summary,
        "summary_en": p.summary_en,
        "version": p.version,
        "keywords": p.keywords,
        "scenarios": p.scenarios,
        "questions": [
            {
                "id": q.ident,
                "text": q.text,
                "text_en": q.text_en,
                "type": q.type,
                "choices": q.choices,
                "default": q.default,
                "help": q.help_text,
            }
            for q in p.questions.all()
        ],
        "items": [
            {
                "item": pi.item.code,
                "name": pi.item.name,
                "binding": pi.binding,
                "when": pi.when,
                "after": pi.after,
                "department_type": pi.item.department_type.code,
            }
            for pi in p.package_items.all()
        ],
    }


@router.post(
    "/packages/{code}/compile",
    response={200: dict[str, Any], 400: ErrorOut, 404: ErrorOut},
    summary="Compile a package for a region and scenario answers",
    description="Items that apply, stages, the merged form, the deduplicated material list with exemptions, "
    "time (critical path against serial) and burden figures against doing the items one by one.",
)
def compile_package(request: HttpRequest, code: str, payload: CompileIn) -> dict[str, Any]:
    compiled = compile_for(
        package_code=code,
        region_code=payload.region,
        answers=payload.answers,
        add=payload.add,
        drop=payload.drop,
    )
    return compiled.to_dict()
