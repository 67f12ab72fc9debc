"""Ask once (一次告知、一表申请): what an application asks, step by step, and every datum asked twice.

`onego package check CODE | --all` walks each package's declared scenarios (its `scenarios`, or its
defaults when it declares none) the way every channel runs an application:

    questions (those known data does not answer) → contact step (phone, e-mail, delivery) → consent and
    prefill (registry-sourced fields) → the merged form (`formdata.asked_groups`: what is left to type)

and lists, per package:

- `asked_twice`: one datum asked twice — a question and a form field for the same datum, the same datum
  in two groups of the form, contact details asked in the contact step and again in the form, the mailing
  address asked although the result is delivered electronically, prefilled data asked again;
- `unbound_question`: a question asked on its own although a datum exists that could answer it (a data
  element of that name, an e-licence it asks about): bind it (`bind:` in the package, see
  docs/package-format.md);
- `no_contract`: a registry-sourced datum (a prefilled field, an e-licence a question is bound to) that no
  sharing contract in force for the package grants: prefill would be refused.

Datum identity is decided by the catalog (element codes, `bind`) and, for data the catalog does not
connect, by name: two fields or a question and a field whose names are the same once units and notes in
brackets are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from onego.cases.formdata import CONTACT_ELEMENTS, POSTAL_PREFIX, asked_groups, form_fields, not_asked
from onego.cases.models import DeliveryMethod
from onego.catalog import models as cm
from onego.catalog.selectors import compile_for, package_by_code
from onego.core import clock
from onego.core.errors import OneGoError
from onego.exchange.models import ConsumerKind
from onego.exchange.selectors import active_terms

ASKED_TWICE = "asked_twice"
UNBOUND = "unbound_question"
NO_CONTRACT = "no_contract"
KIND_LABELS = {ASKED_TWICE: "重复询问", UNBOUND: "问题未绑定数据", NO_CONTRACT: "无共享协议"}

# Which element types can answer which question type (as `bind` allows, definitions/check.py).
_ANSWERS = {
    "bool": {"bool"},
    "number": {"number", "integer"},
    "choice": {"choice"},
    "text": {"string", "text", "region_code", "phone", "email"},
}
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_APPLICANT_GROUPS = frozenset({"person", "applicant", "contact", "mother", "father"})
_HOLDS = ("已取得", "已有", "持有", "已办理", "已领取")


@dataclass(frozen=True)
class Finding:
    package: str
    scenario: str
    kind: str  # asked_twice | unbound_question | no_contract
    datum: str  # element code, question id or "licence:<type>"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "package": self.package,
            "scenario": self.scenario,
            "kind": self.kind,
            "datum": self.datum,
            "message": self.message,
        }


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", _BRACKETS.sub("", text or "")).strip("？?：:")


def _same_name(question_text: str, element_name: str) -> bool:
    q, e = _norm(question_text), _norm(element_name)
    return bool(e) and (q == e or (len(e) >= 4 and e in q))


def _granted(package_code: str) -> tuple[set[str], set[str]]:
    """Elements and licence types the package's contracts in force today grant."""
    today = clock.today()
    elements: set[str] = set()
    licences: set[str] = set()
    for terms in active_terms():
        if terms.consumer_kind != ConsumerKind.PACKAGE or terms.consumer_code != package_code:
            continue
        if terms.valid_from > today or (terms.valid_until is not None and terms.valid_until < today):
            continue
        elements |= terms.elements
        licences |= terms.licence_types
    return elements, licences


def scenarios_of(package: cm.Package) -> list[tuple[str, dict[str, Any]]]:
    declared: list[tuple[str, dict[str, Any]]] = [
        (str(s["name"]), dict(s["answers"])) for s in package.scenarios or ()
    ]
    return declared or [("默认情形", {})]


