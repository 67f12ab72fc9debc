"""Reads of the catalog, and the package compiler as callers use it.

The expensive reads (a package with its items, a region's ancestors and departments, the compiler's
inputs per package and region) are memoised per process and checked against the catalog revision with
one query per call (onego.catalog.cache). Model instances are kept pickled, so every caller gets its own
copy; the compiler's inputs are frozen dataclasses and never leave this module.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Prefetch, QuerySet

from onego.catalog import models as m
from onego.catalog.cache import Generation, generation
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
    SubjectSpec,
    compile_package,
)
from onego.core.errors import NotFound, ValidationFailed
from onego.core.validators import region_parent_code

ELICENCE_REGISTRY = "elicence"
LEVEL_RANK = {level: rank for rank, level in enumerate(m.LEVEL_ORDER)}


# The memo holds only bytes this module pickled itself, never data from outside the process.
def _copy_of(blob: bytes) -> Any:
    return pickle.loads(blob)  # noqa: S301


def _region(gen: Generation, code: str) -> m.Region:
    # A miss is memoised too (as None): the next revision, e.g. an import adding the region, clears it.
    blob = gen.get("region", code, lambda: pickle.dumps(m.Region.objects.filter(code=code).first()))
    region: m.Region | None = _copy_of(blob)
    if region is None:
        raise NotFound(f"行政区划“{code}”不存在", field="region")
    return region


def region_by_code(code: str) -> m.Region:
    return _region(generation(), code)


def _read_ancestors(region: m.Region) -> list[m.Region]:
    codes = []
    code = region_parent_code(region.code)
    while code is not None:
        codes.append(code)
        code = region_parent_code(code)
    known = {r.pk: r for r in m.Region.objects.filter(code__in=codes)} if codes else {}
    ancestors: list[m.Region] = []
    parent_id = region.parent_id
    while parent_id is not None:
        parent = known.get(parent_id) or m.Region.objects.get(pk=parent_id)
        ancestors.append(parent)
        parent_id = parent.parent_id
    return ancestors


def _chain(gen: Generation, region: m.Region) -> list[m.Region]:
    if region.parent_id is None:
        return [region]
    # Keyed by the parent link and the code, the two things the walk starts from.
    key = (region.parent_id, region.code)
    ancestors: list[m.Region] = _copy_of(
        gen.get("ancestors", key, lambda: pickle.dumps(_read_ancestors(region)))
    )
    return [region, *ancestors]


def region_chain(region: m.Region) -> list[m.Region]:
    """The region and its ancestors, nearest first.

    The ancestors' codes follow from the region's code (GB/T 2260), so they are read in one query;
    the chain itself still follows the stored parent links, and a link the codes did not predict
    is read on its own.
    """
    if region.parent_id is None:
        return [region]
    return _chain(generation(), region)


def packages_offered(region: m.Region | None = None) -> QuerySet[m.Package]:
    qs = (
        m.Package.objects.filter(active=True)
        .select_related("lead_department_type")
        .prefetch_related("regions")
    )
    if region is not None:
        qs = qs.filter(regions__in=region_chain(region)).distinct()
    return qs.order_by("theme", "code")


def _read_package(code: str) -> m.Package | None:
    return (
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


def _package(gen: Generation, code: str) -> m.Package:
    # Pickling keeps the prefetched rows, so the copy answers `.all()` on them without a query.
    package: m.Package | None = _copy_of(gen.get("package", code, lambda: pickle.dumps(_read_package(code))))
    if package is None:
        raise NotFound(f"没有找到一件事套餐“{code}”", field="package")
    return package


def package_by_code(code: str) -> m.Package:
    return _package(generation(), code)


def is_offered(package: m.Package, region: m.Region, *, chain: list[m.Region] | None = None) -> bool:
    chain_ids = {r.pk for r in (chain if chain is not None else region_chain(region))}
    return any(r.pk in chain_ids for r in package.regions.all())


@dataclass(frozen=True)
class _Department:
    code: str
    name: str
    blob: bytes  # the pickled Department (with its type), for callers that want the instance


def _departments(gen: Generation, chain: Sequence[m.Region]) -> dict[Any, dict[str, _Department]]:
    def read() -> dict[Any, dict[str, _Department]]:
        by_region: dict[Any, dict[str, _Department]] = {}
        for dept in m.Department.objects.filter(region__in=chain).select_related("type"):
            by_region.setdefault(dept.region_id, {}).setdefault(
                dept.type.code, _Department(dept.code, dept.name, pickle.dumps(dept))
            )
        return by_region

    return gen.get("departments", tuple(r.pk for r in chain), read)


def _resolve(
    chain: Sequence[m.Region], by_region: Mapping[Any, Mapping[str, _Department]], type_code: str, level: str
) -> _Department | None:
    for region in chain:
        if LEVEL_RANK[region.level] > LEVEL_RANK.get(level, 4):
            continue  # below the level that exercises the item
        dept = by_region.get(region.pk, {}).get(type_code)
        if dept is not None:
            return dept
    return None


class DepartmentResolver:
    """Finds, for the applicant's region, the department of a type that exercises an item at its level."""

    def __init__(self, region: m.Region, *, chain: list[m.Region] | None = None) -> None:
        gen = generation()
        self.chain = chain if chain is not None else _chain(gen, region)
        self._by_region = _departments(gen, self.chain)

    def resolve(self, type_code: str, level: str = "township") -> m.Department | None:
        dept = _resolve(self.chain, self._by_region, type_code, level)
        return _copy_of(dept.blob) if dept is not None else None


