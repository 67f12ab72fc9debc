"""Reads of the catalog, and the package compiler as callers use it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet

from onego.catalog import models as m
from onego.catalog.rules.expressions import QuestionSpec
from onego.catalog.rules.package import (
    CompiledPackage,
    CompileError,
    ElementSpec,
    FieldUse,
    ItemSpec,
    MaterialSpec,
    MaterialUse,
    PackageEntry,
    PackageSpec,
    compile_package,
)
from onego.core.errors import NotFound, ValidationFailed
from onego.core.validators import region_parent_code

ELICENCE_REGISTRY = "elicence"
LEVEL_RANK = {level: rank for rank, level in enumerate(m.LEVEL_ORDER)}


def region_by_code(code: str) -> m.Region:
    region = m.Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(f"行政区划“{code}”不存在", field="region")
    return region


def region_chain(region: m.Region) -> list[m.Region]:
    """The region and its ancestors, nearest first.

    The ancestors' codes follow from the region's code (GB/T 2260), so they are read in one query;
    the chain itself still follows the stored parent links, and a link the codes did not predict
    is read on its own.
    """
    codes = []
    code = region_parent_code(region.code)
    while code is not None:
        codes.append(code)
        code = region_parent_code(code)
    known = {r.pk: r for r in m.Region.objects.filter(code__in=codes)} if codes else {}
    chain = [region]
    while chain[-1].parent_id is not None:
        parent_id = chain[-1].parent_id
        parent = known.get(parent_id) or m.Region.objects.get(pk=parent_id)
        chain.append(parent)
    return chain


def packages_offered(region: m.Region | None = None) -> QuerySet[m.Package]:
    qs = (
        m.Package.objects.filter(active=True)
        .select_related("lead_department_type")
        .prefetch_related("regions")
    )
    if region is not None:
        qs = qs.filter(regions__in=region_chain(region)).distinct()
    return qs.order_by("theme", "code")


def package_by_code(code: str) -> m.Package:
    package = (
        m.Package.objects.filter(code=code, active=True)
        .select_related("lead_department_type")
        .prefetch_related(
            "regions",
            "questions",
            "partner_steps",
            Prefetch(
                "package_items",
                queryset=m.PackageItem.objects.select_related(
                    "item__department_type", "item__result_licence_type"
                ).prefetch_related(
                    Prefetch(
                        "item__fields", queryset=m.ItemField.objects.select_related("data_element__registry")
                    ),
                    Prefetch(
                        "item__materials",
                        queryset=m.ItemMaterial.objects.select_related(
                            "material_type__registry", "material_type__licence_type"
                        ),
                    ),
                ),
            ),
        )
        .first()
    )
    if package is None:
        raise NotFound(f"没有找到一件事套餐“{code}”", field="package")
    return package


def is_offered(package: m.Package, region: m.Region, *, chain: list[m.Region] | None = None) -> bool:
    chain_ids = {r.pk for r in (chain if chain is not None else region_chain(region))}
    return any(r.pk in chain_ids for r in package.regions.all())


class DepartmentResolver:
    """Finds, for the applicant's region, the department of a type that exercises an item at its level."""

    def __init__(self, region: m.Region, *, chain: list[m.Region] | None = None) -> None:
        self.chain = chain if chain is not None else region_chain(region)
        by_region: dict[Any, dict[str, m.Department]] = {}
        for dept in m.Department.objects.filter(region__in=self.chain).select_related("type"):
            by_region.setdefault(dept.region_id, {}).setdefault(dept.type.code, dept)
        self.by_region = by_region

    def resolve(self, type_code: str, level: str = "township") -> m.Department | None:
        for region in self.chain:
            if LEVEL_RANK[region.level] > LEVEL_RANK.get(level, 4):
                continue  # below the level that exercises the item
            dept = self.by_region.get(region.pk, {}).get(type_code)
            if dept is not None:
                return dept
        return None


def _element_spec(el: m.DataElement) -> ElementSpec:
    connected = el.registry is not None and el.registry.connected
    return ElementSpec(
        code=el.code,
        name=el.name,
        type=el.type,
        choices=tuple(el.choices or ()),
        sensitive=el.sensitive,
        registry=el.registry.code if connected and el.registry else "",
        registry_name=el.registry.name if connected and el.registry else "",
    )