def check_scenario(
    *,
    package: cm.Package,
    scenario: str,
    answers: Mapping[str, Any],
    region_code: str,
    elements: Mapping[str, tuple[str, str]],
    licences: Mapping[str, str],
    granted: tuple[set[str], set[str]],
) -> list[Finding]:
    """The findings for one scenario (delivered electronically, the default of every channel)."""
    compiled = compile_for(package_code=package.code, region_code=region_code, answers=answers)
    snapshot = compiled.to_dict()
    found: list[Finding] = []

    def add(kind: str, datum: str, message: str) -> None:
        finding = Finding(package.code, scenario, kind, datum, message)
        if finding not in found:
            found.append(finding)

    delivery = DeliveryMethod.ELECTRONIC
    fields = form_fields(snapshot)
    # Walked as the applicant first sees the form: no choice made yet, so a field shown only on a
    # choice (`shown_when`, e.g. the mailing address when 邮寄到家 is chosen) is not asked.
    typed = [f for _, asked in asked_groups(snapshot, delivery_method=delivery, values={}) for f in asked]
    shown = [f for f in fields.values() if not f.get("produced_by")]
    prefilled = [f for f in typed if f.get("prefill_registry")]

    # The contact step asks phone and e-mail; the form must not ask the applicant's own again (nor a
    # parent's: in a person's package a parent is who applies).
    for f in typed:
        if f["element"] in CONTACT_ELEMENTS or (
            f["type"] in ("phone", "email") and f["element"].split(".", 1)[0] in _APPLICANT_GROUPS
        ):
            add(ASKED_TWICE, f["element"], f"联系方式“{f['name']}”已在联系方式步骤填写，表单又问一次")
        if (
            f["element"].startswith(POSTAL_PREFIX)
            and not_asked(snapshot, f, delivery, {}) == ""
            and not any(g.get("post_choices") for g in fields.values())
        ):
            add(ASKED_TWICE, f["element"], f"已选电子送达，表单仍要求填写邮寄信息“{f['name']}”")

    # The same datum under two element codes (two groups, or a prefilled one re-typed).
    by_name: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in shown:
        by_name.setdefault((_norm(f["name"]), f["type"]), []).append(f)
    typed_codes = {f["element"] for f in typed}
    for (name, _type), same in by_name.items():
        if len(same) < 2 or not any(f["element"] in typed_codes for f in same):
            continue
        codes = "、".join(f["element"] for f in same)
        source = next((f for f in same if f.get("prefill_registry")), None)
        if source is not None:
            add(
                ASKED_TWICE,
                codes,
                f"“{name}”已由{source.get('prefill_source') or source['prefill_registry']}预填"
                f"（{source['element']}），表单又以另一字段询问（{codes}）",
            )
        else:
            add(ASKED_TWICE, codes, f"同一数据“{name}”在表单中问了两次（{codes}）")

    # Questions: asked on their own although a datum answers them.
    for q in compiled.questions:
        if q.bind:
            continue
        match = next(
            (f for f in shown if f["type"] in _ANSWERS.get(q.type, set()) and _same_name(q.text, f["name"])),
            None,
        )
        if match is not None:
            add(
                ASKED_TWICE,
                q.ident,
                f"问题“{q.text}”与表单字段“{match['name']}”（{match['element']}）是同一数据：请绑定"
                f"（bind: {match['element']}），只问一次",
            )
            continue
        candidate = ""
        if q.type == "bool" and any(word in q.text for word in _HOLDS):
            candidate = next(
                (f"licence:{code}" for code, name in licences.items() if name and name in q.text), ""
            )
        if not candidate:
            candidate = next(
                (
                    code
                    for code, (name, type_) in elements.items()
                    if type_ in _ANSWERS.get(q.type, set()) and _same_name(q.text, name)
                ),
                "",
            )
        if candidate:
            add(UNBOUND, q.ident, f"问题“{q.text}”可由数据“{candidate}”回答，但未绑定（bind: {candidate}）")

    # Registry-sourced data need a contract in force for the package.
    granted_elements, granted_licences = granted
    for f in prefilled:
        if f["element"] not in granted_elements:
            add(
                NO_CONTRACT,
                f["element"],
                f"“{f['name']}”来自{f.get('prefill_source') or f['prefill_registry']}，"
                f"但没有共享协议授权本套餐读取",
            )
    for q in compiled.questions:
        if q.bind.startswith("licence:") and q.bind.removeprefix("licence:") not in granted_licences:
            add(NO_CONTRACT, q.bind, f"问题“{q.text}”由电子证照“{q.bind_name}”回答，但没有共享协议授权调用")
    return found


def check_package(*, package_code: str, region_code: str | None = None) -> list[Finding]:
    """Every finding of one package over its declared scenarios, in the first region it is offered in
    (or `region_code`)."""
    package = package_by_code(package_code)
    region = region_code or next((r.code for r in package.regions.all()), "")
    elements = {
        code: (name, type_)
        for code, name, type_ in cm.DataElement.objects.values_list("code", "name", "type")
    }
    licences = dict(cm.LicenceType.objects.values_list("code", "name"))
    granted = _granted(package.code)
    found: list[Finding] = []
    for name, answers in scenarios_of(package):
        try:
            findings = check_scenario(
                package=package,
                scenario=name,
                answers=answers,
                region_code=region,
                elements=elements,
                licences=licences,
                granted=granted,
            )
        except OneGoError as exc:
            findings = [Finding(package.code, name, "invalid_scenario", exc.field or "", exc.message)]
        found += [f for f in findings if f not in found]
    return found


def check_packages(codes: Iterable[str], *, region_code: str | None = None) -> dict[str, list[Finding]]:
    return {code: check_package(package_code=code, region_code=region_code) for code in codes}