def departments_by_code(codes: Sequence[str]) -> dict[str, m.Department]:
    """The departments with these codes (those that exist), by code, each the caller's own copy."""
    key = tuple(sorted(set(codes)))

    def read() -> dict[str, bytes]:
        found = m.Department.objects.select_related("type", "region").in_bulk(list(key), field_name="code")
        return {code: pickle.dumps(dept) for code, dept in found.items()}

    return {code: _copy_of(blob) for code, blob in generation().get("department_codes", key, read).items()}


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
        post_choices=tuple(el.post_choices or ()),
        subject=el.subject or m.APPLICANT_SUBJECT,
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


def _elicence_connected(gen: Generation) -> bool:
    return gen.get(
        "registry",
        ELICENCE_REGISTRY,
        lambda: m.Registry.objects.filter(code=ELICENCE_REGISTRY, connected=True).exists(),
    )


def _element_specs(gen: Generation) -> dict[str, ElementSpec]:
    return gen.get(
        "elements",
        None,
        lambda: {el.code: _element_spec(el) for el in m.DataElement.objects.select_related("registry")},
    )


def package_spec(package: m.Package, region: m.Region, *, chain: list[m.Region] | None = None) -> PackageSpec:
    gen = generation()
    return _package_spec(gen, package, chain if chain is not None else _chain(gen, region))


def _package_spec(gen: Generation, package: m.Package, chain: list[m.Region]) -> PackageSpec:
    by_region = _departments(gen, chain)
    elicence_connected = _elicence_connected(gen)
    elements = _element_specs(gen)
    entries: list[PackageEntry] = []
    for pi in package.package_items.all():
        item = pi.item
        dept = _resolve(chain, by_region, item.department_type.code, item.level)
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
                    u.subject or m.APPLICANT_SUBJECT,
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
                fields=tuple(elements[c] for c in step.fields if c in elements),
            )
        )
    lead = _resolve(chain, by_region, package.lead_department_type.code, "village")
    questions = tuple(
        QuestionSpec(
            ident=q.ident,
            type=q.type,
            choices=tuple(q.choices or ()),
            text=q.text,
            bind=q.bind,
            bind_name=_bind_name(q.bind, elements),
        )
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
        subjects=_subject_specs(gen, elements),
    )


def _subject_specs(gen: Generation, elements: Mapping[str, ElementSpec]) -> tuple[SubjectSpec, ...]:
    """The catalog's subjects (other than the applicant), memoised with the catalog revision."""

    def read() -> tuple[SubjectSpec, ...]:
        return tuple(
            SubjectSpec(
                code=s.code,
                name=s.name,
                consent=s.consent,
                kind=s.kind,
                identity=elements.get(s.identity) if s.identity else None,
                name_element=s.name_element,
            )
            for s in m.DataSubject.objects.all()
        )

    return gen.get("subjects", None, read)


LICENCE_BIND = "licence:"


def _bind_name(bind: str, elements: Mapping[str, ElementSpec]) -> str:
    if bind.startswith(LICENCE_BIND):
        # Read when a package's spec is built, which is itself memoised per package and region.
        code = bind.removeprefix(LICENCE_BIND)
        name = m.LicenceType.objects.filter(code=code).values_list("name", flat=True).first()
        return str(name or code)
    element = elements.get(bind)
    return element.name if element else bind


@dataclass(frozen=True)
class _Offered:
    """What a compile needs that does not depend on the answers, for one package and region."""

    spec: PackageSpec
    package_row: bytes  # the pickled Package without its related rows
    region_row: bytes
    group_titles: dict[str, str] = field(default_factory=dict)  # declared `data_groups` titles