def _material_spec(mt: m.MaterialType, elicence_connected: bool) -> MaterialSpec:
    registry_ok = mt.registry is not None and mt.registry.connected
    licence_ok = mt.licence_type is not None and elicence_connected
    return MaterialSpec(
        code=mt.code,
        name=mt.name,
        registry=mt.registry.code if registry_ok and mt.registry else "",
        registry_name=mt.registry.name if registry_ok and mt.registry else "",
        licence_type=mt.licence_type.code if mt.licence_type else "",
        licence_name=mt.licence_type.name if licence_ok and mt.licence_type else "",
        file_types=tuple(mt.file_types or ()),
    )


def _fee(item: m.ServiceItem) -> str:
    return item.fee_description if item.fee_charged else "不收费"


def package_spec(package: m.Package, region: m.Region, *, chain: list[m.Region] | None = None) -> PackageSpec:
    resolver = DepartmentResolver(region, chain=chain)
    elicence_connected = m.Registry.objects.filter(code=ELICENCE_REGISTRY, connected=True).exists()
    elements = {el.code: el for el in m.DataElement.objects.select_related("registry")}
    entries: list[PackageEntry] = []
    for pi in package.package_items.all():
        item = pi.item
        dept = resolver.resolve(item.department_type.code, item.level)
        spec = ItemSpec(
            code=item.code,
            name=item.name,
            department_type=item.department_type.code,
            department=dept.name if dept else "",
            department_code=dept.code if dept else "",
            legal_days=item.legal_limit_days,
            promised_days=item.promised_limit_days,
            visits=item.visits,
            online=item.online,
            window_class=item.window_class,
            result_name=item.result_name,
            result_licence_type=item.result_licence_type.code if item.result_licence_type else "",
            fee=_fee(item),
            sole_approver=item.sole_approver_eligible,
            instant_approval=item.instant_approval_eligible,
            site_inspection=item.needs_site_inspection,
            fields=tuple(
                FieldUse(_element_spec(f.data_element), f.required, f.when) for f in item.fields.all()
            ),
            materials=tuple(
                MaterialUse(
                    _material_spec(u.material_type, elicence_connected),
                    u.required,
                    u.when,
                    u.original,
                    u.copies,
                    u.note,
                )
                for u in item.materials.all()
            ),
            produces=tuple(item.produces or ()),
        )
        entries.append(
            PackageEntry(
                code=item.code,
                binding=pi.binding,
                when=pi.when,
                after=tuple(pi.after),
                default_selected=pi.default_selected,
                item=spec,
            )
        )
    for step in package.partner_steps.all():
        entries.append(
            PackageEntry(
                code=step.code,
                binding=step.binding,
                when=step.when,
                after=tuple(step.after),
                default_selected=step.default_selected,
                name=step.name,
                partner_kind=step.partner_kind,
                days=step.days,
                fields=tuple(_element_spec(elements[c]) for c in step.fields if c in elements),
            )
        )
    lead = resolver.resolve(package.lead_department_type.code, "village")
    questions = tuple(
        QuestionSpec(ident=q.ident, type=q.type, choices=tuple(q.choices or ()), text=q.text)
        for q in package.questions.all()
    )
    return PackageSpec(
        code=package.code,
        name=package.name,
        lead_department=lead.name if lead else package.lead_department_type.name,
        promised_days=package.promised_days,
        questions=questions,
        defaults={q.ident: q.default for q in package.questions.all() if q.default is not None},
        entries=tuple(entries),
    )


def compile_for(
    *,
    package_code: str,
    region_code: str,
    answers: Mapping[str, Any],
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> CompiledPackage:
    """Compile a package for a region and answers; refuses with a clear error rather than guessing."""
    package = package_by_code(package_code)
    region = region_by_code(region_code)
    # The region chain is read once per compile: both the offer check and department resolution walk it.
    chain = region_chain(region)
    if not is_offered(package, region, chain=chain):
        offered = "、".join(r.name for r in package.regions.all())
        raise ValidationFailed(
            f"“{package.name}”尚未在{region.name}提供（提供地区：{offered}）", field="region"
        )
    try:
        return compile_package(
            package_spec(package, region, chain=chain),
            region=region.code,
            answers=answers,
            add=add,
            drop=drop,
        )
    except CompileError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc


def main_scenario(package: m.Package) -> dict[str, Any]:
    return dict(package.scenarios[0]["answers"]) if package.scenarios else {}
