"""The consent preview (授权预览): exactly what will be fetched, from where, under which contract.

Built as a pure function from the compiled package and the contracts, so what the applicant is shown is
what `prefill` later reads — nothing more. The preview is stored on the consent as its scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from onego.catalog.rules.package import APPLICANT, CompiledPackage, CompiledSubject
from onego.exchange.rules import Consumer, ContractTerms, What, explain_denial, find_grant

ELICENCE_REGISTRY = "elicence"
NOTE_NOT_SUPPLIED = "数据源接口暂不提供该项，请自行填写"
NOTE_NOT_GRANTED = "共享协议未授权读取，请自行填写"
NOTE_NOT_GRANTED_MATERIAL = "共享协议未授权核验，请自行上传"


def note_own_consent(subject_name: str, what: str) -> str:
    """Why a datum or material of another adult is not read under the applicant's consent."""
    return f"属于{subject_name}的{what}须由其本人授权，未经本人授权不查询，请自行{'填写' if what == '数据' else '上传'}"


def package_purpose(package_name: str) -> str:
    """The purpose every starter package contract is agreed for."""
    return f"办理「{package_name}」"


@dataclass(frozen=True)
class PreviewElement:
    element: str
    name: str
    sensitive: bool
    contract: str  # code@vN
    used_by: list[str] = field(default_factory=list)
    subject: str = APPLICANT  # whose datum
    # Another adult's (`consent: own`): read only when the registry names the applicant as that person
    # (the mother applying for her newborn), under her own consent; otherwise left to type.
    only_if_applicant: bool = False


@dataclass(frozen=True)
class PreviewMaterial:
    material: str
    name: str
    licence_type: str  # "" when a registry (not an e-licence) verifies it
    contract: str
    used_by: list[str] = field(default_factory=list)
    subject: str = APPLICANT  # whose material: verified for that person
    only_if_applicant: bool = False  # as for PreviewElement
    material_type: str = ""  # the catalog type when `material` is a per-person slot (MaterialLine)


@dataclass(frozen=True)
class PreviewSubject:
    """Another person this consent reads about, and on whose authority (stated to the applicant)."""

    code: str
    name: str
    consent: str  # guardian | representative | own
    consent_text: str
    identity: str  # the element naming them in this application ("" = through the applicant's record)
    elements: list[str] = field(default_factory=list)  # read under this consent
    materials: list[str] = field(default_factory=list)  # verified for them under this consent
    # `own`: read or verified only if the registry names the applicant as this person (their own consent)
    if_applicant: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PreviewRegistry:
    registry: str
    name: str
    elements: list[PreviewElement]
    materials: list[PreviewMaterial]


@dataclass(frozen=True)
class PreviewDenial:
    kind: str  # element | material
    code: str
    name: str
    registry: str
    registry_name: str
    reason: str


@dataclass(frozen=True)
class PreviewLine:
    code: str
    name: str
    note: str = ""


@dataclass(frozen=True)
class ConsentPreview:
    """What the applicant sees before agreeing. `registries` is what will be read; the rest is theirs."""

    package_code: str
    package_name: str
    region_code: str
    lead_department: str
    purpose: str
    subject_kind: str
    answers: dict[str, Any]
    add: list[str]
    drop: list[str]
    items: list[str]
    registries: list[PreviewRegistry]
    denied: list[PreviewDenial]
    to_type: list[PreviewLine]  # fields no registry supplies: the applicant types them
    to_upload: list[PreviewLine]  # materials no registry or e-licence verifies
    produced: list[PreviewLine]  # materials an earlier item of this package issues (no read needed)
    separate_fetches: int  # fetches the same data would take item by item (the papers' "8 clicks")
    subjects: list[PreviewSubject] = field(default_factory=list)  # whose data besides the applicant's

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def element_count(self) -> int:
        return sum(len(r.elements) for r in self.registries)

    @property
    def material_count(self) -> int:
        return sum(len(r.materials) for r in self.registries)

    def registry(self, code: str) -> PreviewRegistry | None:
        return next((r for r in self.registries if r.registry == code), None)


@dataclass
class _Bucket:
    name: str
    elements: list[PreviewElement] = field(default_factory=list)
    materials: list[PreviewMaterial] = field(default_factory=list)


def consumers_for(
    package_code: str, used_by: Iterable[str], department_types: Mapping[str, str]
) -> list[Consumer]:
    """Most specific first: the package, then the items that use the datum, then their department types."""
    items = [code for code in used_by if code in department_types]
    consumers: list[Consumer] = [("package", package_code)]
    consumers += [("item", code) for code in items]
    for code in items:
        consumer = ("department_type", department_types[code])
        if consumer not in consumers:
            consumers.append(consumer)
    return consumers