def _offered(gen: Generation, package_code: str, region_code: str) -> _Offered:
    package = _package(gen, package_code)
    region = _region(gen, region_code)
    # The region chain is read once per compile: both the offer check and department resolution walk it.
    chain = _chain(gen, region)
    if not is_offered(package, region, chain=chain):
        offered = "、".join(r.name for r in package.regions.all())
        raise ValidationFailed(
            f"“{package.name}”尚未在{region.name}提供（提供地区：{offered}）", field="region"
        )
    spec = _package_spec(gen, package, chain)
    package.__dict__.pop("_prefetched_objects_cache", None)
    titles = dict(m.DataGroup.objects.values_list("code", "name"))
    return _Offered(spec, pickle.dumps(package), pickle.dumps(region), titles)


def _compile(
    gen: Generation,
    package_code: str,
    region_code: str,
    answers: Mapping[str, Any],
    add: Sequence[str],
    drop: Sequence[str],
    data: Mapping[str, Any] | None = None,
) -> tuple[CompiledPackage, _Offered]:
    offered = gen.get("spec", (package_code, region_code), lambda: _offered(gen, package_code, region_code))
    try:
        # The region was read by this very code (`_region`), so the code is the region's own.
        compiled = compile_package(
            offered.spec, region=region_code, answers=answers, add=add, drop=drop, data=data
        )
    except CompileError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc
    if offered.group_titles:
        titles = offered.group_titles
        compiled = replace(
            compiled, form=[replace(g, title=titles.get(g.group, g.title)) for g in compiled.form]
        )
    return compiled, offered


def compile_for(
    *,
    package_code: str,
    region_code: str,
    answers: Mapping[str, Any],
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
    data: Mapping[str, Any] | None = None,
) -> CompiledPackage:
    """Compile a package for a region and answers; refuses with a clear error rather than guessing.

    `data`: known data that answers bound questions (form values by element code, registry facts as
    "licence:<type>" → bool); an answer contradicting it is refused naming the datum.

    What does not depend on the answers (the package's spec for the region) is memoised per package and
    region; the compiler itself runs every time and builds a new result.
    """
    return _compile(generation(), package_code, region_code, answers, add, drop, data)[0]


@dataclass(frozen=True)
class CompiledWithRows:
    compiled: CompiledPackage
    package: m.Package  # the row the package was compiled from (its related rows are not loaded)
    region: m.Region


def compile_with_rows(
    *,
    package_code: str,
    region_code: str,
    answers: Mapping[str, Any],
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
    data: Mapping[str, Any] | None = None,
) -> CompiledWithRows:
    """`compile_for`, and the package and region rows it was compiled from, read at the same revision.

    For a caller that stores the result against those rows (a submission): it needs no query of its own
    for them, and the row's `version` is the one the compiled package came from.
    """
    compiled, offered = _compile(generation(), package_code, region_code, answers, add, drop, data)
    return CompiledWithRows(compiled, _copy_of(offered.package_row), _copy_of(offered.region_row))


def main_scenario(package: m.Package) -> dict[str, Any]:
    return dict(package.scenarios[0]["answers"]) if package.scenarios else {}


def instant_rule_data(item_code: str) -> dict[str, Any]:
    """An item's stored 秒批 rule (catalog/instant_rules.py), `{}` when it declares none."""
    data = m.ServiceItem.objects.filter(code=item_code).values_list("instant_rule", flat=True).first()
    return dict(data or {})


def instant_explanations(item_codes: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Item code → (Chinese, English) plain-language explanation of its 秒批 rule, for guides."""
    out: dict[str, tuple[str, str]] = {}
    for code, rule in m.ServiceItem.objects.filter(code__in=list(item_codes)).values_list(
        "code", "instant_rule"
    ):
        if rule and rule.get("checks"):
            out[code] = (str(rule.get("explanation", "")), str(rule.get("explanation_en", "")))
    return out


def theme_choices() -> list[tuple[str, str, str]]:
    """(code, name, English name) of every theme: the built-in ones, then those the catalog declares."""
    declared = [(t.code, t.name, t.name_en) for t in m.PackageTheme.objects.all()]
    names = {code for code, _, _ in declared}
    builtin = [(code, str(label), "") for code, label in m.Theme.choices if code not in names]
    return builtin + declared


def licence_bindings(package_code: str) -> dict[str, str]:
    """Question id → licence type code, for the package's questions bound to an e-licence
    (`bind: licence:<type>`): the callers that may read the e-licence library answer them."""
    package = package_by_code(package_code)
    return {
        q.ident: q.bind.removeprefix(LICENCE_BIND)
        for q in package.questions.all()
        if q.bind.startswith(LICENCE_BIND)
    }