def build_preview(
    compiled: CompiledPackage,
    *,
    contracts: Sequence[ContractTerms],
    department_types: Mapping[str, str],
    registry_names: Mapping[str, str],
    purpose: str,
    subject_kind: str,
    day: dt.date,
    held: Mapping[str, frozenset[str]] | None = None,
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> ConsentPreview:
    """`department_types`: item code → department type code, for the included items.
    `held`: registry → the elements its interface supplies (None: trust the catalog), so nothing is
    promised that the registry cannot answer.
    """
    buckets: dict[str, _Bucket] = {}
    denied: list[PreviewDenial] = []
    to_type: list[PreviewLine] = []
    to_upload: list[PreviewLine] = []
    produced: list[PreviewLine] = []
    separate = 0

    def decide(what: What, code: str, name: str, used_by: list[str], registry: str) -> ContractTerms | None:
        consumers = consumers_for(compiled.package, used_by, department_types)
        grant = find_grant(contracts, consumers=consumers, purpose=purpose, what=what, code=code, day=day)
        if grant is None:
            reason = explain_denial(
                contracts, consumers=consumers, purpose=purpose, what=what, code=code, name=name, day=day
            )
            denied.append(
                PreviewDenial(
                    kind="element" if what == "element" else "material",
                    code=code,
                    name=name,
                    registry=registry,
                    registry_name=registry_names.get(registry, registry),
                    reason=reason,
                )
            )
        return grant

    def bucket(registry: str) -> _Bucket:
        return buckets.setdefault(registry, _Bucket(registry_names.get(registry, registry)))

    subjects: dict[str, CompiledSubject] = {s.code: s for s in compiled.subjects}

    def only_own(subject: str, element: str = "") -> bool:
        """True when the datum or material is another adult's (`consent: own`): the applicant's consent
        covers it only if the registry names the applicant as that very person (decided at prefill,
        `onego.exchange.services`). Their identity and name are part of the application itself (read from
        the applicant's own record such as the child's birth certificate), so those are always read."""
        s = subjects.get(subject)
        return (
            s is not None and s.consent == "own" and not (element and element in (s.identity, s.name_element))
        )

    for group in compiled.form:
        for f in group.fields:
            if f.produced_by:
                continue  # an earlier item of the package creates it: neither fetched nor typed
            if not f.prefill_registry:
                to_type.append(PreviewLine(f.element, f.name))
                continue
            if held is not None and f.element not in held.get(f.prefill_registry, frozenset()):
                to_type.append(PreviewLine(f.element, f.name, NOTE_NOT_SUPPLIED))
                continue
            separate += len([u for u in f.used_by if u in department_types]) or 1
            grant = decide("element", f.element, f.name, f.used_by, f.prefill_registry)
            if grant is not None:
                bucket(f.prefill_registry).elements.append(
                    PreviewElement(
                        f.element,
                        f.name,
                        f.sensitive,
                        grant.label,
                        list(f.used_by),
                        f.subject,
                        only_own(f.subject, f.element),
                    )
                )

    for line in compiled.materials:
        source, _, code = line.verified_by.partition(":")
        if not line.exempt or not source:
            to_upload.append(PreviewLine(line.material, line.name))
            continue
        if source == "package":
            produced.append(PreviewLine(line.material, line.name, line.exempt_reason))
            continue
        separate += len(line.used_by)
        what: What
        if source == "licence":  # an e-licence proves it: a read of the e-licence library
            registry, what, key, licence = ELICENCE_REGISTRY, "licence_type", code, code
        else:
            registry, what, key, licence = code, "material", line.type_code, ""
        grant = decide(what, key, line.name, line.used_by, registry)
        if grant is None:
            to_upload.append(PreviewLine(line.material, line.name, NOTE_NOT_GRANTED_MATERIAL))
            continue
        bucket(registry).materials.append(
            PreviewMaterial(
                line.material,
                line.name,
                licence,
                grant.label,
                list(line.used_by),
                line.subject,
                only_own(line.subject),
                line.material_type,
            )
        )

    # In the order the merged form first needs each registry, which is how the applicant reads it.
    registries = [PreviewRegistry(code, b.name, b.elements, b.materials) for code, b in buckets.items()]
    for d in denied:
        if d.kind == "element":
            to_type.append(PreviewLine(d.code, d.name, NOTE_NOT_GRANTED))
    read_elements = [e for r in registries for e in r.elements]
    read_materials = [m for r in registries for m in r.materials]
    covered = [
        PreviewSubject(
            code=s.code,
            name=s.name,
            consent=s.consent,
            consent_text=s.consent_text,
            identity=s.identity,
            elements=[e.element for e in read_elements if e.subject == s.code and not e.only_if_applicant],
            materials=[m.material for m in read_materials if m.subject == s.code and not m.only_if_applicant],
            if_applicant=[e.element for e in read_elements if e.subject == s.code and e.only_if_applicant]
            + [m.material for m in read_materials if m.subject == s.code and m.only_if_applicant],
        )
        for s in compiled.subjects
    ]
    return ConsentPreview(
        package_code=compiled.package,
        package_name=compiled.name,
        region_code=compiled.region,
        lead_department=compiled.lead_department,
        purpose=purpose,
        subject_kind=subject_kind,
        answers=dict(compiled.answers),
        add=list(add),
        drop=list(drop),
        items=[e.code for e in compiled.items],
        registries=registries,
        denied=denied,
        to_type=to_type,
        to_upload=to_upload,
        produced=produced,
        separate_fetches=separate,
        subjects=covered,
    )
